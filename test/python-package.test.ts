// The Python distribution (`npm run build && npm run package:python`): the
// generated module declares the construct as a Python user writes it, and the
// npm tarball embedded in the wheel is the npm package, with the assembly and
// the prebuilt handler, so a Python app synthesizes without bundling anything.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as source from '../lib';

const root = join(__dirname, '..');
const pythonDist = join(root, 'dist', 'python');
const assemblyFile = join(root, '.jsii');
const MODULE = 'finspace_user';

interface PythonClass {
  bases: string[];
  enumMembers: string[];
  init: { positional: string[]; keywordRequired: string[]; keywordOptional: string[] } | null;
  methods: string[];
}
interface WheelDescription {
  files: string[];
  classes: Record<string, PythonClass>;
  tarballs: string[];
  /** path in the npm tarball → SHA-256 */
  tarballMembers: Record<string, string>;
}

function builtWheel(): string {
  const wheels = existsSync(pythonDist) ? readdirSync(pythonDist).filter((f) => f.endsWith('.whl')) : [];
  if (wheels.length !== 1 || !existsSync(assemblyFile)) {
    throw new Error(
      `expected one wheel in dist/python and the jsii assembly .jsii (found ${wheels.length} wheels); ` +
        'run `npm run build && npm run package:python` first (`npm test` runs both before jest)',
    );
  }
  return join(pythonDist, wheels[0]);
}

let wheel: string;
let described: WheelDescription;

beforeAll(() => {
  wheel = builtWheel();
  const json = execFileSync(
    process.env.PYTHON ?? 'python3',
    [join(__dirname, 'support', 'python-wheel.py'), wheel, MODULE],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  described = JSON.parse(json) as WheelDescription;
});

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

test('FinspaceUser(scope, id, *, ...) takes every prop as a keyword argument, the optional ones defaulting to None', () => {
  const user = described.classes.FinspaceUser;
  // an aws-cdk-lib Resource, as the CDK's own L2 constructs
  expect(user.bases).toEqual(['_aws_cdk_ceddda9d.Resource']);
  expect(user.init?.positional).toEqual(['self', 'scope', 'id']);
  expect(user.init?.keywordRequired).toEqual(['admin_role', 'environment_id', 'type', 'user_id']);
  expect(user.init?.keywordOptional).toEqual(
    expect.arrayContaining(['api_access', 'api_access_principal', 'first_name', 'last_name', 'removal_policy']),
  );
  // and nothing is dropped or renamed: the keywords are the props of the jsii assembly, in snake case
  const assembly = JSON.parse(readFileSync(assemblyFile, 'utf8'));
  const props: { name: string; optional?: boolean }[] = assembly.types['finspace-user.FinspaceUserProps'].properties;
  expect([...(user.init?.keywordRequired ?? [])].sort()).toEqual(
    props
      .filter((p) => !p.optional)
      .map((p) => snakeCase(p.name))
      .sort(),
  );
  expect([...(user.init?.keywordOptional ?? [])].sort()).toEqual(
    props
      .filter((p) => p.optional)
      .map((p) => snakeCase(p.name))
      .sort(),
  );
  expect(user.methods).toEqual(
    expect.arrayContaining([
      'environment_id',
      'user_id',
      'from_user_attributes',
      'grant_programmatic_access',
      'apply_removal_policy',
    ]),
  );
});

test('the enums are Python enums with the TypeScript members', () => {
  expect(described.classes.FinspaceUserType).toMatchObject({
    bases: ['enum.Enum'],
    enumMembers: Object.keys(source.FinspaceUserType),
  });
  expect(described.classes.FinspaceApiAccess).toMatchObject({
    bases: ['enum.Enum'],
    enumMembers: Object.keys(source.FinspaceApiAccess),
  });
  expect(described.classes.FinspaceUserProvider.methods).toEqual(
    expect.arrayContaining(['of', 'is_finspace_user_provider', 'grant_assume_role', 'handler_role', 'service_token']),
  );
});

test("the README's Python example imports what the module declares and calls FinspaceUser as it is declared", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const example = /<!-- python: app\.py -->\s*```python\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toBeDefined();
  // parsed (a syntax error fails here), not run: the jsii runtime is not installed
  const script = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
print(json.dumps({
  "imported": [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "${MODULE}" for a in n.names],
  "calls": [{"positional": len(n.args), "keywords": [k.arg for k in n.keywords]}
            for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "FinspaceUser"],
}))`;
  const { imported, calls } = JSON.parse(
    execFileSync(process.env.PYTHON ?? 'python3', ['-c', script], { input: example, encoding: 'utf8' }),
  ) as { imported: string[]; calls: { positional: number; keywords: string[] }[] };
  expect(imported.filter((name) => !(name in described.classes))).toEqual([]);
  expect(calls).toHaveLength(2);
  const init = described.classes.FinspaceUser.init;
  const declared = [...(init?.keywordRequired ?? []), ...(init?.keywordOptional ?? [])];
  for (const call of calls) {
    expect(call.positional).toBe(2); // self, the construct id
    expect(call.keywords.filter((k) => !declared.includes(k))).toEqual([]);
    expect(init?.keywordRequired.filter((k) => !call.keywords.includes(k))).toEqual([]);
  }
});

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

test('the embedded npm tarball is the npm package: the assembly the wheel was generated from, the library, the prebuilt handler, no sources', () => {
  expect(described.tarballs).toEqual([`${MODULE}/_jsii/finspace-user@0.1.0.jsii.tgz`]);
  const members = described.tarballMembers;
  expect(Object.keys(members)).toEqual(
    expect.arrayContaining(['package/package.json', 'package/.jsii', 'package/dist/lib/index.js']),
  );
  // the handler the npm package ships (fresh: test/package.test.ts rebuilds and compares it)
  for (const file of ['index.js', 'aws-clients.js']) {
    expect({ file, sha256: members[`package/dist/handler/${file}`] }).toEqual({
      file,
      sha256: sha256(join(root, 'dist', 'handler', file)),
    });
  }
  expect(Object.keys(members).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  // the same assembly and library JavaScript as the npm package (the build's)
  for (const file of ['.jsii', 'dist/lib/index.js', 'dist/lib/finspace-user.js']) {
    expect({ file, sha256: members[`package/${file}`] }).toEqual({ file, sha256: sha256(join(root, file)) });
  }
});

test("the wheel installs the package's commands, which run its bundled CLI in the jsii runtime's Node", () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const scripts = described.files.filter((f) => /\.data\/scripts\//.test(f)).map((f) => f.split('/').pop());
  expect(scripts.sort()).toEqual(Object.keys(pkg.bin).sort());
  // each one the bundle named in `bin`, shipped in the embedded tarball
  for (const bin of Object.values(pkg.bin)) expect(described.tarballMembers[`package/${bin}`]).toBeDefined();
});

test('the tarball alone synthesizes the same stack as the sources: its handler asset is found inside it', () => {
  // Unpacked as the jsii runtime does for a Python app; aws-cdk-lib resolves from this project.
  const unpacked = join(root, 'node_modules', '.finspace-user-jsii-test');
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked, { recursive: true });
  try {
    const tarball = join(unpacked, 'finspace-user.tgz');
    execFileSync(process.env.PYTHON ?? 'python3', [
      '-c',
      'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))',
      wheel,
      described.tarballs[0],
      tarball,
    ]);
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const packaged = require(join(unpacked, 'package')) as typeof source;
    expect(packaged.FinspaceUser).not.toBe(source.FinspaceUser);

    const synth = (lib: typeof source) => {
      const stack = new Stack(new App(), 'FinspaceUsers');
      const adminRole = iam.Role.fromRoleArn(stack, 'Admin', 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin');
      new lib.FinspaceUser(stack, 'Analyst', {
        environmentId: 'a1b2c3d4e5f6g7h8i9j0k1l2m3',
        userId: 'uFyBGyNbbD8e0QwBr7xDgA',
        type: lib.FinspaceUserType.APP_USER,
        apiAccess: lib.FinspaceApiAccess.DISABLED,
        adminRole,
      });
      return Template.fromStack(stack).toJSON();
    };
    // same construct, same handler bytes: same template, asset hash included
    expect(synth(packaged)).toEqual(synth(source));
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
});
