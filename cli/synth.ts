// `cdk synth` of the app in a project directory, with the CDK CLI the app
// has: its own node_modules/.bin/cdk (as `npx cdk` would find it), else one on
// PATH. What the app and the CDK CLI print (warnings, errors, the app's own
// logs) is shown as `cdk synth` shows it, on stderr, so that stdout stays the
// command's report (JSON, Markdown); a synth takes seconds, so progress shows
// while it runs: a spinner with the elapsed time on a terminal, plain lines elsewhere (CI).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { Spinner } from '../local/deploy-report';

/** In CI, a line every this often says the synth is still running. */
const HEARTBEAT_MS = 15_000;

/** The CDK CLI for `projectDir`, or undefined when there is none. */
export function findCdk(projectDir: string, path: string = process.env.PATH ?? ''): string | undefined {
  for (let dir = projectDir; ; dir = dirname(dir)) {
    const local = join(dir, 'node_modules', '.bin', 'cdk');
    if (existsSync(local)) return local;
    if (dirname(dir) === dir) break;
  }
  return path
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'cdk'))
    .find((candidate) => existsSync(candidate));
}

export interface SynthOptions {
  /** Where the synth's output and the progress go. @default process.stderr */
  readonly stderr?: NodeJS.WriteStream;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function synthesize(
  projectDir: string,
  cdkOut: string,
  context: Record<string, string>,
  options: SynthOptions = {},
): Promise<void> {
  const cdk = findCdk(projectDir);
  if (!cdk) {
    throw new Error(
      'no CDK CLI found for this app: install it (`npm install --save-dev aws-cdk`), or synthesize yourself ' +
        '(`npx cdk synth`) and pass --no-synth',
    );
  }
  // --quiet: no template on stdout; warnings and errors still come, and are shown.
  const args = [
    'synth',
    '--quiet',
    '--output',
    cdkOut,
    ...Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const stderr = options.stderr ?? process.stderr;
  const spinner = new Spinner(stderr, stderr);
  const started = Date.now();
  const label = 'synthesizing the app (cdk synth)';
  let ticker: NodeJS.Timeout;
  if (stderr.isTTY) {
    spinner.update(label);
    ticker = setInterval(() => spinner.update(`${label} ${seconds(Date.now() - started)}`), 1000);
  } else {
    stderr.write(`${label}...\n`);
    ticker = setInterval(() => stderr.write(`still synthesizing (${seconds(Date.now() - started)})\n`), HEARTBEAT_MS);
  }
  // The synth's output, line by line, above the spinner (a partial line waits for its end).
  const relay = () => {
    let pending = '';
    return {
      write: (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) spinner.print(line);
      },
      end: () => {
        if (pending !== '') spinner.print(pending);
        pending = '';
      },
    };
  };
  const out = relay();
  const err = relay();
  try {
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(cdk, args, {
        cwd: projectDir,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', out.write);
      child.stderr.on('data', err.write);
      child.on('error', reject);
      child.on('close', (status) => resolve(status ?? 1));
    });
    out.end();
    err.end();
    if (code !== 0) throw new Error(`cdk synth failed (exit ${code}): its output is above`);
  } finally {
    clearInterval(ticker);
    spinner.stop();
  }
  const done = `synthesized in ${seconds(Date.now() - started)}`;
  stderr.write(`${done}\n`);
}
