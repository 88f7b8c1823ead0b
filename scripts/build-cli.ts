// Bundles the `finspace-user` CLI once, at package build time, into dist/cli,
// as build-handler.ts does for the handler: main.js (the whole CLI, with the
// AWS SDK parts it uses) and plan-alias.js (the earlier command name, a few
// lines that require main.js). Self-contained, so the package has no runtime
// dependencies: the CI job that runs `finspace-user plan` with read
// credentials installs our package and nothing else (README, "Before you
// approve"). The entry point is cli/main.ts: whatever it imports is bundled,
// whichever folder it lives in. What the bundle starts as a separate process
// sits beside it: the local Lambda host's child script (`cdk synth` is the
// app's own CDK CLI, found from the app's directory).
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

const root = resolve(__dirname, '..');

/** The files the CLI runs as child processes, copied beside the bundle (they are found from `__dirname`). */
export const CLI_CHILD_SCRIPTS = ['local/lambda-host-child.cjs'];

/** Same inputs, same esbuild: same bytes (the staleness test rebuilds into a temporary folder and compares). */
export function buildCli(outdir: string): Metafile {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    // The oldest Node the CLI runs on (package.json `engines`).
    target: 'node20',
    format: 'cjs',
    // As the handler: the CLI reports errors by their messages, which minifying keeps.
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: root,
    metafile: true,
  };
  const main = buildSync({ ...common, entryPoints: [join(root, 'cli', 'main.ts')], outfile: join(outdir, 'main.js') });
  // The alias shares main.js rather than bundling the CLI a second time: compiled alone, its
  // `import './main'` stays a require of the bundle beside it.
  buildSync({
    ...common,
    bundle: false,
    entryPoints: [join(root, 'cli', 'plan-alias.ts')],
    outfile: join(outdir, 'plan-alias.js'),
  });
  for (const script of CLI_CHILD_SCRIPTS)
    copyFileSync(join(root, script), join(outdir, script.split('/').pop() ?? script));
  return main.metafile as Metafile;
}

if (require.main === module) {
  buildCli(process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist', 'cli'));
}
