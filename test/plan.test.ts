// `npm run plan` against the local endpoint: no change after a deploy; the one
// field someone edited in FinSpace, live → declared; missing, unreadable and
// deploy-time values; Markdown for a pull request; exit codes for CI.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { FinspaceUsersStack } from '../bin/example-stack';
import { FinspaceApiAccess, FinspaceUserType } from '../lib';
import { startEmulator } from '../local/emulator';
import { saveState } from '../local/emulator-state';
import { localDeploy } from '../local/local-deploy';
import { runPlan } from '../cli/plan/command';
import { synthApp } from './support/synth';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { clientFor, finspaceCredentials } from './support/emulator-session';
import { declareUser } from './support/roles';
import { demoState } from './support/demo-state';
import { PIPELINE_ROLE } from './support/import-state';

let workDir: string;
let stateDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-plan-'));
  stateDir = join(workDir, '.finspace-local');
  // FinSpace as the demo team set it up by hand (u-ghost is not there)
  saveState(join(stateDir, 'emulator.json'), demoState());
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

async function plan(cdkOut: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const out = new PassThrough();
  let output = '';
  out.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await runPlan(['--local', '--no-synth', '--cdk-out', cdkOut, '--state-dir', stateDir, ...args], out);
  return { code, output };
}

/** Someone edits a user by hand, through the endpoint's API. */
async function editInFinspace(userId: string, change: Record<string, string>): Promise<void> {
  const emulator = await startEmulator({ stateFile: join(stateDir, 'emulator.json') });
  try {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await client.updateUser({ userId, ...change });
    client.destroy();
  } finally {
    await emulator.close();
  }
}

const example = () => synthApp(workDir, (app) => new FinspaceUsersStack(app, 'FinspaceUsers'));

test('after a deploy nothing would change (exit 0); a hand edit is drift the deploy does not write (exit 2)', async () => {
  const cdkOut = example();
  expect((await localDeploy({ projectDir: workDir, cdkOut, stateDir, readUsers: false })).ok).toBe(true);

  const clean = await plan(cdkOut);
  expect(clean.code).toBe(0);
  expect(clean.output).toContain('3 FinSpace users: 0 to update, 3 unchanged');

  await editInFinspace('u-quant-analyst', { firstName: 'Augusta' });
  const drift = await plan(cdkOut, '--json', '--show-names');
  expect(drift.code).toBe(2);
  const result = JSON.parse(drift.output);
  const changed = result.users.filter((u: { status: string }) => u.status !== 'no-change');
  expect(changed).toEqual([
    expect.objectContaining({
      path: 'FinspaceUsers/QuantAnalyst',
      userId: 'u-quant-analyst',
      // The template did not change: CloudFormation sends the resource no event, and FinSpace keeps the edit.
      status: 'drift',
      resourceChange: 'none',
      changes: [{ field: 'firstName', live: 'Augusta', declared: 'Ada' }],
    }),
  ]);

  const table = await plan(cdkOut);
  expect(table.output).toMatch(
    /FinspaceUsers\/QuantAnalyst\s+u-quant-analyst\s+ENABLED\s+drift, not written\s+firstName: ••• → •••; CloudFormation sends no event/,
  );
  expect(table.output).not.toContain('Augusta');

  const md = await plan(cdkOut, '--markdown');
  expect(md.code).toBe(2);
  expect(md.output).toContain('| | resource | user | status | plan | live → declared |');
  expect(md.output).toContain(
    '| ⚠️ | `FinspaceUsers/QuantAnalyst` | `u-quant-analyst` | `ENABLED` | drift, not written | firstName: `•••` → `•••`<br>CloudFormation sends no event (the resource did not change): FinSpace keeps its values |',
  );
  expect(md.output).not.toMatch(/Augusta|Ada\b/);

  // A changed declaration is sent as an Update: the deploy writes it.
  const edited = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'FinspaceUsers');
    declareUser(stack, 'QuantAnalyst', {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId: 'u-quant-analyst',
      type: FinspaceUserType.APP_USER,
      firstName: 'Ada',
      lastName: 'Lovelace',
    });
  });
  const update = JSON.parse((await plan(edited, '--json', '--show-names')).output);
  expect(update.users).toEqual([
    expect.objectContaining({
      status: 'update',
      resourceChange: 'update',
      changes: [{ field: 'firstName', live: 'Augusta', declared: 'Ada' }],
    }),
  ]);
});

test('a user FinSpace does not have, an admin role it does not map, a value known only at deploy time', async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Odd');
    const common = { environmentId: ENVIRONMENT, type: FinspaceUserType.APP_USER };
    declareUser(stack, 'Ghost', { ...common, adminRoleArn: ADMIN_ROLE, userId: 'u-ghost' });
    declareUser(stack, 'Later', {
      ...common,
      adminRoleArn: ADMIN_ROLE,
      userId: 'u-quant-analyst',
      firstName: new CfnParameter(stack, 'Name').valueAsString,
    });
    declareUser(stack, 'Stranger', {
      ...common,
      adminRoleArn: 'arn:aws:iam::123456789012:role/NotMapped',
      userId: 'u-contractor',
    });
  });
  const result = await plan(cdkOut, '--json');
  expect(result.code).toBe(1); // one user cannot be read
  const users = JSON.parse(result.output).users as {
    path: string;
    status: string;
    reason?: string;
    changes: { declared: unknown }[];
  }[];
  expect(users.map((u) => [u.path, u.status])).toEqual([
    ['Odd/Ghost', 'missing'],
    ['Odd/Later', 'unknown'],
    ['Odd/Stranger', 'unreadable'],
  ]);
  expect(users[1].changes).toEqual([{ field: 'firstName', live: '•••', declared: { deployTime: true } }]);
  expect(users[2].reason).toMatch(/^AssumeRole arn:aws:iam::123456789012:role\/NotMapped: AccessDenied: /);

  const withValue = await plan(cdkOut, '--json', '--parameter', 'Name=Ada');
  expect(JSON.parse(withValue.output).users[1]).toMatchObject({ status: 'no-change' });
});

test('--local before any local deploy says so, and leaves no state behind', async () => {
  const cdkOut = example();
  const never = join(workDir, 'never-deployed');
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const out = new PassThrough();
    const code = await runPlan(['--local', '--no-synth', '--cdk-out', cdkOut, '--state-dir', never], out);
    expect(code).toBe(1);
    expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toBe(
      `--local: no local endpoint state in ${never} (run \`finspace-user local\` first)\n`,
    );
  } finally {
    stderr.mockRestore();
  }
  expect(existsSync(never)).toBe(false);
});

test('without --local or AWS_REGION, the error says where else it can read', async () => {
  const region = process.env.AWS_REGION;
  delete process.env.AWS_REGION;
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runPlan(['--no-synth', '--cdk-out', example()], new PassThrough());
    expect(code).toBe(1);
    expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toMatch(
      /^AWS_REGION is not set: .* or pass --local to read the local endpoint\n$/,
    );
  } finally {
    stderr.mockRestore();
    if (region !== undefined) process.env.AWS_REGION = region;
  }
});

test.each([
  ['finspace-user plan', 'main.js', ['plan']],
  ['finspace-user-plan (the earlier name)', 'plan-alias.js', []],
])('the compiled bin %s works from another directory', async (_name, file, command) => {
  const cdkOut = example();
  await localDeploy({ projectDir: workDir, cdkOut, readUsers: false });
  const { execFile } = await import('node:child_process');
  const bin = join(__dirname, '..', 'dist', 'cli', file);
  const run = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(
      process.execPath,
      [bin, ...command, '--local', '--no-synth', '--cdk-out', cdkOut, '--json'],
      { cwd: workDir },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    ),
  );
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout).summary).toMatch(/^3 FinSpace users: 0 to update, 3 unchanged/);
});

test('each user shows its status: a DISABLED user stays disabled; a principal on record, not declared, is named when API access turns on', async () => {
  const state = demoState();
  const users = state.environments[ENVIRONMENT];
  users['u-data-engineer'].status = 'DISABLED';
  // API access was switched off; FinSpace keeps the principal on record.
  Object.assign(users['u-contractor'], { apiAccess: 'DISABLED', apiAccessPrincipalArn: PIPELINE_ROLE });
  saveState(join(stateDir, 'emulator.json'), state);
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    const common = { environmentId: ENVIRONMENT, adminRoleArn: ADMIN_ROLE };
    declareUser(stack, 'Engineer', { ...common, userId: 'u-data-engineer', type: FinspaceUserType.APP_USER });
    declareUser(stack, 'Contractor', {
      ...common,
      userId: 'u-contractor',
      type: FinspaceUserType.APP_USER,
      apiAccess: FinspaceApiAccess.ENABLED,
    });
  });

  const result = await plan(cdkOut, '--json');
  expect(result.code).toBe(2);
  expect(JSON.parse(result.output).users).toEqual([
    expect.objectContaining({
      path: 'Users/Engineer',
      status: 'no-change',
      liveStatus: 'DISABLED',
      resourceChange: 'create',
    }),
    expect.objectContaining({
      path: 'Users/Contractor',
      status: 'update',
      liveStatus: 'ENABLED',
      changes: [{ field: 'apiAccess', live: 'DISABLED', declared: 'ENABLED' }],
      dormantPrincipal: PIPELINE_ROLE,
    }),
  ]);

  const table = (await plan(cdkOut)).output;
  expect(table).toMatch(
    /^Users\/Engineer\s+u-data-engineer\s+DISABLED\s+new resource: no change\s+DISABLED in FinSpace: the deploy leaves it disabled/m,
  );
  expect(table).toContain(
    `apiAccess: DISABLED → ENABLED; API access turns on for the principal on record ${PIPELINE_ROLE}, which is not declared: it becomes able to get credentials`,
  );
  expect(table).toContain(
    '1 disabled in FinSpace (the deploy leaves it so), 1 undeclared principal newly able to get credentials',
  );
  const markdown = (await plan(cdkOut, '--markdown')).output;
  expect(markdown).toContain('| ⛔ | `Users/Engineer` | `u-data-engineer` | `DISABLED` | new resource: no change |');
  expect(markdown).toContain(`the principal on record \`${PIPELINE_ROLE}\`, which is not declared`);
});
