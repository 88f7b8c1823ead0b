// `plan` and `local` run the app's own synth: what it prints (warnings,
// errors, the app's logs) is shown on stderr as `cdk synth` shows it, with
// progress while it runs, and stdout stays the report (--json parses).
import { captureCommand } from './support/command-output';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan } from '../cli/plan/command';
import { saveState } from '../local/emulator-state';
import { demoState } from './support/demo-state';
import { synthUsers } from './support/synth';

let workDir: string;
let cwd: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-synth-'));
  cwd = process.cwd();
  process.chdir(workDir);
  saveState(join(workDir, '.finspace-local', 'emulator.json'), demoState());
});
afterEach(() => {
  process.chdir(cwd);
  rmSync(workDir, { recursive: true, force: true });
});

/** The app's CDK CLI: prints what a synth of an app with a warning prints, then writes `assembly` as cdk.out. */
function fakeCdk(assembly: string, exitCode = 0): void {
  const bin = join(workDir, 'node_modules', '.bin');
  mkdirSync(bin, { recursive: true });
  const script = `#!${process.execPath}
const { cpSync } = require('node:fs');
const args = process.argv.slice(2);
process.stdout.write('app log: building the stack\\n');
process.stderr.write('[Warning at /Users/Engineer] apiAccessPrincipal is declared with apiAccess DISABLED [ack: finspace-user:principal-without-api-access]\\n');
setTimeout(() => {
  if (${exitCode} !== 0) {
    process.stderr.write('Error: the app failed to synthesize');
    process.exit(${exitCode});
  }
  cpSync(${JSON.stringify(assembly)}, args[args.indexOf('--output') + 1], { recursive: true });
}, 300);
`;
  writeFileSync(join(bin, 'cdk'), script);
  chmodSync(join(bin, 'cdk'), 0o755);
}

const plan = (...args: string[]) => captureCommand((out) => runPlan(['--local', ...args], out));

test("the app's warnings and logs go to stderr, with progress, and --json stays JSON on stdout", async () => {
  const assembly = synthUsers(workDir, { Engineer: { userId: 'u-data-engineer' } });
  fakeCdk(assembly);
  const result = await plan('--json');
  expect(result.code).toBe(0);
  expect(JSON.parse(result.output).users).toHaveLength(1);
  const lines = result.errors.split('\n');
  expect(lines[0]).toBe('synthesizing the app (cdk synth)...');
  expect(lines).toContain(
    '[Warning at /Users/Engineer] apiAccessPrincipal is declared with apiAccess DISABLED [ack: finspace-user:principal-without-api-access]',
  );
  expect(lines).toContain('app log: building the stack');
  expect(lines).toContainEqual(expect.stringMatching(/^synthesized in \d+\.\d s$/));
});

test('a synth that fails shows its error once and exits 1', async () => {
  const assembly = synthUsers(workDir, { Engineer: { userId: 'u-data-engineer' } });
  cpSync(assembly, join(workDir, 'cdk.out'), { recursive: true });
  fakeCdk(assembly, 3);
  const result = await plan('--json');
  expect(result.code).toBe(1);
  expect(result.output).toBe('');
  expect(result.errors.split('Error: the app failed to synthesize')).toHaveLength(2);
  expect(result.errors).toMatch(/cdk synth failed \(exit 3\): its output is above\n$/);
});
