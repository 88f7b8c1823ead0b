// The snapshot table's resource policy, enforced by the local DynamoDB
// against whoever signs a request: another principal of the account (a
// developer role the local STS issues credentials for, allowed everything
// else, as `dynamodb:*` on `*` would) can neither read nor change the
// handler's items, nor lift the policy; the handler works as before; and a
// snapshot planted to steer a rollback is refused, so the rollback restores
// the true before-values.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  DeleteResourcePolicyCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  PutResourcePolicyCommand,
  ScanCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type LocalTableSpec, readStacks, type StackUsers } from '../toolkit/cloud-assembly';
import { FinspaceApiAccess, FinspaceUserType } from '../lib';
import { awsOutbound } from '../lambda/aws-clients';
import { parseResourceProperties } from '../lambda/resource-properties';
import { changeKey, encodeChangeRecord, newRevision, propertiesHash, recordExpiry } from '../lambda/change-record';
import { loadDeployState } from '../local/deploy-state';
import { type Emulator, startEmulator } from '../local/emulator';
import {
  LOCAL_ACCOUNT,
  LOCAL_DEPLOYER_CREDENTIALS,
  LOCAL_HANDLER_CREDENTIALS,
  LOCAL_REGION,
  type UserRecord,
} from '../local/emulator-state';
import { desiredResources, localDeploy } from '../local/local-deploy';
import { provisionTables, tablePolicyContext } from '../local/provision-tables';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import type { UserSpec } from './support/roles';
import { synthUsers } from './support/synth';

jest.setTimeout(120_000);

const DEVELOPER_USER = 'arn:aws:iam::123456789012:user/developer';
const DEVELOPER_ROLE = 'arn:aws:iam::123456789012:role/Developer';
const DEVELOPER_KEY = { accessKeyId: 'AKIALOCALDEVELOPER01', secretAccessKey: 'developer-secret-not-a-real-key' };

// The admin's own user, declared as it is; then a deploy that would demote it (the lockout guard refuses it
// before it takes a snapshot, so the rollback of that Update finds none), and an analyst beside it.
const ADMIN: Partial<UserSpec> = {
  userId: 'u-platform-admin',
  type: FinspaceUserType.SUPER_USER,
  apiAccess: FinspaceApiAccess.ENABLED,
  apiAccessPrincipalArn: ADMIN_ROLE,
};
const DEPLOYED = { Admin: ADMIN, Analyst: { userId: 'u-quant-analyst', lastName: 'Lovelace' } };
const DEMOTING = { ...DEPLOYED, Admin: { ...ADMIN, type: FinspaceUserType.APP_USER } };

let workDir: string;
let emulator: Emulator;
let stack: StackUsers;
let table: LocalTableSpec;
let developer: DynamoDBClient;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-table-policy-'));
  emulator = await startEmulator({
    seed: () => {
      const state = demoState();
      state.accessKeys[DEVELOPER_KEY.accessKeyId] = {
        secretAccessKey: DEVELOPER_KEY.secretAccessKey,
        kind: 'iam',
        principalArn: DEVELOPER_USER,
      };
      state.roles[DEVELOPER_ROLE] = { trusted: [DEVELOPER_USER] };
      return state;
    },
  });
  const cdkOut = synthUsers(workDir, DEPLOYED);
  const deployed = await localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url, concurrency: 1 });
  if (!deployed.ok) throw new Error(`the first deploy failed: ${deployed.stacks[0]?.reason ?? ''}`);
  [stack] = readStacks(cdkOut);
  [table] = stack.tables;
  // The developer works as a role, through the local STS, as people do.
  const sts = new STSClient({ region: LOCAL_REGION, endpoint: emulator.url, credentials: DEVELOPER_KEY });
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: DEVELOPER_ROLE, RoleSessionName: 'curious-developer' }),
  );
  sts.destroy();
  developer = new DynamoDBClient({
    region: LOCAL_REGION,
    endpoint: emulator.url,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    },
  });
});
afterAll(async () => {
  developer.destroy();
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

const localTable = () => emulator.state.dynamodb![table.tableName];
const tableArn = () => `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${table.tableName}`;
const denial = (action: string) => ({
  name: 'AccessDeniedException',
  message:
    `User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/Developer/curious-developer is not authorized to perform: ` +
    `dynamodb:${action} on resource: ${tableArn()} with an explicit deny in a resource-based policy`,
});

test("another principal can neither read nor change the handler's items, nor lift the policy or the table", async () => {
  const before = JSON.stringify(localTable());
  const [existing] = Object.keys(localTable().items).map((k) => (JSON.parse(k) as [{ S: string }])[0]);
  expect(existing).toBeDefined();
  const TableName = table.tableName;
  const Key = { key: existing };
  const planted = { key: { S: 'planted' }, expiresAt: { N: '9999999999' }, user: { S: '{}' } };
  const attempts: [string, () => Promise<unknown>][] = [
    ['GetItem', () => developer.send(new GetItemCommand({ TableName, Key }))],
    ['Scan', () => developer.send(new ScanCommand({ TableName }))],
    ['PutItem', () => developer.send(new PutItemCommand({ TableName, Item: planted }))],
    [
      'UpdateItem',
      () =>
        developer.send(
          new UpdateItemCommand({
            TableName,
            Key,
            UpdateExpression: 'SET expiresAt = :t',
            ExpressionAttributeValues: { ':t': { N: '9999999999' } },
          }),
        ),
    ],
    ['DeleteItem', () => developer.send(new DeleteItemCommand({ TableName, Key }))],
    [
      'BatchWriteItem',
      () =>
        developer.send(
          new BatchWriteItemCommand({ RequestItems: { [TableName]: [{ PutRequest: { Item: planted } }] } }),
        ),
    ],
    [
      'PutResourcePolicy',
      () =>
        developer.send(
          new PutResourcePolicyCommand({
            ResourceArn: tableArn(),
            Policy: JSON.stringify({
              Statement: [{ Effect: 'Allow', Principal: { AWS: DEVELOPER_ROLE }, Action: 'dynamodb:*', Resource: '*' }],
            }),
          }),
        ),
    ],
    ['DeleteResourcePolicy', () => developer.send(new DeleteResourcePolicyCommand({ ResourceArn: tableArn() }))],
    ['DeleteTable', () => developer.send(new DeleteTableCommand({ TableName }))],
    [
      'UpdateTimeToLive',
      () =>
        developer.send(
          new UpdateTimeToLiveCommand({
            TableName,
            TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false },
          }),
        ),
    ],
  ];
  for (const [action, attempt] of attempts) {
    await expect(attempt()).rejects.toMatchObject(denial(action));
  }
  // nothing changed: not an item, not the policy, not the time to live
  expect(JSON.stringify(localTable())).toBe(before);
});

test("the handler's role reads and writes its items as before", async () => {
  const handler = awsOutbound(
    {
      AWS_REGION: LOCAL_REGION,
      AWS_MAX_ATTEMPTS: '1',
      AWS_ENDPOINT_URL: emulator.url,
      SNAPSHOT_TABLE_NAME: table.tableName,
    },
    LOCAL_HANDLER_CREDENTIALS,
  );
  const claim = {
    key: 'handler-own',
    kind: 'claim',
    holder: 'Admin',
    expiresAt: String(Math.floor(Date.now() / 1000) + 60),
  };
  await expect(handler.putItem(claim)).resolves.toBe(true);
  await expect(handler.getItem('handler-own')).resolves.toEqual(claim);
});

test("the policy is the template's, its two roles resolved to the principals the local deploy plays them with", () => {
  const policy = JSON.parse(localTable().resourcePolicy!.document) as {
    Statement: { Sid: string; Condition: { ArnNotEquals: { 'aws:PrincipalArn': string } } }[];
  };
  expect(policy.Statement.map((s) => [s.Sid, s.Condition.ArnNotEquals['aws:PrincipalArn']])).toEqual([
    ['ItemsOnlyForTheHandler', LOCAL_HANDLER_CREDENTIALS.principalArn],
    ['TableAndPolicyOnlyForTheDeployingRole', LOCAL_DEPLOYER_CREDENTIALS.principalArn],
  ]);
});

describe('provisioning, as the deploying role', () => {
  const context = () => tablePolicyContext(stack);
  const COPY = 'Users-PolicyCopy';
  const policyOfCopy = () => emulator.state.dynamodb![COPY].resourcePolicy?.document;
  const statementsOf = (spec: LocalTableSpec) => (spec.resourcePolicy as { Statement: object[] }).Statement;

  test("the deployer replaces a table's policy with the template's, once the developer could not", async () => {
    const copy = { ...table, tableName: COPY };
    await provisionTables(emulator.url, [copy], context());
    const first = policyOfCopy();
    expect(first).toBeDefined();
    const lift = new PutResourcePolicyCommand({
      ResourceArn: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${COPY}`,
      Policy: JSON.stringify({ Statement: [{ ...statementsOf(copy)[0], Action: 'dynamodb:Scan' }] }),
    });
    await expect(developer.send(lift)).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(policyOfCopy()).toBe(first);
    // the next template's policy denies the items to all but the handler, and says nothing of the table
    const next = { ...copy, resourcePolicy: { Version: '2012-10-17', Statement: [statementsOf(copy)[0]] } };
    await provisionTables(emulator.url, [next], context());
    expect(JSON.parse(policyOfCopy()!).Statement).toHaveLength(1);
    // and a template without a policy takes it off
    await provisionTables(emulator.url, [{ ...table, tableName: COPY, resourcePolicy: undefined }], context());
    expect(policyOfCopy()).toBeUndefined();
  });

  test('a policy that would keep its deployer from changing it again is refused, as DynamoDB refuses it', async () => {
    const copy = { ...table, tableName: `${COPY}2` };
    await provisionTables(emulator.url, [copy], context());
    const [items, tableStatement] = statementsOf(copy) as { Condition: object }[];
    // the table's statement exempting the developer, not the deployer
    const elsewhere = {
      ...copy,
      resourcePolicy: {
        Statement: [items, { ...tableStatement, Condition: { ArnNotEquals: { 'aws:PrincipalArn': DEVELOPER_ROLE } } }],
      },
    };
    await expect(provisionTables(emulator.url, [elsewhere], context())).rejects.toThrow(
      /PutResourcePolicy on the local endpoint: AccessDeniedException: The new resource policy will not allow you to update the resource policy in the future\. \(the local deploy changes Users-PolicyCopy2 as the role/,
    );
  });

  test('a policy the local endpoint cannot evaluate fails provisioning, naming what it cannot', async () => {
    const unsupported = {
      ...table,
      tableName: 'Users-Unsupported',
      resourcePolicy: {
        Statement: [{ ...statementsOf(table)[0], Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }],
      },
    };
    await expect(provisionTables(emulator.url, [unsupported], context())).rejects.toThrow(
      /CreateTable on the local endpoint: ValidationException: Invalid resource policy: Policy\.Statement\[0\]\.Condition\.IpAddress: the local endpoint evaluates the condition operators/,
    );
    expect(emulator.state.dynamodb!['Users-Unsupported']).toBeUndefined();
    // and a table with a policy is never provisioned without it
    await expect(provisionTables(emulator.url, [table])).rejects.toThrow(
      /a table with a resource policy needs its template/,
    );
  });
});

test('a snapshot planted to steer a rollback is refused: the rollback restores the true before-values', async () => {
  const admin = () => emulator.state.environments[ENVIRONMENT]['u-platform-admin'] as UserRecord;
  const before = { ...admin() };
  expect(before).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED', apiAccessPrincipalArn: ADMIN_ROLE });

  // The next deploy is in review: its template says what the rollback of the admin's refused Update will look
  // up. The developer plants a snapshot there that would demote the admin (lockout) when restored.
  const cdkOut = synthUsers(workDir, DEMOTING);
  const { stackId } = loadDeployState(join(workDir, '.finspace-local', 'deployments.json')).Users;
  const demotion = desiredResources(readStacks(cdkOut))
    .get('Users')!
    .find((r) => r.path.endsWith('/Admin'))!;
  const parsed = parseResourceProperties(demotion.properties);
  if (!parsed.ok) throw new Error('the demoting declaration is valid');
  // A well-formed record of a forward change from the deployed properties to the demoting ones, whose
  // before-values demote the admin: what the rollback of that change would look up and write back.
  const deployed = loadDeployState(join(workDir, '.finspace-local', 'deployments.json')).Users.resources[
    demotion.logicalId
  ];
  const record = encodeChangeRecord({
    key: changeKey(stackId, demotion.logicalId, parsed.declaration),
    change: {
      requestId: 'planted',
      operation: 'update',
      applied: propertiesHash(demotion.properties),
      replaced: propertiesHash(deployed.properties),
      before: { type: 'APP_USER', apiAccess: 'DISABLED' },
      state: 'applied',
    },
    handled: [],
    rev: newRevision(),
    expiresAt: recordExpiry(Date.now()),
  });
  const plant = Object.fromEntries(
    Object.entries(record).map(([name, value]) => [name, name === 'expiresAt' ? { N: value } : { S: value }]),
  );
  await expect(developer.send(new PutItemCommand({ TableName: table.tableName, Item: plant }))).rejects.toMatchObject(
    denial('PutItem'),
  );

  const result = await localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url, concurrency: 1 });
  expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  expect(result.stacks[0].reason).toMatch(/refused: this user is the FinSpace user of the admin role/);
  // the admin is as it was: the rollback found no record to restore, and wrote nothing
  const { type, apiAccess, apiAccessPrincipalArn, status } = admin();
  expect({ type, apiAccess, apiAccessPrincipalArn, status }).toEqual({
    type: before.type,
    apiAccess: before.apiAccess,
    apiAccessPrincipalArn: before.apiAccessPrincipalArn,
    status: before.status,
  });
});
