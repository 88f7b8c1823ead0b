// The whole lifecycle through the real bundled handler, driven like
// CloudFormation against the local FinSpace endpoint over loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FinspaceApiAccess, FinspaceUserType } from '../lib';
import { type Emulator, startEmulator, WRITE_OPERATIONS } from '../local/emulator';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { claimKey } from '../lambda/user-claim';
import { loadDeployState } from '../local/deploy-state';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { localDeploy, type LocalDeployResult } from '../local/local-deploy';
import { demoState } from './support/demo-state';
import { synthApp, synthUsers } from './support/synth';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser, type UserSpec } from './support/roles';

type Declared = Record<string, Partial<UserSpec>>;

let workDir: string;
let emulator: Emulator;
beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-local-deploy-'));
  emulator = await startEmulator({ seed: demoState });
});
afterEach(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Synthesizes a stack declaring `users` and deploys it like `npm start` would. */
async function deploy(users: Declared, concurrency = 4): Promise<LocalDeployResult> {
  const cdkOut = synthUsers(workDir, users);
  return localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url, concurrency });
}

const user = (id: string) => emulator.state.environments[ENVIRONMENT][id];
const writes = () =>
  emulator.calls
    .filter((c) => WRITE_OPERATIONS.has(c.operation) && c.statusCode === 200)
    .map((c) => `${c.operation} ${c.userId}`);
const requests = () => emulator.calls.length;

const ANALYST: Partial<UserSpec> = {
  userId: 'u-quant-analyst',
  firstName: 'Ada',
  lastName: 'Lovelace',
  apiAccess: FinspaceApiAccess.DISABLED,
};
const CONTRACTOR: Partial<UserSpec> = {
  userId: 'u-contractor',
  firstName: 'Alan',
  apiAccess: FinspaceApiAccess.DISABLED,
  removalPolicy: RemovalPolicy.DESTROY,
};

test('create, no-op, update of each field, replacement, delete with each removal policy', async () => {
  let result = await deploy({ Analyst: ANALYST, Contractor: CONTRACTOR });
  expect(result.ok).toBe(true);
  expect(result.stacks[0].events.filter((e) => e.status === 'COMPLETE').map((e) => e.requestType)).toEqual([
    'Create',
    'Create',
  ]);
  expect(user('u-quant-analyst')).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', apiAccess: 'DISABLED' });
  expect(user('u-contractor')).toMatchObject({ apiAccess: 'DISABLED', status: 'ENABLED' });
  expect(writes().sort()).toEqual(['UpdateUser u-contractor', 'UpdateUser u-quant-analyst']);
  // the users the table shows, before and after
  expect(result.users.find((u) => u.userId === 'u-quant-analyst')).toMatchObject({
    before: { lastName: 'Byron' },
    after: { lastName: 'Lovelace' },
  });

  // again, unchanged: no event, no FinSpace write
  const writesBefore = writes().length;
  result = await deploy({ Analyst: ANALYST, Contractor: CONTRACTOR });
  expect(result.stacks[0].status).toBe('NO_CHANGES');
  expect(writes()).toHaveLength(writesBefore);

  // each field in turn: one Update event, one UpdateUser
  const steps: [Partial<UserSpec>, Record<string, unknown>][] = [
    [{ type: FinspaceUserType.SUPER_USER }, { type: 'SUPER_USER' }],
    [{ firstName: 'Augusta' }, { firstName: 'Augusta' }],
    [{ lastName: 'King' }, { lastName: 'King' }],
    [{ apiAccess: FinspaceApiAccess.ENABLED }, { apiAccess: 'ENABLED' }],
    [
      { apiAccess: FinspaceApiAccess.ENABLED, apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/DataPipeline' },
      { apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/DataPipeline' },
    ],
  ];
  let analyst = ANALYST;
  for (const [change, expected] of steps) {
    analyst = { ...analyst, ...change };
    const count = writes().length;
    result = await deploy({ Analyst: analyst, Contractor: CONTRACTOR });
    expect(
      result.stacks[0].events
        .filter((e) => e.status === 'COMPLETE')
        .map((e) => `${e.requestType} ${e.logicalId.slice(0, 7)}`),
    ).toEqual(['Update Analyst']);
    expect(writes().slice(count)).toEqual(['UpdateUser u-quant-analyst']);
    expect(user('u-quant-analyst')).toMatchObject(expected);
  }

  // a change of userId is a replacement: the new user is written, the old one (DESTROY) disabled in cleanup
  let count = writes().length;
  result = await deploy({ Analyst: analyst, Contractor: { ...CONTRACTOR, userId: 'u-data-engineer' } });
  expect(
    result.stacks[0].events.filter((e) => e.status === 'COMPLETE').map((e) => `${e.requestType} ${e.phase}`),
  ).toEqual(['Update deploy', 'Delete cleanup']);
  expect(writes().slice(count)).toEqual(['UpdateUser u-data-engineer', 'DisableUser u-contractor']);
  expect(user('u-contractor').status).toBe('DISABLED');

  // removal: RETAIN makes no call, DESTROY disables
  count = writes().length;
  result = await deploy({ Contractor: { ...CONTRACTOR, userId: 'u-data-engineer' } });
  expect(result.ok).toBe(true);
  expect(writes().slice(count)).toEqual([]);
  expect(user('u-quant-analyst').status).toBe('ENABLED');
  result = await deploy({});
  expect(writes().slice(count)).toEqual(['DisableUser u-data-engineer']);
  expect(user('u-data-engineer').status).toBe('DISABLED');
});

test('a DESTROY user whose construct is renamed is written by the new resource and stays enabled when the old one goes', async () => {
  await deploy({ Contractor: CONTRACTOR });
  const count = writes().length;
  const result = await deploy({ ContractorRenamed: CONTRACTOR });
  expect(result.ok).toBe(true);
  expect(
    result.stacks[0].events
      .filter((e) => e.status === 'COMPLETE')
      .map((e) => `${e.requestType} ${e.phase} ${e.logicalId.replace(/[0-9A-F]{8}$/, '')}`),
  ).toEqual(['Create deploy ContractorRenamed', 'Delete cleanup Contractor']);
  expect(writes().slice(count)).toEqual(['UpdateUser u-contractor']);
  expect(user('u-contractor').status).toBe('ENABLED');
  // and removing it for good still disables it
  await deploy({});
  expect(writes().slice(count)).toEqual(['UpdateUser u-contractor', 'DisableUser u-contractor']);
});

test('a claim planted in the snapshot table ({holder: "Ghost"}) does not keep a removed DESTROY user enabled', async () => {
  await deploy({ Contractor: CONTRACTOR });
  const { stackId } = loadDeployState(join(workDir, '.finspace-local', 'deployments.json')).Users;
  const [table] = Object.keys(emulator.state.dynamodb ?? {});
  const key = claimKey(stackId, { environmentId: ENVIRONMENT, userId: 'u-contractor' });
  const dynamodb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials: LOCAL_HANDLER_CREDENTIALS,
  });
  await dynamodb.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        key: { S: key },
        kind: { S: 'claim' },
        holder: { S: 'Ghost' },
        expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) },
      },
    }),
  );
  dynamodb.destroy();
  // the contractor is removed from the stack: CloudFormation knows no resource Ghost, so the claim does not count
  expect((await deploy({ Analyst: ANALYST })).ok).toBe(true);
  expect(user('u-contractor').status).toBe('DISABLED');
});

test('a failed update is rolled back: the users are back to the last deployed declaration', async () => {
  await deploy({ Analyst: ANALYST, Contractor: CONTRACTOR }, 1);
  const before = { ...user('u-quant-analyst') };
  // the analyst's change applies first, then the contractor's fails (no such user)
  const result = await deploy(
    { Analyst: { ...ANALYST, firstName: 'Augusta' }, Contractor: { ...CONTRACTOR, userId: 'u-ghost' } },
    1,
  );
  expect(result.ok).toBe(false);
  expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  // as CloudFormation names it: ROLLBACK_COMPLETE would mean a failed create, a stack to delete
  expect(result.stacks[0].stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
  expect(result.stacks[0].reason).toBe('GetUser u-ghost: ResourceNotFoundException: User u-ghost does not exist');
  const seen = result.stacks[0].events
    .filter((e) => e.status !== 'IN_PROGRESS')
    .map((e) => `${e.requestType} ${e.phase} ${e.status}`);
  expect(seen).toEqual([
    'Update deploy COMPLETE',
    'Update deploy FAILED',
    'Update rollback COMPLETE',
    'Update rollback COMPLETE',
  ]);
  expect(user('u-quant-analyst')).toMatchObject({
    firstName: before.firstName,
    lastName: before.lastName,
    type: before.type,
  });
  // and the next deploy of the previous declaration has nothing to do
  expect((await deploy({ Analyst: ANALYST, Contractor: CONTRACTOR })).stacks[0].status).toBe('NO_CHANGES');
});

test('a failed create is rolled back: created resources are deleted, the failed one costs no call', async () => {
  const result = await deploy({ Analyst: ANALYST, Ghost: { userId: 'u-ghost', firstName: 'Nobody' } }, 1);
  expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  expect(result.stacks[0].stackStatus).toBe('ROLLBACK_COMPLETE');
  const seen = result.stacks[0].events
    .filter((e) => e.status !== 'IN_PROGRESS')
    .map((e) => `${e.requestType} ${e.phase} ${e.status}`);
  expect(seen).toEqual([
    'Create deploy COMPLETE',
    'Create deploy FAILED',
    'Delete rollback COMPLETE',
    'Delete rollback COMPLETE',
  ]);
  // the rollback Delete writes back what the Create changed (RETAIN or not)
  expect(writes()).toEqual(['UpdateUser u-quant-analyst', 'UpdateUser u-quant-analyst']);
  expect(user('u-quant-analyst')).toMatchObject({ firstName: 'Ada', lastName: 'Byron' });
  const calls = requests();
  expect((await deploy({ Analyst: ANALYST })).stacks[0].events.map((e) => e.requestType)).toEqual(['Create', 'Create']);
  expect(requests()).toBeGreaterThan(calls);
});

test('a token that resolves to an invalid value fails at deploy naming the field, and nothing is written', async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    const firstName = new CfnParameter(stack, 'FirstName', { default: 'x'.repeat(51) }).valueAsString;
    declareUser(stack, 'Analyst', {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId: 'u-quant-analyst',
      type: FinspaceUserType.APP_USER,
      firstName,
    });
  });
  const result = await localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url });
  expect(result.ok).toBe(false);
  expect(result.stacks[0].reason).toBe(
    'Invalid FinspaceUser properties: firstName: must be 1 to 50 characters long, is 51',
  );
  expect(emulator.calls).toEqual(expect.not.arrayContaining([expect.objectContaining({ operation: 'UpdateUser' })]));
  expect(user('u-quant-analyst').firstName).toBe('Ada');
});

test('a parameter without a default takes the value given (--parameter), and without one fails naming the flag', async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    declareUser(stack, 'Analyst', {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId: 'u-quant-analyst',
      type: FinspaceUserType.APP_USER,
      lastName: new CfnParameter(stack, 'LastName').valueAsString,
    });
  });
  await expect(localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url })).rejects.toThrow(
    'Users/Analyst: cannot resolve {"Ref": "LastName"}: give it with --parameter LastName=VALUE',
  );
  expect(user('u-quant-analyst').lastName).toBe('Byron');
  const result = await localDeploy({
    projectDir: workDir,
    cdkOut,
    endpoint: emulator.url,
    parameters: { LastName: 'King' },
  });
  expect(result.ok).toBe(true);
  expect(user('u-quant-analyst').lastName).toBe('King');
});

test('the users table follows a user whose id is a parameter, resolved as CloudFormation would', async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    const userId = new CfnParameter(stack, 'AnalystId', { default: 'u-quant-analyst' }).valueAsString;
    declareUser(stack, 'Analyst', {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId,
      type: FinspaceUserType.APP_USER,
      lastName: 'Lovelace',
    });
  });
  const result = await localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url });
  expect(result.ok).toBe(true);
  expect(result.users).toEqual([
    expect.objectContaining({
      userId: 'u-quant-analyst',
      before: expect.objectContaining({ lastName: 'Byron' }),
      after: expect.objectContaining({ lastName: 'Lovelace' }),
    }),
  ]);
});
