// The npm tarball as users get it: `npm pack` of the built package (the tests do not
// build it: `npm test` builds first), and its contents unpacked where a test wants them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = join(__dirname, '..', '..');

/** `npm pack` into `destination`; returns the tarball's path. */
export function packPackage(destination: string): string {
  for (const built of ['.jsii', 'dist/lib/index.js', 'dist/handler/index.js', 'dist/cli/main.js']) {
    if (!existsSync(join(REPO, built))) {
      throw new Error(`${built} is missing: run \`npm run build\` first (\`npm test\` builds before jest)`);
    }
  }
  mkdirSync(destination, { recursive: true });
  // Built already: packing must not build again (prepack), nor print the file list on stderr.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', destination], {
    cwd: REPO,
    encoding: 'utf8',
  });
  return join(destination, out.trim().split('\n').pop() as string);
}

/** Unpacks the tarball into `dir` (its files under `dir/package`, as npm lays them out); returns `dir/package`. */
export function unpack(tarball: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  return join(dir, 'package');
}

/** Every file under `dir`, relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}
