// The handler's stack services through the real SDK clients (lambda/outbound.ts)
// against the local endpoints: DescribeStacks answered by the local deploy's
// CloudFormation, the snapshot table by the local DynamoDB, each found through
// its own SDK endpoint variable.
import { type CloudFormationEndpoint, startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { type Emulator, startEmulator } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { provisionTables } from '../local/provision-tables';
import { awsOutbound } from '../lambda/aws-clients';
import type { Outbound } from '../lambda/outbound';
import type { Snapshot } from '../lambda/snapshot-store';
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

const snapshot = (requestId: string, lastName: string): Snapshot => ({
  key: 'k1',
  requestId,
  expiresAt: clock / 1000 + 60,
  user: { userId: 'u-quant-analyst', type: 'APP_USER', firstName: 'Ada', lastName, apiAccess: 'DISABLED' },
});

test('a snapshot is stored, read, kept on a redelivery, replaced by another request, and deleted', async () => {
  await outbound.putSnapshot(snapshot('r1', 'Byron'));
  await expect(outbound.getSnapshot('k1')).resolves.toEqual(snapshot('r1', 'Byron'));
  // the same request again (a redelivery, after its own write): the first snapshot stays
  await outbound.putSnapshot(snapshot('r1', 'Lovelace'));
  expect((await outbound.getSnapshot('k1'))?.user.lastName).toBe('Byron');
  // another request (a later deploy of the same properties) takes a new one
  await outbound.putSnapshot(snapshot('r2', 'Lovelace'));
  expect((await outbound.getSnapshot('k1'))?.user.lastName).toBe('Lovelace');
  await outbound.deleteSnapshot('k1');
  await expect(outbound.getSnapshot('k1')).resolves.toBeUndefined();
  // sealed at rest: the endpoint's state holds no name
  expect(JSON.stringify(emulator.state.dynamodb)).not.toMatch(/Ada|Byron|Lovelace/);
});

test('an expired snapshot is gone', async () => {
  await outbound.putSnapshot(snapshot('r1', 'Byron'));
  clock += 61_000;
  await expect(outbound.getSnapshot('k1')).resolves.toBeUndefined();
});

test('a table that does not exist, and credentials the endpoint does not know, fail loudly', async () => {
  const elsewhere = awsOutbound(
    { AWS_REGION: 'us-east-1', AWS_MAX_ATTEMPTS: '1', AWS_ENDPOINT_URL: emulator.url, SNAPSHOT_TABLE_NAME: 'Nope' },
    LOCAL_HANDLER_CREDENTIALS,
  );
  await expect(elsewhere.getSnapshot('k1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  const stranger = awsOutbound(
    {
      AWS_REGION: 'us-east-1',
      AWS_MAX_ATTEMPTS: '1',
      AWS_ENDPOINT_URL: emulator.url,
      SNAPSHOT_TABLE_NAME: 'Snapshots',
    },
    { accessKeyId: 'AKIASTRANGER00000001', secretAccessKey: 'x' },
  );
  await expect(stranger.getSnapshot('k1')).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
});
