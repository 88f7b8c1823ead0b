// Bundles the Lambda handler once, at package build time, into dist/handler:
// index.js (the entry, small) and aws-clients.js (the SDK calls it requires
// on its first call). Self-contained: the SDK parts are bundled, nothing is
// taken from the Lambda runtime. The construct ships this folder as a plain
// asset, so a user's synth runs no bundler and the asset hash is the release's.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync, type BuildOptions } from 'esbuild';
import { HANDLER_RUNTIMES, NETWORK_MODULE, nodeMajorOf } from '../lambda/consts';

const root = resolve(__dirname, '..');

/** Same inputs, same esbuild: same bytes (the staleness test rebuilds into a temporary folder and compares). */
export function buildHandler(outdir: string): void {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    // The lowest runtime the construct may deploy it on (test/handler-runtimes.test.ts runs it on each).
    target: `node${nodeMajorOf(HANDLER_RUNTIMES[0])}`,
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: root,
  };
  buildSync({
    ...common,
    entryPoints: [join(root, 'lambda', 'handler.ts')],
    outfile: join(outdir, 'index.js'),
    external: [NETWORK_MODULE],
  });
  buildSync({
    ...common,
    entryPoints: [join(root, 'lambda', 'aws-clients.ts')],
    outfile: join(outdir, NETWORK_MODULE),
  });
}

if (require.main === module) {
  buildHandler(process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist', 'handler'));
}
