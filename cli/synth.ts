// `cdk synth` of the app in a project directory, with the CDK CLI the app
// has: its own node_modules/.bin/cdk (as `npx cdk` would find it), else one on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

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

export function synthesize(projectDir: string, cdkOut: string, context: Record<string, string>): void {
  const cdk = findCdk(projectDir);
  if (!cdk) {
    throw new Error(
      'no CDK CLI found for this app: install it (`npm install --save-dev aws-cdk`), or synthesize yourself ' +
        '(`npx cdk synth`) and pass --no-synth',
    );
  }
  const args = [
    'synth',
    '--quiet',
    '--output',
    cdkOut,
    ...Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const result = spawnSync(cdk, args, {
    cwd: projectDir,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
  });
  if (result.status !== 0) {
    throw new Error(`cdk synth failed:\n${(result.stderr || result.stdout || String(result.error)).trim()}`);
  }
}
