import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * This package's version, from its package.json: the nearest one above this
 * file that is ours (dist/cli/ in the package, cli/ in a source checkout).
 */
export function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'finspace-user' && pkg.version !== undefined) return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error('the package.json of finspace-user is missing');
  }
}
