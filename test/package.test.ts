// The package as users install it: what it ships, that the shipped handler
// is today's, that two copies of the library share a stack, and that shipped
// code never reaches into a development folder.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { buildHandler } from '../scripts/build-handler';

const root = join(__dirname, '..');
const dist = join(root, 'dist');

test('the shipped handler is built from the sources as they are now (rebuilding gives the same bytes)', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'finspace-handler-'));
  try {
    buildHandler(fresh);
    for (const file of ['index.js', 'aws-clients.js']) {
      const shipped = readFileSync(join(dist, 'handler', file));
      const rebuilt = readFileSync(join(fresh, file));
      // stale: `npm run build` bundles it again
      expect(shipped.equals(rebuilt)).toBe(true);
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('the tarball holds the compiled library, the prebuilt handler, the CLI, README and LICENSE, and nothing else', () => {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
  ) as { files: { path: string }[] }[];
  const files = pack.files.map((f) => f.path).sort();
  expect(files).toEqual(
    expect.arrayContaining([
      'LICENSE',
      'README.md',
      'package.json',
      'dist/lib/index.js',
      'dist/lib/index.d.ts',
      'dist/handler/index.js',
      'dist/handler/aws-clients.js',
      'dist/cli/main.js',
      'dist/cli/plan-alias.js',
      'dist/local/lambda-host-child.cjs',
    ]),
  );
  const unexpected = files.filter(
    (f) => !['LICENSE', 'README.md', 'package.json'].includes(f) && !/^dist\/.+\.(js|cjs|d\.ts)$/.test(f),
  );
  expect(unexpected).toEqual([]);
  // no test, bench, example app or script was compiled into it
  expect(files.filter((f) => /^dist\/(test|bench|bin|scripts)\//.test(f))).toEqual([]);
});

test('package.json: compiled entry points, peer dependencies, no build tool at run time', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  expect(pkg.main).toBe('dist/lib/index.js');
  expect(pkg.types).toBe('dist/lib/index.d.ts');
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['aws-cdk-lib', 'constructs']);
  for (const tool of ['aws-cdk-lib', 'constructs', 'esbuild', 'tsx', 'typescript'])
    expect(pkg.dependencies[tool]).toBeUndefined();
  for (const bin of Object.values(pkg.bin) as string[])
    expect(readFileSync(join(root, bin), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
});

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
