// `npm start` as a user runs it: exit codes, --json, and a second run that sends nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { FinspaceUsersStack } from '../bin/example-stack';
import { FinspaceUser, FinspaceUserType } from '../lib';
import { synthApp } from './support/synth';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';

jest.setTimeout(60_000);

const root = join(__dirname, '..');
let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-start-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

function start(cdkOut: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const tsx = join(root, 'node_modules', '.bin', 'tsx');
  const argv = ['local/start.ts', '--no-synth', '--cdk-out', cdkOut, '--state-dir', join(workDir, 'state'), ...args];
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
  expect(first.stdout).toMatch(/u-quant-analyst\s+before\s+APP_USER\s+Ada Byron/);
  expect(first.stdout).toMatch(/after\s+APP_USER\s+Ada Lovelace \*/);
  expect(first.stdout).not.toMatch(/secret|AKIA|ASIA|FSIA/i);

  const second = await start(cdkOut, '--json');
  expect(second.code).toBe(0);
  expect(second.stdout).not.toContain('@example.com');
  const result = JSON.parse(second.stdout);
  expect(result.stacks).toEqual([{ stackName: 'FinspaceUsers', status: 'NO_CHANGES', events: [] }]);
  expect(result.users.map((u: { userId: string }) => u.userId).sort()).toEqual([
    'u-contractor',
    'u-data-engineer',
    'u-quant-analyst',
  ]);
});

test('a failed deploy exits non-zero with the reason', async () => {
  const cdkOut = synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Broken');
    new FinspaceUser(stack, 'Ghost', {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId: 'u-ghost',
      type: FinspaceUserType.APP_USER,
    });
  });
  const run = await start(cdkOut);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/Broken\/Ghost\s+CREATE_FAILED/);
  expect(run.stdout).toContain('reason: UpdateUser u-ghost: ResourceNotFoundException: User u-ghost does not exist');
  expect(run.stdout).toContain('ROLLBACK_COMPLETE');
});
