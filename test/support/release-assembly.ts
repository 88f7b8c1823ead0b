// Release 0.1.0's cloud assembly, as scripts/make-upgrade-fixture.ts packed
// it: unpacked into a directory the local deploy reads like any cdk.out.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { FIXTURE, type ReleaseAssembly } from '../../scripts/make-upgrade-fixture';

export function readReleaseAssembly(): ReleaseAssembly {
  return JSON.parse(brotliDecompressSync(readFileSync(FIXTURE)).toString('utf8')) as ReleaseAssembly;
}

/** Writes the assembly's files under `outdir`; returns `outdir`. */
export function unpackReleaseAssembly(outdir: string): string {
  for (const [path, text] of Object.entries(readReleaseAssembly().files)) {
    const target = resolve(outdir, path);
    // a path of the fixture stays inside the directory it is unpacked into
    if (relative(outdir, target).startsWith(`..${sep}`)) throw new Error(`${path}: outside the assembly`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(join(target), text);
  }
  return outdir;
}
