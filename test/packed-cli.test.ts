// The CLI as the credentialed CI job installs and runs it (README, "Before you approve"): the npm
// tarball alone, with the recipe's flags, in a folder with no node_modules above it; then
// `finspace-user plan --no-synth` on an assembly made elsewhere, reading through the AWS SDK
// code path (STS, then FinSpace), here pointed at the local endpoint. The bundle must bring
// everything it runs, including the child process of the local Lambda host.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FinspaceUsersStack } from '../bin/example-stack';
import { startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { loadDeployState } from '../local/deploy-state';
import { startEmulator } from '../local/emulator';
import { LOCAL_ACCOUNT, LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION } from '../local/emulator-state';
import { packPackage, REPO } from './support/packed-package';
import { synthApp } from './support/synth';

const work = mkdtempSync(join(tmpdir(), 'finspace-packed-cli-'));
const jobDir = join(work, 'job');
const stateDir = join(work, 'state');
let cdkOut: string;

/** The README recipe's install command, its options as written there. */
function recipeInstall(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const line = /^\s*npm (install(?: --[\w-]+)+) finspace-user@\d+\.\d+\.\d+$/m.exec(readme);
  if (!line) throw new Error("README: no `npm install ... finspace-user@<version>` line in the plan job's recipe");
  return line[1].split(' ');
}

beforeAll(() => {
  const tarball = packPackage(join(work, 'pack'));
  mkdirSync(jobDir);
  // The recipe's install, of the tarball instead of the registry's copy, offline and with an empty
  // npm cache: anything the install needed besides the tarball would have to be fetched, and fails.
  const offline = ['--offline', '--cache', join(work, 'npm-cache'), '--no-audit', '--no-fund'];
  execFileSync('npm', [...recipeInstall(), ...offline, tarball], { cwd: jobDir, stdio: 'pipe' });
  // The assembly the unprivileged job made (from the library's sources: the plan job does not synthesize).
  cdkOut = synthApp(join(work, 'synth'), (app) => new FinspaceUsersStack(app, 'FinspaceUsers'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a job's shell passes on, and no AWS configuration of this machine. */
function jobEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: work,
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

function npx(args: string[], env = jobEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile('npx', ['--no-install', ...args], { cwd: jobDir, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

test('the job installs our package and nothing else: no dependency, no peer', () => {
  const installed = readdirSync(join(jobDir, 'node_modules')).filter((name) => !name.startsWith('.'));
  expect(installed).toEqual(['finspace-user']);
  expect(readdirSync(join(jobDir, 'node_modules', '.bin')).sort()).toEqual(['finspace-user', 'finspace-user-plan']);
  // and no node_modules above the job's folder could lend the CLI a module
  for (let dir = dirname(jobDir); dirname(dir) !== dir; dir = dirname(dir))
    expect(readdirSync(dir).includes('node_modules') ? dir : 'none').toBe('none');
});

test('`npx finspace-user --help`, `--version` and the earlier name run from the bundle', async () => {
  const help = await npx(['finspace-user', '--help']);
  expect(help).toMatchObject({ code: 0, stderr: '' });
  expect(help.stdout).toMatch(/^ {2}plan\s+\S/m);
  const version = await npx(['finspace-user', '--version']);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  expect(version.stdout.trim()).toBe(pkg.version);
  const alias = await npx(['finspace-user-plan', '--help']);
  expect(alias).toMatchObject({ code: 0, stderr: '' });
  expect(alias.stdout).toMatch(/^Usage: finspace-user plan/);
});

test('`finspace-user local` deploys from the bundle: its Lambda host starts the child process beside it', async () => {
  const result = await npx([
    'finspace-user',
    'local',
    '--no-synth',
    '--cdk-out',
    cdkOut,
    '--state-dir',
    stateDir,
    '--json',
  ]);
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const report = JSON.parse(result.stdout) as { ok: boolean; stacks: { status: string }[] };
  expect(report.ok).toBe(true);
  expect(report.stacks.map((s) => s.status)).toEqual(['COMPLETE']);
});

test('`finspace-user plan --no-synth` as the credentialed job runs it: STS and FinSpace through the bundled SDK', async () => {
  // The endpoints hold what `local` deployed (FinSpace, and the stack the plan reads its removals from); the job's
  // credentials are a principal that may assume the admin role.
  const emulator = await startEmulator({ stateFile: join(stateDir, 'emulator.json') });
  const cloudformation = await startCloudFormationEndpoint({
    deployState: () => loadDeployState(join(stateDir, 'deployments.json')),
  });
  try {
    const env = jobEnv({
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_STS: emulator.url,
      AWS_ENDPOINT_URL_FINSPACE_DATA: emulator.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
      CDK_DEFAULT_ACCOUNT: LOCAL_ACCOUNT,
    });
    const result = await npx(['finspace-user', 'plan', '--no-synth', '--cdk-out', cdkOut, '--json'], env);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout).summary).toBe('3 FinSpace users: 0 to update, 3 unchanged');
    // it read through STS and FinSpace, as in AWS
    const calls = new Set(emulator.calls.map((call) => `${call.service}:${call.operation}`));
    expect([...calls]).toEqual(expect.arrayContaining(['sts:AssumeRole', 'finspace:GetProgrammaticAccessCredentials']));
  } finally {
    await cloudformation.close();
    await emulator.close();
  }
});
