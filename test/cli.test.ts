// The compiled `finspace-user` command as users run it: help for every
// command, a clear error for an unknown one, and for an app with no CDK CLI.
import { execFile } from 'node:child_process';
import { type AddressInfo, createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const main = join(__dirname, '..', 'dist', 'cli', 'main.js');
let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-cli-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [main, ...args], { cwd: workDir, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

test('--help lists every command', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(0);
  for (const command of ['plan', 'local', 'emulator', 'import'])
    expect(stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, 'm'));
});

test('emulator on a port in use fails with exit 1 and says what to do', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const { port } = busy.address() as AddressInfo;
  try {
    const { code, stderr } = await run(['emulator', '--port', String(port)]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `finspace-user emulator: port ${port} is in use (another endpoint, LocalStack say): choose another with --port\n`,
    );
  } finally {
    busy.close();
  }
});

test('--version prints the version of the package', async () => {
  const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  const { code, stdout } = await run(['--version']);
  expect([code, stdout]).toEqual([0, `${version}\n`]);
});

test.each(['plan', 'local', 'emulator'])('%s --help describes its options and changes nothing', async (command) => {
  const { code, stdout } = await run([command, '--help']);
  expect(code).toBe(0);
  expect(stdout).toMatch(new RegExp(`^Usage: finspace-user ${command} \\[options\\]`));
  expect(stdout).toContain('-h, --help');
});

test('an unknown command or option fails with exit 1 and says why', async () => {
  const unknown = await run(['deploy']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/unknown command 'deploy'/);
  const badOption = await run(['plan', '--no-such-option']);
  expect(badOption.code).toBe(1);
  expect(badOption.stderr).toMatch(/finspace-user plan: .*--no-such-option/);
});

test('an app without a CDK CLI is told what to do', async () => {
  writeFileSync(join(workDir, 'cdk.json'), JSON.stringify({ app: 'node app.js' }));
  const { code, stderr } = await run(['local'], { PATH: '', HOME: workDir });
  expect(code).toBe(1);
  expect(stderr).toContain('no CDK CLI found for this app');
  expect(stderr).toContain('npm install --save-dev aws-cdk');
  expect(stderr).toContain('--no-synth');
});
