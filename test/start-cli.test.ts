// `npm start` as a user runs it: exit codes, --json, and a second run that sends nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { FinspaceUsersStack } from '../bin/example-stack';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceApiAccess, FinspaceUser, FinspaceUserType } from '../lib';
import { synthApp } from './support/synth';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser } from './support/roles';
import { demoState } from './support/demo-state';
import { saveState } from '../local/emulator-state';
import { outcomeLine } from '../cli/local-command';

const root = join(__dirname, '..');
/** The names the example app declares. */
const NAMES = /\b(Ada|Lovelace|Grace|Hopper|Alan|Turing)\b/;
let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-start-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

function start(cdkOut: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const argv = [
    'cli/main.ts',
    'local',
    '--no-synth',
    '--cdk-out',
    cdkOut,
    '--state-dir',
    join(workDir, 'state'),
    ...args,
  ];
  return new Promise((resolve) => {
    execFile(tsx, argv, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('deploys the example, prints events and the users, then a second run sends nothing', async () => {
  const cdkOut = synthApp(workDir, (app) => new FinspaceUsersStack(app, 'FinspaceUsers'));
  const first = await start(cdkOut);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/FinspaceUsers\/QuantAnalyst\s+CREATE_COMPLETE/);
  // seeded from the app's declarations: the engineer existed as an app user without API access
  expect(first.stdout).toMatch(/u-data-engineer\s+before\s+APP_USER\s+•••\s+DISABLED/);
  expect(first.stdout).toMatch(/after\s+SUPER_USER \*\s+•••\s+ENABLED \*\s+\S+role\/DataPipeline \*/);
  expect(first.stdout).not.toMatch(/secret|AKIA|ASIA|FSIA/i);
  // names are masked as in the plan
  expect(first.stdout).not.toMatch(NAMES);
  expect(first.stdout).toContain('--show-names');

  const second = await start(cdkOut, '--json');
  expect(second.code).toBe(0);
  expect(second.stdout).not.toContain('@example.com');
  expect(second.stdout).not.toMatch(NAMES);
  const result = JSON.parse(second.stdout);
  expect(result.stacks).toEqual([{ stackName: 'FinspaceUsers', status: 'NO_CHANGES', events: [] }]);
  expect(result.users.map((u: { userId: string }) => u.userId).sort()).toEqual([
    'u-contractor',
    'u-data-engineer',
    'u-quant-analyst',
  ]);
  const engineer = result.users.find((u: { userId: string }) => u.userId === 'u-data-engineer');
  expect(engineer.after).toMatchObject({ firstName: '•••', lastName: '•••', type: 'SUPER_USER' });

  const named = await start(cdkOut, '--show-names');
  expect(named.code).toBe(0);
  expect(named.stdout).toMatch(/u-data-engineer\s+before\s+SUPER_USER\s+Grace Hopper\s+ENABLED/);
});

test('a failed deploy exits non-zero with the reason', async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Broken');
    declareUser(stack, 'Ghost', {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId: 'u-ghost',
      type: FinspaceUserType.APP_USER,
    });
  });
  // FinSpace as a team set it up by hand, without u-ghost
  const seed = join(workDir, 'seed.json');
  saveState(seed, demoState());
  const run = await start(cdkOut, '--seed', seed);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/Broken\/Ghost\s+CREATE_FAILED/);
  expect(run.stdout).toContain('reason: GetUser u-ghost: ResourceNotFoundException: User u-ghost does not exist');
  expect(run.stdout).toContain('Broken: ROLLBACK_COMPLETE');
  expect(run.stdout).toContain('Deploy failed and rolled back: FinSpace users are as they were before this deploy.');
});

test('the last line says what FinSpace is left as: deployed, rolled back, or a rollback that failed too', () => {
  const stack = (status: 'COMPLETE' | 'ROLLBACK_COMPLETE' | 'ROLLBACK_FAILED') => ({
    stackName: 'Users',
    status,
    events: [],
  });
  const log = '.finspace-local/handler.log';
  expect(outcomeLine({ ok: true, stacks: [stack('COMPLETE')] }, log)).toBe('Deployed.');
  expect(outcomeLine({ ok: false, stacks: [stack('ROLLBACK_COMPLETE')] }, log)).toBe(
    'Deploy failed and rolled back: FinSpace users are as they were before this deploy.',
  );
  const failedTwice = outcomeLine({ ok: false, stacks: [stack('COMPLETE'), stack('ROLLBACK_FAILED')] }, log);
  expect(failedTwice).toMatch(/^Deploy failed, and so did its rollback: some FinSpace users may not be as they were/);
  expect(failedTwice).toContain(log);
});

test("a user's own app: its own environment, an admin role declared beside the users, no setup", async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'TeamUsers');
    const admin = new iam.Role(stack, 'FinspaceAdmin', { assumedBy: new iam.AccountRootPrincipal() });
    new FinspaceUser(stack, 'Quant', {
      environmentId: 'teamenvironment01',
      userId: 'u-team-quant',
      type: FinspaceUserType.SUPER_USER,
      apiAccess: FinspaceApiAccess.ENABLED,
      apiAccessPrincipal: admin,
      adminRole: admin,
    });
    new FinspaceUser(stack, 'Analyst', {
      environmentId: 'teamenvironment01',
      userId: 'u-team-analyst',
      type: FinspaceUserType.APP_USER,
      adminRole: admin,
    });
  });
  const run = await start(cdkOut);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/TeamUsers\/Quant\s+CREATE_COMPLETE/);
  expect(run.stdout).toMatch(/TeamUsers\/Analyst\s+CREATE_COMPLETE/);
  // the quant maps the admin role: seeded as the superuser it is, so nothing changes for it
  expect(run.stdout).toMatch(/u-team-quant\s+before\s+SUPER_USER.*role\/TeamUsers-FinspaceAdmin/);
  const again = await start(cdkOut, '--json');
  expect(JSON.parse(again.stdout).stacks).toEqual([{ stackName: 'TeamUsers', status: 'NO_CHANGES', events: [] }]);
});
