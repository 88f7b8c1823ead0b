// Compiles the construct library with jsii (its own TypeScript 6) into a
// staging package, dist/jsii, from which `npm run package:python` generates
// the bindings. A staging package rather than jsii in the project root:
// - jsii requires package.json `types`/`main` to be its own output, which here
//   is the TypeScript 7 build's dist/lib: compiling in place would overwrite it;
// - jsii compiles every .ts under its root (tests, bench, CLI, emulator) and
//   regenerates tsconfig.json, the project's TypeScript 7 configuration;
// - the jsii package ships only what the construct loads at synth: the
//   library, the constraints it shares with the handler, and the prebuilt
//   handler asset (no CLI, so no runtime dependency that is not a jsii module).
// The staged package has the npm package's layout (dist/lib beside
// dist/handler), so lib/handler-asset.ts finds the handler as it does there.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { buildHandler } from './build-handler';

const root = resolve(__dirname, '..');
export const JSII_STAGING_DIR = join(root, 'dist', 'jsii');
const ENTRY = 'lib/index.ts';

/** The project's source files `entry` reaches through relative imports (paths relative to the root). */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(join(root, file), 'utf8');
    for (const m of source.matchAll(/(?:from|import\(|require\()\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(root, resolve(dirname(join(root, file)), m[1])).replace(/\.js$/, '');
      pending.push(existsSync(join(root, `${target}.ts`)) ? `${target}.ts` : join(target, 'index.ts'));
    }
  }
  return [...seen].sort();
}

/** The staging package.json: the project's identity, peers and `jsii` section; no CLI, no runtime dependencies. */
function stagedPackageJson(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const peers: Record<string, string> = pkg.peerDependencies;
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    author: pkg.author,
    repository: pkg.repository,
    engines: pkg.engines,
    main: pkg.main,
    types: pkg.types,
    files: ['dist/**/*.js', 'dist/**/*.d.ts', '.jsii', 'README.md', 'LICENSE'],
    peerDependencies: peers,
    // jsii wants each peer as a devDependency at its lowest version (JSII0006); nothing is installed
    // from here: the compiler resolves them from the project's node_modules.
    devDependencies: Object.fromEntries(Object.entries(peers).map(([name, range]) => [name, range.replace(/^\^/, '')])),
    // `outdir` is relative to the package, and the package is staged two levels down.
    jsii: { ...pkg.jsii, outdir: relative(JSII_STAGING_DIR, join(root, pkg.jsii.outdir)) },
  };
}

/**
 * jsii supports Node 22 and 24 and warns at length on Node 20, which it still
 * runs (engines >= 20.16) and which this project supports.
 */
export function jsiiEnv(): NodeJS.ProcessEnv {
  return { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
}

function main(): void {
  rmSync(JSII_STAGING_DIR, { recursive: true, force: true });
  for (const file of importClosure(ENTRY)) {
    mkdirSync(dirname(join(JSII_STAGING_DIR, file)), { recursive: true });
    copyFileSync(join(root, file), join(JSII_STAGING_DIR, file));
  }
  for (const file of ['README.md', 'LICENSE']) copyFileSync(join(root, file), join(JSII_STAGING_DIR, file));
  writeFileSync(join(JSII_STAGING_DIR, 'package.json'), `${JSON.stringify(stagedPackageJson(), null, 2)}\n`);
  buildHandler(join(JSII_STAGING_DIR, 'dist', 'handler'));
  // Any jsii warning fails the build, so a public API change that a target language cannot
  // represent is caught here. Silenced: `type` is a reserved word in Go, but Go exports the
  // prop as the struct field `Type`, which is not; and `type` is FinSpace's own name for it.
  execFileSync(
    join(root, 'node_modules', '.bin', 'jsii'),
    ['--fail-on-warnings', '--silence-warnings', 'reserved-word'],
    { cwd: JSII_STAGING_DIR, stdio: 'inherit', env: jsiiEnv() },
  );
}

if (require.main === module) main();
