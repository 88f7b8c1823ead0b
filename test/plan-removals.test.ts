// `finspace-user plan` against what is deployed: a removed DESTROY user is
// disabled (the plan says so and exits 2, and the deploy then disables it), a
// RETAIN user is left, a user that moved to another resource stays, a
// CloudFormation Retain sends no Delete at all, a replacement deletes the old
// user; in AWS (a CloudFormation endpoint) as with --local; a stack that does
// not exist is a first deploy, one that cannot be read is an error.
import { captureCommand } from './support/command-output';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnDeletionPolicy, type CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { runPlan } from '../cli/plan/command';
import { type FinspaceUser, FinspaceUserType } from '../lib';
import { startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { loadDeployState } from '../local/deploy-state';
import { startEmulator } from '../local/emulator';
import { LOCAL_ACCOUNT, LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION, saveState } from '../local/emulator-state';
import { localDeploy } from '../local/local-deploy';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser } from './support/roles';
import { editTemplateResource, synthApp, synthUsers } from './support/synth';

jest.setTimeout(120_000);

let workDir: string;
let stateDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-plan-removals-'));
  stateDir = join(workDir, '.finspace-local');
  saveState(join(stateDir, 'emulator.json'), demoState());
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

const plan = (cdkOut: string, ...args: string[]) =>
  captureCommand((out) => runPlan(['--no-synth', '--cdk-out', cdkOut, ...args], out));

const local = (cdkOut: string, ...args: string[]) => plan(cdkOut, '--local', '--state-dir', stateDir, ...args);

/** Each user's status in the local FinSpace now. */
async function statuses(): Promise<Record<string, string | undefined>> {
  const emulator = await startEmulator({ stateFile: join(stateDir, 'emulator.json') });
  try {
    const users = Object.values(emulator.state.environments).flatMap((env) => Object.values(env));
    return Object.fromEntries(users.map((u) => [u.userId, u.status]));
  } finally {
    await emulator.close();
  }
}

const cfnOf = (user: FinspaceUser) => user.node.findChild('Resource').node.defaultChild as CfnResource;

test('end to end: removing a DESTROY user plans "disabled" (exit 2), and the deploy then disables it', async () => {
  const before = synthUsers(workDir, {
    Analyst: { userId: 'u-quant-analyst', removalPolicy: RemovalPolicy.DESTROY },
    Engineer: { userId: 'u-data-engineer', removalPolicy: RemovalPolicy.RETAIN },
    Contractor: { userId: 'u-contractor', removalPolicy: RemovalPolicy.DESTROY },
  });
  expect((await localDeploy({ projectDir: workDir, cdkOut: before, stateDir, readUsers: false })).ok).toBe(true);
  expect((await local(before)).code).toBe(0);

  // The analyst and the engineer are gone from the app; the contractor's construct was renamed.
  const after = synthUsers(workDir, {
    ContractorRenamed: { userId: 'u-contractor', removalPolicy: RemovalPolicy.DESTROY },
  });
  const table = await local(after);
  expect(table.code).toBe(2);
  expect(table.output).toMatch(
    /^Users\/Analyst\s+u-quant-analyst\s+ENABLED → DISABLED\s+removed: disabled\s+DESTROY: the user is disabled/m,
  );
  expect(table.output).toMatch(
    /^Users\/Engineer\s+u-data-engineer\s+ENABLED\s+removed: left as it is\s+RETAIN: the user is left as it is/m,
  );
  expect(table.output).toMatch(
    /^Users\/Contractor\s+u-contractor\s+ENABLED\s+removed: stays \(moved\)\s+DESTROY, but the user moved to Users\/ContractorRenamed: it stays/m,
  );
  expect(table.output).toContain('3 removed or replaced resources: 1 disabled, 1 left as it is, 1 stays (moved)');

  const markdown = await local(after, '--markdown');
  expect(markdown.code).toBe(2);
  expect(markdown.output).toContain(
    '| 🗑️ | `Users/Analyst` | `u-quant-analyst` | `ENABLED → DISABLED` | removed: disabled | DESTROY: the user is disabled<br>environment `demoenvironment0000000001` |',
  );

  const json = JSON.parse((await local(after, '--json')).output);
  expect(json.removals).toEqual([
    expect.objectContaining({
      path: 'Users/Analyst',
      userId: 'u-quant-analyst',
      cause: 'removed',
      outcome: 'disabled',
    }),
    expect.objectContaining({ path: 'Users/Engineer', outcome: 'retained' }),
    expect.objectContaining({ path: 'Users/Contractor', outcome: 'moved', movedTo: 'Users/ContractorRenamed' }),
  ]);

  // What the plan said is what the deploy does.
  expect((await localDeploy({ projectDir: workDir, cdkOut: after, stateDir, readUsers: false })).ok).toBe(true);
  expect(await statuses()).toMatchObject({
    'u-quant-analyst': 'DISABLED',
    'u-data-engineer': 'ENABLED',
    'u-contractor': 'ENABLED',
  });
  expect((await local(after)).code).toBe(0);
});

test('a CloudFormation Retain sends no Delete; a replacement deletes the old user under its UpdateReplacePolicy', async () => {
  // What applyRemovalPolicy(RETAIN) on the CfnResource writes: the deployed template holds it.
  const before = threeUsers((users) => {
    cfnOf(users.Kept).cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
  });
  expect((await localDeploy({ projectDir: workDir, cdkOut: before, stateDir, readUsers: false })).ok).toBe(true);
  const deployed = Object.values(loadDeployState(join(stateDir, 'deployments.json')).Users.resources);
  expect(deployed.find((r) => r.path === 'Users/Kept')).toMatchObject({ deletionPolicy: 'Retain' });

  // Kept is removed; both others declare another user (a replacement), one with UpdateReplacePolicy Retain. The
  // construct refuses that policy on a DESTROY user at synth; a template edited after synth (or made by another
  // tool) can still hold it, and the plan must say what CloudFormation will do with it.
  const after = threeUsers(() => undefined, false);
  editTemplateResource(after, 'Users', 'Users/SwappedRetained/', (r) => (r.UpdateReplacePolicy = 'Retain'));
  const removals = JSON.parse((await local(after, '--json')).output).removals;
  expect(removals).toEqual([
    expect.objectContaining({
      path: 'Users/Kept',
      cause: 'removed',
      outcome: 'kept-by-cloudformation',
      keptBy: 'DeletionPolicy Retain',
    }),
    expect.objectContaining({
      path: 'Users/Swapped',
      cause: 'replaced',
      userId: 'u-data-engineer',
      outcome: 'disabled',
    }),
    expect.objectContaining({
      path: 'Users/SwappedRetained',
      cause: 'replaced',
      userId: 'u-contractor',
      outcome: 'kept-by-cloudformation',
      keptBy: 'UpdateReplacePolicy Retain',
    }),
  ]);
  const table = await local(after);
  expect(table.code).toBe(2);
  expect(table.output).toMatch(
    /^Users\/Kept\s+u-quant-analyst\s+ENABLED\s+removed: left as it is\s+DeletionPolicy Retain: CloudFormation sends no Delete/m,
  );
  expect(table.output).toMatch(/^Users\/Swapped\s+u-data-engineer\s+ENABLED → DISABLED\s+replaced: disabled/m);
});

/** Kept (RETAIN), Swapped and SwappedRetained (DESTROY), changed by `edit`; `before: false` moves the last two to other users and drops Kept. */
function threeUsers(edit: (users: Record<string, FinspaceUser>) => void, before = true): string {
  return synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    const common = { environmentId: ENVIRONMENT, adminRoleArn: ADMIN_ROLE, type: FinspaceUserType.APP_USER };
    const users: Record<string, FinspaceUser> = {};
    if (before)
      users.Kept = declareUser(stack, 'Kept', {
        ...common,
        userId: 'u-quant-analyst',
        removalPolicy: RemovalPolicy.RETAIN,
      });
    users.Swapped = declareUser(stack, 'Swapped', {
      ...common,
      userId: before ? 'u-data-engineer' : 'u-new-engineer',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    users.SwappedRetained = declareUser(stack, 'SwappedRetained', {
      ...common,
      userId: before ? 'u-contractor' : 'u-new-contractor',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    edit(users);
  });
}

describe('in AWS: the deployed stack from a CloudFormation endpoint (AWS_ENDPOINT_URL_CLOUDFORMATION)', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  async function awsEnvironment(): Promise<() => Promise<void>> {
    const emulator = await startEmulator({ stateFile: join(stateDir, 'emulator.json') });
    const cloudformation = await startCloudFormationEndpoint({
      deployState: () => loadDeployState(join(stateDir, 'deployments.json')),
    });
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
      AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
      AWS_MAX_ATTEMPTS: '1',
      CDK_DEFAULT_ACCOUNT: LOCAL_ACCOUNT,
    });
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    return async () => {
      await cloudformation.close();
      await emulator.close();
    };
  }

  test('GetTemplate and ListStackResources: a removed DESTROY user is planned as disabled (exit 2)', async () => {
    const before = synthUsers(workDir, {
      Analyst: { userId: 'u-quant-analyst', removalPolicy: RemovalPolicy.DESTROY },
      Engineer: { userId: 'u-data-engineer' },
    });
    expect((await localDeploy({ projectDir: workDir, cdkOut: before, stateDir, readUsers: false })).ok).toBe(true);
    const stop = await awsEnvironment();
    try {
      const after = synthUsers(workDir, { Engineer: { userId: 'u-data-engineer' } });
      const result = await plan(after, '--json');
      expect(result.errors).toBe('');
      expect(result.code).toBe(2);
      expect(JSON.parse(result.output).removals).toEqual([
        expect.objectContaining({
          path: 'Users/Analyst',
          userId: 'u-quant-analyst',
          outcome: 'disabled',
          liveStatus: 'ENABLED',
        }),
      ]);
    } finally {
      await stop();
    }
  });

  test('a stack CloudFormation does not have is a first deploy: every resource is new, nothing removed', async () => {
    const stop = await awsEnvironment();
    try {
      const result = await plan(synthUsers(workDir, { Engineer: { userId: 'u-data-engineer' } }), '--json');
      expect(result.errors).toBe('');
      const parsed = JSON.parse(result.output);
      expect(parsed.removals).toEqual([]);
      expect(parsed.users).toEqual([expect.objectContaining({ path: 'Users/Engineer', resourceChange: 'create' })]);
    } finally {
      await stop();
    }
  });

  test('a deployed stack that cannot be read is an error (exit 1), never "nothing deployed"', async () => {
    const before = synthUsers(workDir, {
      Analyst: { userId: 'u-quant-analyst', removalPolicy: RemovalPolicy.DESTROY },
    });
    expect((await localDeploy({ projectDir: workDir, cdkOut: before, stateDir, readUsers: false })).ok).toBe(true);
    const stop = await awsEnvironment();
    try {
      const after = synthUsers(workDir, { Engineer: { userId: 'u-data-engineer' } });
      // Credentials CloudFormation refuses (as an IAM policy without cloudformation:GetTemplate would).
      process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
      const denied = await plan(after, '--json');
      expect(denied.code).toBe(1);
      expect(denied.output).toBe('');
      expect(denied.errors).toMatch(/^GetTemplate Users: SignatureDoesNotMatch: /);

      // Nothing answering at the endpoint (a network failure).
      process.env.AWS_SECRET_ACCESS_KEY = LOCAL_HANDLER_CREDENTIALS.secretAccessKey;
      process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = 'http://127.0.0.1:9';
      const unreachable = await plan(after, '--json');
      expect(unreachable.code).toBe(1);
      expect(unreachable.errors).toMatch(/^GetTemplate Users: /);
    } finally {
      await stop();
    }
  });
});
