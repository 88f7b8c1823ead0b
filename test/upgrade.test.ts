// An upgrade from release 0.1.0, deployed. Release 0.1.0's own cloud assembly
// (its templates and its handler bundle: test/fixtures/upgrade-from-0.1.0.assembly.json.br)
// is deployed through the local engine, then today's assembly of the same
// apps on the same state, as `cdk deploy` of the new release would be. The
// upgrade sends no FinspaceUser an event and writes nothing to FinSpace; the
// snapshot table gets its policy. The handler role is replaced by one with the
// derived name, so an admin role managed elsewhere must trust that name before
// the next change to a user, or the change is refused (the README's upgrade
// note). What 0.1.0 left in the snapshot table (its snapshots and claims)
// today's handler sets aside, and a removal still does what it declares.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceUsersStack } from '../bin/example-stack';
import { FinspaceUserProvider } from '../lib';
import { handlerRoleArnOf } from '../local/app-declarations';
import { type CallRecord, startEmulator, WRITE_OPERATIONS } from '../local/emulator';
import {
  type EmulatorState,
  LOCAL_ACCOUNT,
  LOCAL_HANDLER_CREDENTIALS,
  LOCAL_REGION,
  saveState,
} from '../local/emulator-state';
import { declaredApp, type LocalDeployResult, localDeploy } from '../local/local-deploy';
import { privateDir } from '../local/private-files';
import type { DeployState } from '../local/deploy-state';
import { readStacks } from '../toolkit/cloud-assembly';
import { changeKey } from '../lambda/change-record';
import { readReleaseAssembly, unpackReleaseAssembly } from './support/release-assembly';
import { synthApp } from './support/synth';
import { type StackSurface, OwnedRolesStack } from './support/upgrade-surface';

jest.setTimeout(5 * 60_000);

const EXAMPLE = 'FinspaceUsers';
const OWNED = 'OwnedRoles';
const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
const ENVIRONMENT = 'demoenvironment0000000001';
const ACCOUNT_ROOT = `arn:aws:iam::${LOCAL_ACCOUNT}:root`;
const TABLE = (stack: string) => `${stack}-FinspaceUserProviderSnapshotsCEFC9F87`;
/** A change of a user the next release's app makes after the upgrade. */
const NEW_LAST_NAME = 'Byron';

/** The trust 0.1.0's README told the owner of an admin role managed elsewhere to write: the handler role as principal. */
const trustOf010 = (handlerRole: string) => ({
  Effect: 'Allow',
  Principal: { AWS: handlerRole },
  Action: 'sts:AssumeRole',
});
/** The statement today's README says to add before upgrading: the account, narrowed to the derived name. */
const trustOfDerivedName = (handlerRole: string) => ({
  Effect: 'Allow',
  Principal: { AWS: ACCOUNT_ROOT },
  Action: 'sts:AssumeRole',
  Condition: { ArnEquals: { 'aws:PrincipalArn': handlerRole } },
});
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

/** Today's release of the apps 0.1.0's assembly holds, as the test changes them after the upgrade. */
interface TodaysApp {
  /** The analyst's last name, overridden in the template. @default - as declared: no change */
  readonly analystLastName?: string;
  /** The example app without its DESTROY contractor. */
  readonly withoutContractor?: boolean;
  /** The owned-roles app with its roles and no FinspaceUser any more (nor, so, a handler). */
  readonly ownedRolesOnly?: boolean;
}

let workDir: string;
let stateDir: string;
let release: string;
let today: (app?: TodaysApp) => string;
/** The handler role of the example stack: 0.1.0's (a name CloudFormation generates) and today's (derived). */
let oldHandlerRole: string;
let newHandlerRole: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-upgrade-'));
  release = unpackReleaseAssembly(join(workDir, 'release.out'));
  const synthesized = new Map<string, string>();
  today = (app: TodaysApp = {}) => {
    const key = JSON.stringify(app);
    const cached = synthesized.get(key);
    if (cached) return cached;
    const outdir = synthApp(workDir, (scope) => synthToday(scope, app));
    synthesized.set(key, outdir);
    return outdir;
  };
  const handlerRoleOf = (cdkOut: string) =>
    handlerRoleArnOf(readStacks(cdkOut).find((s) => s.stackName === EXAMPLE)!) as string;
  oldHandlerRole = handlerRoleOf(release);
  newHandlerRole = handlerRoleOf(today());
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function synthToday(app: App, change: TodaysApp): void {
  const example = new FinspaceUsersStack(app, EXAMPLE);
  if (change.analystLastName !== undefined) {
    // user.node.defaultChild is the Custom::FinspaceUser resource
    const analyst = example.node.findChild('QuantAnalyst').node.defaultChild as CfnResource;
    analyst.addPropertyOverride('LastName', change.analystLastName);
  }
  if (change.withoutContractor) example.node.tryRemoveChild('Contractor');
  if (change.ownedRolesOnly) {
    // What is left of OwnedRolesStack once its users are deleted from the code: the two roles, same ids.
    const owned = new Stack(app, OWNED);
    new iam.Role(owned, 'FinspaceAdmin', { assumedBy: new iam.AccountRootPrincipal() });
    new iam.Role(owned, 'DataPipeline', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  } else {
    new OwnedRolesStack(app, OWNED);
  }
}

interface Run {
  readonly result: LocalDeployResult;
  /** What the local endpoint was asked during the deploy (the handler's calls; the users are not read for a report). */
  readonly calls: CallRecord[];
  /** The local FinSpace and DynamoDB after it. */
  readonly state: EmulatorState;
}

/** One `finspace-user local` deploy of `cdkOut` on the test's state, the admin role's trust set first when given. */
async function deploy(cdkOut: string, adminTrust?: unknown): Promise<Run> {
  privateDir(stateDir);
  const stateFile = join(stateDir, 'emulator.json');
  const emulator = await startEmulator({ stateFile, app: () => declaredApp(cdkOut) });
  try {
    if (adminTrust !== undefined) {
      emulator.state.roles[ADMIN_ROLE] = { trustPolicy: adminTrust };
      saveState(stateFile, emulator.state);
    }
    const result = await localDeploy({
      projectDir: workDir,
      cdkOut,
      stateDir,
      endpoint: emulator.url,
      readUsers: false,
    });
    return { result, calls: [...emulator.calls], state: JSON.parse(JSON.stringify(emulator.state)) as EmulatorState };
  } finally {
    await emulator.close();
  }
}

const deployments = () => JSON.parse(readFileSync(join(stateDir, 'deployments.json'), 'utf8')) as DeployState;
const physicalIds = () =>
  Object.fromEntries(
    Object.entries(deployments()).map(([stack, d]) => [
      stack,
      Object.fromEntries(Object.values(d.resources).map((r) => [r.logicalId, r.physicalId])),
    ]),
  );
const handlerLog = () =>
  readFileSync(join(stateDir, 'handler.log'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, string>);
const writes = (run: Run) => run.calls.filter((c) => c.service === 'finspace' && WRITE_OPERATIONS.has(c.operation));
const items = (run: Run, stack: string) => run.state.dynamodb?.[TABLE(stack)]?.items ?? {};
const itemKeys = (run: Run, stack: string) => Object.keys(items(run, stack)).sort();
/** How the local DynamoDB keys an item of the snapshot table: the JSON of its key's attribute values. */
const tableKey = (key: string) => JSON.stringify([{ S: key }]);
const events = (run: Run) =>
  run.result.stacks.flatMap((s) =>
    s.events.map((e) => `${s.stackName}/${e.logicalId} ${e.phase} ${e.requestType} ${e.status}`),
  );

test("the fixture is release 0.1.0's assembly: the apps the upgrade surface was recorded from, 0.1.0's handler", () => {
  const fixture = readReleaseAssembly();
  expect([fixture.release, fixture.awsCdkLib]).toEqual(['0.1.0', '2.276.0']);
  const surface = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'upgrade-from-0.1.0.json'), 'utf8')) as Record<
    string,
    StackSurface
  >;
  const stacks = readStacks(release);
  for (const [name, stackName] of [
    ['example', EXAMPLE],
    ['ownedRoles', OWNED],
  ]) {
    const stack = stacks.find((s) => s.stackName === stackName)!;
    const resources = Object.fromEntries(Object.entries(stack.template.Resources ?? {}).map(([id, r]) => [id, r.Type]));
    expect(resources).toEqual(surface[name].resources);
    const users = Object.fromEntries(
      stack.users.map((u) => [
        u.logicalId,
        { Properties: u.properties, DeletionPolicy: u.deletionPolicy, UpdateReplacePolicy: u.updateReplacePolicy },
      ]),
    );
    expect(users).toEqual(surface[name].users);
  }
  // both stacks deploy 0.1.0's own handler bundle (one asset), not today's
  const bundles = new Set(stacks.map((s) => s.handler?.assetDir));
  expect(bundles.size).toBe(1);
  expect([...bundles][0]).toMatch(/asset\.[0-9a-f]{64}$/);
  expect(bundles.has(readStacks(today())[0].handler?.assetDir)).toBe(false);
  // the role 0.1.0 generated a name for (`<stack>-<logical id>` here, random-suffixed in AWS), and today's derived one
  expect(oldHandlerRole).toBe(`arn:aws:iam::${LOCAL_ACCOUNT}:role/${EXAMPLE}-FinspaceUserProviderHandlerRole30E0F82C`);
  expect(newHandlerRole).toBe(
    `arn:aws:iam::${LOCAL_ACCOUNT}:role/${FinspaceUserProvider.defaultHandlerRoleName(EXAMPLE, LOCAL_REGION)}`,
  );
});

/** A new state, and 0.1.0's deploy of its assembly with its own handler: what the stack is before the upgrade. */
async function deployRelease(): Promise<Run> {
  stateDir = mkdtempSync(join(workDir, 'state-'));
  // The admin role managed elsewhere trusts 0.1.0's handler role as 0.1.0's README said.
  const run = await deploy(release, policy(trustOf010(oldHandlerRole)));
  expect(run.result.ok).toBe(true);
  expect(run.result.stacks.map((s) => s.stackStatus)).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE']);
  // 0.1.0 kept a snapshot and a claim per user, and its table has no policy
  expect(itemKeys(run, EXAMPLE)).toHaveLength(6);
  expect(itemKeys(run, OWNED)).toHaveLength(4);
  expect(run.state.dynamodb?.[TABLE(EXAMPLE)]?.resourcePolicy).toBeUndefined();
  return run;
}

describe('a stack deployed by 0.1.0, then by today', () => {
  test('the upgrade sends no FinspaceUser an event, writes nothing to FinSpace, keeps every physical id; the table gets its policy', async () => {
    const first = await deployRelease();
    const before = physicalIds();
    const upgrade = await deploy(today());
    expect(upgrade.result.ok).toBe(true);
    expect(upgrade.result.stacks.map((s) => [s.stackName, s.status])).toEqual([
      [EXAMPLE, 'NO_CHANGES'],
      [OWNED, 'NO_CHANGES'],
    ]);
    expect(events(upgrade)).toEqual([]);
    // the handler did not run: no AssumeRole, no FinSpace call at all
    expect(upgrade.calls.filter((c) => c.service !== 'dynamodb')).toEqual([]);
    expect(upgrade.state.environments).toEqual(first.state.environments);
    expect(physicalIds()).toEqual(before);
    // An admin role of the same stack trusts the handler role by reference: CloudFormation rewrites its trust
    // to the new role in the same deploy (here, as the local engine sets a defined role's trust from its template).
    const ownedAdmin = `arn:aws:iam::${LOCAL_ACCOUNT}:role/${OWNED}-FinspaceAdminAC8EF178`;
    const trusted = (run: Run) => JSON.stringify(run.state.roles[ownedAdmin].trustPolicy);
    expect(trusted(first)).toContain(`role/${OWNED}-FinspaceUserProviderHandlerRole30E0F82C"`);
    expect(trusted(upgrade)).toContain(`role/${FinspaceUserProvider.defaultHandlerRoleName(OWNED, LOCAL_REGION)}"`);
    expect(trusted(upgrade)).not.toContain('HandlerRole30E0F82C');
    for (const stack of [EXAMPLE, OWNED]) {
      const table = upgrade.state.dynamodb?.[TABLE(stack)];
      const sids = (
        JSON.parse(table?.resourcePolicy?.document ?? '{}') as { Statement?: { Sid: string }[] }
      ).Statement?.map((s) => s.Sid);
      expect(sids).toEqual(['ItemsOnlyForTheHandler', 'TableAndPolicyOnlyForTheDeployingRole']);
      // 0.1.0's items stay where they were, untouched
      expect(items(upgrade, stack)).toEqual(items(first, stack));
    }
  });

  test("the admin role's owner added the derived name before upgrading: the next change deploys, a DESTROY removal meets 0.1.0's claims", async () => {
    await deployRelease();
    // As the README says: beside the old statement, the account narrowed to the new name.
    const trust = policy(trustOf010(oldHandlerRole), trustOfDerivedName(newHandlerRole));
    expect((await deploy(today(), trust)).result.ok).toBe(true);

    const change = await deploy(today({ analystLastName: NEW_LAST_NAME }));
    expect(change.result.ok).toBe(true);
    expect(events(change)).toEqual([
      `${EXAMPLE}/QuantAnalyst12EC49D4 deploy Update IN_PROGRESS`,
      `${EXAMPLE}/QuantAnalyst12EC49D4 deploy Update COMPLETE`,
    ]);
    // assumed as the new role (the only one the handler acts as now), then written
    expect(change.state.accessKeys[LOCAL_HANDLER_CREDENTIALS.accessKeyId].actsAs).toEqual([
      newHandlerRole,
      newHandlerRole.replace(EXAMPLE, OWNED),
    ]);
    expect(change.calls.filter((c) => c.service === 'sts').map((c) => [c.operation, c.statusCode])).toEqual([
      ['AssumeRole', 200],
    ]);
    expect(writes(change).map((c) => [c.operation, c.userId, c.statusCode])).toEqual([
      ['UpdateUser', 'u-quant-analyst', 200],
    ]);
    expect(change.state.environments[ENVIRONMENT]['u-quant-analyst'].lastName).toBe(NEW_LAST_NAME);

    // Removed, each DESTROY user is disabled by today's handler, which reads the claim 0.1.0 wrote for it
    // (same key), finds it is not a claim of today's shape, sets it aside and says so; the stack that no
    // longer has a FinspaceUser (nor a handler) has its Delete served by the handler the upgrade deployed.
    const removal = await deploy(
      today({ analystLastName: NEW_LAST_NAME, withoutContractor: true, ownedRolesOnly: true }),
    );
    expect(removal.result.ok).toBe(true);
    expect(
      events(removal)
        .filter((e) => e.endsWith('COMPLETE'))
        .sort(),
    ).toEqual([
      `${EXAMPLE}/ContractorA9FE0387 cleanup Delete COMPLETE`,
      `${OWNED}/DataEngineerC740A43E cleanup Delete COMPLETE`,
      `${OWNED}/QuantAnalyst12EC49D4 cleanup Delete COMPLETE`,
    ]);
    expect(writes(removal).map((c) => [c.operation, c.userId, c.statusCode])).toEqual([
      ['DisableUser', 'u-contractor', 200],
      ['DisableUser', 'uQ3tRbYh2bT9cKx0mZp1Lw', 200],
    ]);
    const setAside = handlerLog().filter((l) => l.notice?.startsWith('a stored claim was set aside'));
    expect(setAside).toEqual([
      {
        requestType: 'Delete',
        logicalResourceId: 'ContractorA9FE0387',
        physicalResourceId: `${ENVIRONMENT}/u-contractor`,
        notice: 'a stored claim was set aside as absent: not the attributes of a claim',
      },
      {
        requestType: 'Delete',
        logicalResourceId: 'DataEngineerC740A43E',
        physicalResourceId: 'a1b2c3d4e5f6g7h8i9j0k1l2m3/uQ3tRbYh2bT9cKx0mZp1Lw',
        notice: 'a stored claim was set aside as absent: not the attributes of a claim',
      },
    ]);
  });

  test('with only the trust 0.1.0 asked for, the upgrade deploys but the next change is refused (AccessDenied), rolls back, and FinSpace is unchanged', async () => {
    const first = await deployRelease();
    expect((await deploy(today())).result.ok).toBe(true);

    const change = await deploy(today({ analystLastName: NEW_LAST_NAME }));
    expect(change.result.ok).toBe(false);
    const example = change.result.stacks.find((s) => s.stackName === EXAMPLE)!;
    expect(example.stackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    // (The local handler's one key stands for both stacks' handler roles, so AccessDenied names the key's own
    // principal; in AWS it names the example stack's new role.) The same trust let 0.1.0's role in above.
    expect(example.reason).toMatch(
      new RegExp(`AccessDenied: User: \\S+ is not authorized to perform: sts:AssumeRole on resource: ${ADMIN_ROLE}`),
    );
    expect(change.state.accessKeys[LOCAL_HANDLER_CREDENTIALS.accessKeyId].actsAs).toEqual([
      newHandlerRole,
      newHandlerRole.replace(EXAMPLE, OWNED),
    ]);
    expect(events(change)).toEqual([
      `${EXAMPLE}/QuantAnalyst12EC49D4 deploy Update IN_PROGRESS`,
      `${EXAMPLE}/QuantAnalyst12EC49D4 deploy Update FAILED`,
      `${EXAMPLE}/QuantAnalyst12EC49D4 rollback Update IN_PROGRESS`,
      `${EXAMPLE}/QuantAnalyst12EC49D4 rollback Update COMPLETE`,
    ]);
    expect(writes(change)).toEqual([]);
    expect(change.state.environments).toEqual(first.state.environments);
    // The rollback found no change of today's to undo and recorded only that it ran (a redelivery then writes
    // nothing); 0.1.0's snapshot of the analyst is under a key today's handler never reads: left as it was.
    const stackId = deployments()[EXAMPLE].stackId;
    const record = tableKey(
      changeKey(stackId, 'QuantAnalyst12EC49D4', { environmentId: ENVIRONMENT, userId: 'u-quant-analyst' }),
    );
    expect(itemKeys(change, EXAMPLE)).toEqual([...itemKeys(first, EXAMPLE), record].sort());
    expect(items(change, EXAMPLE)).toMatchObject(items(first, EXAMPLE));
  });
});
