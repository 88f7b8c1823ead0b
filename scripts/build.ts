// `npm run build` (and `npm pack`, as prepack): everything the package ships, into a clean dist/.
//
// How the TypeScript 7 build and the jsii build relate: jsii is the compiler of the
// construct library. jsii compiles with its own TypeScript (6.0, bundled with jsii 6), so two
// compilers emitting dist/lib would ship JavaScript the assembly does not describe; instead
// the JavaScript and declarations under dist/lib (with the two files of lambda/ and the one of
// finspace/ that lib/ imports) are jsii's output, written together with the `.jsii` assembly
// that describes them, in one compilation (tsconfig.jsii.json: lib/ and what it imports).
// Every exported class carries jsii's type marker (`Symbol.for('jsii.rtti')`: its fqn and
// version), which test/jsii-assembly.test.ts checks on the packed files against the packed
// assembly. The Python wheel (`npm run package:python`) embeds this same package.
// TypeScript 7 type-checks the whole project first (tsconfig.json, noEmit: tests, CLI, local
// endpoint, bench too) and emits nothing: the handler and the CLI are esbuild bundles of the
// sources, self-contained, so the package has no runtime dependencies.
//
// jsii prints JSII6 for each peer dependency: it wants the devDependency pinned at the peer
// range's lowest version. On purpose it is not: the project develops and tests against the
// newest aws-cdk-lib, and the consumer check (scripts/consumer-check.sh, app c) builds an app
// on the lowest one. jsii counts JSII6 apart from compile warnings, so --fail-on-warnings
// still fails the build on any warning about the API itself.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildCli } from './build-cli';
import { buildHandler } from './build-handler';

const root = resolve(__dirname, '..');
const bin = (tool: string) => join(root, 'node_modules', '.bin', tool);

/**
 * jsii supports Node 22 and 24 and warns at length on Node 20, which it still
 * runs (engines >= 20.16) and which this project supports.
 */
export function jsiiEnv(): NodeJS.ProcessEnv {
  return { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
}

/** jsii: dist/lib (and what it imports) and the `.jsii` assembly, from lib/index.ts. */
export function compileLibrary(): void {
  // Any jsii warning fails the build, so a public API change that a target language cannot
  // represent is caught here. Silenced: `type` is a reserved word in Go, but Go exports the
  // prop as the struct field `Type`, which is not; and `type` is FinSpace's own name for it.
  execFileSync(bin('jsii'), ['--fail-on-warnings', '--silence-warnings', 'reserved-word'], {
    cwd: root,
    stdio: 'inherit',
    env: jsiiEnv(),
  });
}

function main(): void {
  execFileSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  for (const output of ['dist', '.jsii']) rmSync(join(root, output), { recursive: true, force: true });
  compileLibrary();
  buildHandler(join(root, 'dist', 'handler'));
  buildCli(join(root, 'dist', 'cli'));
}

if (require.main === module) main();
