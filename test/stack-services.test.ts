// The handler's stack services through the real SDK clients (lambda/outbound.ts)
// against the local endpoints: DescribeStacks, DescribeStackEvents and DescribeStackResource
// answered by the local deploy's CloudFormation, the snapshot table by the
// local DynamoDB, each found through its own SDK endpoint variable.
import {
  type CloudFormationEndpoint,
  enterStackStatus,
  type LocalStack,
  startCloudFormationEndpoint,
} from '../local/cloudformation-endpoint';
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

test('DescribeStacks answers the status the deploy engine is in, with its times, and refuses a stack it does not know', async () => {
  const stack: LocalStack = {
    stackId: STACK_ID,
    stackName: 'FinspaceUsers',
    status: 'CREATE_COMPLETE',
    creationTime: new Date(clock),
    events: [],
  };
  cloudformation.stacks.set(STACK_ID, stack);
  await expect(outbound.describeStack(STACK_ID)).resolves.toEqual({ status: 'CREATE_COMPLETE', creationTime: clock });
  enterStackStatus(stack, 'UPDATE_IN_PROGRESS', new Date(clock + 60_000));
  enterStackStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', new Date(clock + 90_000));
  // LastUpdatedTime: when the update began
  await expect(outbound.describeStack(STACK_ID)).resolves.toEqual({
    status: 'UPDATE_ROLLBACK_IN_PROGRESS',
    creationTime: clock,
    lastUpdatedTime: clock + 60_000,
  });
  await expect(outbound.describeStack(STACK_ID.replace('5b6e', '0000'))).rejects.toMatchObject({
    name: 'ValidationError',
    message: expect.stringContaining('does not exist'),
  });
});

test("DescribeStackEvents answers the stack's events newest first, a hundred a page, with the stack's own", async () => {
  const stack: LocalStack = {
    stackId: STACK_ID,
    stackName: 'FinspaceUsers',
    status: 'REVIEW_IN_PROGRESS',
    creationTime: new Date(clock),
    events: [],
  };
  cloudformation.stacks.set(STACK_ID, stack);
  enterStackStatus(stack, 'CREATE_IN_PROGRESS', new Date(clock + 1_000));
  for (let i = 0; i < 150; i++) {
    stack.events?.push({
      logicalResourceId: `User${i}`,
      physicalResourceId: `env/u-${i}`,
      resourceType: 'Custom::FinspaceUser',
      resourceStatus: 'CREATE_COMPLETE',
      timestamp: new Date(clock + 2_000 + i),
    });
  }
  const first = await outbound.stackEvents(STACK_ID);
  expect(first.events).toHaveLength(100);
  expect(first.events[0]).toEqual({
    resourceType: 'Custom::FinspaceUser',
    physicalResourceId: 'env/u-149',
    resourceStatus: 'CREATE_COMPLETE',
    timestamp: clock + 2_149,
  });
  const second = await outbound.stackEvents(STACK_ID, first.nextToken);
  expect(second.nextToken).toBeUndefined();
  expect(second.events.at(-1)).toEqual({
    resourceType: 'AWS::CloudFormation::Stack',
    physicalResourceId: STACK_ID,
    resourceStatus: 'CREATE_IN_PROGRESS',
    timestamp: clock + 1_000,
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
