// The handler's stack services through the real SDK clients (lambda/outbound.ts)
// against the local endpoints: DescribeStacks and DescribeStackResource
// answered by the local deploy's CloudFormation, the snapshot table by the
// local DynamoDB, each found through its own SDK endpoint variable.
import { type CloudFormationEndpoint, startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { type Emulator, startEmulator } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { provisionTables } from '../local/provision-tables';
import { awsOutbound } from '../lambda/aws-clients';
import type { Outbound } from '../lambda/outbound';
import { demoState } from './support/demo-state';
import { STACK_ID } from './support/events';

let emulator: Emulator;
let cloudformation: CloudFormationEndpoint;
let outbound: Outbound;
let clock = Date.UTC(2026, 5, 1);

beforeEach(async () => {
  emulator = await startEmulator({ seed: demoState, now: () => clock });
  cloudformation = await startCloudFormationEndpoint();
  await provisionTables(emulator.url, [
    { tableName: 'Snapshots', keySchema: [{ AttributeName: 'key', KeyType: 'HASH' }], ttlAttribute: 'expiresAt' },
  ]);
  outbound = awsOutbound(
    {
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      // nothing listens there: each service must be found through its own variable
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
      AWS_ENDPOINT_URL_DYNAMODB: emulator.url,
      SNAPSHOT_TABLE_NAME: 'Snapshots',
    },
    LOCAL_HANDLER_CREDENTIALS,
  );
});
afterEach(async () => {
  await cloudformation.close();
  await emulator.close();
});

test('DescribeStacks answers the status the deploy engine is in, and refuses a stack it does not know', async () => {
  cloudformation.stacks.set(STACK_ID, {
    stackId: STACK_ID,
    stackName: 'FinspaceUsers',
    status: 'UPDATE_ROLLBACK_IN_PROGRESS',
    creationTime: new Date(clock),
  });
  await expect(outbound.stackStatus(STACK_ID)).resolves.toBe('UPDATE_ROLLBACK_IN_PROGRESS');
  await expect(outbound.stackStatus(STACK_ID.replace('5b6e', '0000'))).rejects.toMatchObject({
    name: 'ValidationError',
    message: expect.stringContaining('does not exist'),
  });
});

test('DescribeStackResource answers a resource of the stack, and nothing for a logical id it does not have', async () => {
  cloudformation.stacks.set(STACK_ID, {
    stackId: STACK_ID,
    stackName: 'FinspaceUsers',
    status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
    creationTime: new Date(clock),
    resources: new Map([
      [
        'Analyst',
        { resourceType: 'Custom::FinspaceUser', physicalResourceId: 'env/u-1', resourceStatus: 'CREATE_COMPLETE' },
      ],
    ]),
  });
  await expect(outbound.stackResource(STACK_ID, 'Analyst')).resolves.toEqual({
    resourceType: 'Custom::FinspaceUser',
    physicalResourceId: 'env/u-1',
    resourceStatus: 'CREATE_COMPLETE',
  });
  await expect(outbound.stackResource(STACK_ID, 'Ghost')).resolves.toBeUndefined();
  await expect(outbound.stackResource(STACK_ID.replace('5b6e', '0000'), 'Analyst')).rejects.toMatchObject({
    name: 'ValidationError',
  });
});

const item = (rev: string, lastName: string) => ({
  key: 'k1',
  kind: 'change',
  rev,
  before: JSON.stringify({ lastName }),
  expiresAt: String(clock / 1000 + 60),
});

test('an item is stored, read back as it was written, and replaced only on the revision it was read at', async () => {
  await expect(outbound.putItem(item('r1', 'Byron'), { rev: undefined })).resolves.toBe(true);
  await expect(outbound.getItem('k1')).resolves.toEqual(item('r1', 'Byron'));
  // a second writer that read no item (or another revision) loses
  await expect(outbound.putItem(item('r2', 'King'), { rev: undefined })).resolves.toBe(false);
  await expect(outbound.putItem(item('r2', 'King'), { rev: 'r0' })).resolves.toBe(false);
  await expect(outbound.putItem(item('r2', 'King'), { rev: 'r1' })).resolves.toBe(true);
  expect((await outbound.getItem('k1'))?.before).toBe('{"lastName":"King"}');
  // without a condition, whatever is there is replaced
  await expect(outbound.putItem(item('r3', 'Hopper'))).resolves.toBe(true);
  // sealed at rest: the endpoint's state holds no name
  expect(JSON.stringify(emulator.state.dynamodb)).not.toMatch(/Byron|King|Hopper/);
});

test('an expired item is gone', async () => {
  await outbound.putItem(item('r1', 'Byron'));
  clock += 61_000;
  await expect(outbound.getItem('k1')).resolves.toBeUndefined();
});

test('a table that does not exist, and credentials the endpoint does not know, fail loudly', async () => {
  const elsewhere = awsOutbound(
    { AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_ENDPOINT_URL: emulator.url, SNAPSHOT_TABLE_NAME: 'Nope' },
    LOCAL_HANDLER_CREDENTIALS,
  );
  await expect(elsewhere.getItem('k1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  const stranger = awsOutbound(
    {
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      AWS_ENDPOINT_URL: emulator.url,
      SNAPSHOT_TABLE_NAME: 'Snapshots',
    },
    { accessKeyId: 'AKIASTRANGER00000001', secretAccessKey: 'x' },
  );
  await expect(stranger.getItem('k1')).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
});
