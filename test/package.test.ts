// The package as users install it: what it ships, that the shipped handler
// and CLI bundles are today's, that two copies of the library share a stack,
// and that shipped code never reaches into a development folder.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildCli } from '../scripts/build-cli';
import { buildHandler } from '../scripts/build-handler';

const root = join(__dirname, '..');
const dist = join(root, 'dist');

/** Rebuilds a bundle into a temporary folder and lists the shipped files that differ from it. */
function staleFiles(build: (outdir: string) => unknown, shippedDir: string, files: string[]): string[] {
  const fresh = mkdtempSync(join(tmpdir(), 'finspace-bundle-'));
  try {
    build(fresh);
    return files.filter((file) => !readFileSync(join(shippedDir, file)).equals(readFileSync(join(fresh, file))));
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

test('the shipped handler is built from the sources as they are now (rebuilding gives the same bytes)', () => {
  // stale: `npm run build` bundles it again
  expect(staleFiles(buildHandler, join(dist, 'handler'), ['index.js', 'aws-clients.js'])).toEqual([]);
});

test('the shipped CLI is built from the sources as they are now (rebuilding gives the same bytes)', () => {
  const files = ['main.js', 'plan-alias.js', 'lambda-host-child.cjs'];
  expect(staleFiles(buildCli, join(dist, 'cli'), files)).toEqual([]);
});

/** What the tarball may hold: the library as jsii compiled it, its assembly, the two bundles, the docs. */
const SHIPPED = [
  /^dist\/(lib|lambda|finspace)\/[\w/-]+\.(js|d\.ts)$/,
  /^dist\/handler\/(index|aws-clients)\.js$/,
  /^dist\/cli\/(main|plan-alias)\.js$/,
  /^dist\/cli\/lambda-host-child\.cjs$/,
  /^(\.jsii|API\.md|README\.md|LICENSE|package\.json)$/,
];

test('the tarball holds the jsii-compiled library and its assembly, the handler and CLI bundles, API.md, README and LICENSE, and nothing else', () => {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  ) as { files: { path: string }[] }[];
  const files = pack.files.map((f) => f.path).sort();
  expect(files).toEqual(
    expect.arrayContaining([
      '.jsii',
      'API.md',
      'LICENSE',
      'README.md',
      'package.json',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/handler/index.js',
      'dist/handler/aws-clients.js',
      'dist/cli/main.js',
      'dist/cli/plan-alias.js',
      'dist/cli/lambda-host-child.cjs',
    ]),
  );
  expect(files.filter((f) => !SHIPPED.some((pattern) => pattern.test(f)))).toEqual([]);
  // the library's JavaScript is what jsii compiled from lib/ and the files lib/ imports, no more:
  // the CLI and the local endpoint ship only as the bundle, the handler only as its bundle
  const closure = closureOfLib().map((f) => `dist/${f.replace(/\.ts$/, '.js')}`);
  expect(files.filter((f) => /^dist\/(lib|lambda|finspace)\/.+\.js$/.test(f))).toEqual(closure.sort());
});

test('package.json: no runtime dependencies, peer dependencies, the bundles as bins, Construct Hub keywords', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(pkg.main).toBe('dist/lib/index.js');
  expect(pkg.types).toBe('dist/lib/index.d.ts');
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  // the handler and the CLI are bundles, the library needs only its peers: nothing to install with it
  expect(pkg.dependencies ?? {}).toEqual({});
  expect(pkg.bundleDependencies ?? pkg.bundledDependencies ?? []).toEqual([]);
  expect(pkg.bin).toEqual({ 'finspace-user': 'dist/cli/main.js', 'finspace-user-plan': 'dist/cli/plan-alias.js' });
  for (const bin of Object.values(pkg.bin) as string[])
    expect(readFileSync(join(root, bin), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  // Construct Hub lists jsii packages with one of these keywords
  expect(pkg.keywords).toEqual(expect.arrayContaining(['awscdk', 'aws-cdk', 'cdk-construct', 'finspace']));
});

/** The project files lib/index.ts reaches through relative imports (what jsii compiles). */
function closureOfLib(): string[] {
  const seen = new Set<string>();
  const pending = ['lib/index.ts'];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(
      /(?:from|import\(|require\()\s*'(\.{1,2}\/[^']+)'/g,
    )) {
      const target = relative(root, resolve(dirname(join(root, file)), m[1])).replace(/\.js$/, '');
      pending.push(existsSync(join(root, `${target}.ts`)) ? `${target}.ts` : join(target, 'index.ts'));
    }
  }
  return [...seen];
}

test('two copies of the library in one stack share one provider', () => {
  // a second copy, as npm nests one under another library; it resolves aws-cdk-lib from this project
  const nested = join(root, 'node_modules', '.finspace-user-copy-test', 'node_modules', 'finspace-user');
  rmSync(dirname(dirname(nested)), { recursive: true, force: true });
  cpSync(dist, join(nested, 'dist'), { recursive: true });
  writeFileSync(join(nested, 'package.json'), JSON.stringify({ name: 'finspace-user', main: 'dist/lib/index.js' }));
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const ours = require(join(dist, 'lib')) as typeof import('../lib');
    const theirs = require(join(nested, 'dist', 'lib')) as typeof import('../lib');
    expect(theirs.FinspaceUser).not.toBe(ours.FinspaceUser);
    const stack = new Stack(new App(), 'Shared');
    const adminRole = iam.Role.fromRoleArn(stack, 'Admin', 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin');
    const common = { environmentId: 'env1', type: ours.FinspaceUserType.APP_USER, adminRole };
    new ours.FinspaceUser(stack, 'Mine', { ...common, userId: 'u-mine' });
    new theirs.FinspaceUser(stack, 'Theirs', { ...common, userId: 'u-theirs' });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::FinspaceUser', 2);
    template.resourceCountIs('AWS::Lambda::Function', 1); // one handler for both
  } finally {
    rmSync(dirname(dirname(nested)), { recursive: true, force: true });
  }
});

/** Every relative import of every TypeScript file under `dir`, resolved to a path under the project. */
function importsUnder(dir: string): { from: string; to: string }[] {
  const found: { from: string; to: string }[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(ts|cjs)$/.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from|import\(|require\()\s*'(\.{1,2}\/[^']+)'/g)) {
      found.push({ from: relative(root, file), to: relative(root, resolve(dirname(file), m[1])) });
    }
  }
  return found;
}

test('shipped code never imports the example app, the tests, the bench or the build scripts', () => {
  const shipped = ['lib', 'lambda', 'finspace', 'toolkit', 'cli', 'local'];
  const imports = shipped.flatMap(importsUnder);
  expect(imports.length).toBeGreaterThan(50);
  expect(imports.filter((i) => !shipped.includes(i.to.split('/')[0]))).toEqual([]);
});

test('runtime code (handler, FinSpace client) never imports the CDK or the construct', () => {
  for (const dir of ['lambda', 'finspace']) {
    for (const entry of readdirSync(join(root, dir))) {
      const source = readFileSync(join(root, dir, entry), 'utf8');
      expect({ file: `${dir}/${entry}`, cdk: /from '(aws-cdk-lib|constructs)/.test(source) }).toEqual({
        file: `${dir}/${entry}`,
        cdk: false,
      });
    }
  }
  expect(importsUnder('lambda').filter((i) => !/^(lambda|finspace)\//.test(i.to))).toEqual([]);
  expect(importsUnder('finspace').filter((i) => !i.to.startsWith('finspace/'))).toEqual([]);
});

test('the declarations type-check in an app with a stricter tsconfig (library checks on, exact optional types, erasable syntax only)', () => {
  const app = mkdtempSync(join(tmpdir(), 'finspace-strict-'));
  try {
    mkdirSync(join(app, 'node_modules'));
    symlinkSync(root, join(app, 'node_modules', 'finspace-user'));
    for (const dep of ['aws-cdk-lib', 'constructs', '@types'])
      symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          exactOptionalPropertyTypes: true,
          erasableSyntaxOnly: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      join(app, 'app.ts'),
      [
        "import { App, Stack } from 'aws-cdk-lib';",
        "import * as iam from 'aws-cdk-lib/aws-iam';",
        "import { FinspaceApiAccess, FinspaceUser, FinspaceUserProvider, FinspaceUserType } from 'finspace-user';",
        "const stack = new Stack(new App(), 'S');",
        "const adminRole = iam.Role.fromRoleArn(stack, 'A', 'arn:aws:iam::123456789012:role/Admin');",
        "const user = new FinspaceUser(stack, 'U', { environmentId: 'e', userId: 'u', type: FinspaceUserType.APP_USER, adminRole, apiAccess: FinspaceApiAccess.DISABLED });",
        'export const ids: string[] = [user.userId, FinspaceUserProvider.of(stack).handlerRole.roleArn];',
        '',
      ].join('\n'),
    );
    let output = '';
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', app], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // aws-cdk-lib's own declarations do not pass these flags; ours and the app's must
    const ours = output
      .split('\n')
      .filter((line) => /error TS/.test(line) && !/node_modules\/(aws-cdk-lib|constructs)\//.test(line));
    expect(ours).toEqual([]);
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});
