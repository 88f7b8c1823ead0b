// What Construct Hub and the jsii languages read: the `.jsii` assembly in the npm tarball. It
// must load, and describe exactly the JavaScript the same tarball ships: every exported class,
// enum and interface present both ways, each class marked by jsii for this assembly, and API.md
// generated from it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsiiFeature } from '@jsii/spec';
import { type Assembly, TypeSystem } from 'jsii-reflect';
import { filesUnder, packPackage, REPO, unpack } from './support/packed-package';

// Unpacked inside this project's node_modules, so the packed library and jsii-reflect resolve
// aws-cdk-lib and constructs (its peers) from here, as they would in an app.
const unpackedDir = join(REPO, 'node_modules', '.finspace-user-packed-test');
const packDir = mkdtempSync(join(tmpdir(), 'finspace-pack-'));
let pkgDir: string;
let assembly: Assembly;
let runtime: Record<string, unknown>;

beforeAll(async () => {
  rmSync(unpackedDir, { recursive: true, force: true });
  pkgDir = unpack(packPackage(packDir), unpackedDir);
  // aws-cdk-lib's assembly uses these jsii features; pacmak and jsii-docgen accept them too.
  const supportedFeatures: JsiiFeature[] = ['intersection-types', 'class-covariant-overrides'];
  assembly = await new TypeSystem().load(pkgDir, { validate: true, supportedFeatures });
  /* eslint-disable @typescript-eslint/no-require-imports */
  runtime = require(join(pkgDir, 'dist', 'lib', 'index.js')) as Record<string, unknown>;
});

afterAll(() => {
  rmSync(unpackedDir, { recursive: true, force: true });
  rmSync(packDir, { recursive: true, force: true });
});

const names = (types: readonly { name: string }[]) => types.map((t) => t.name).sort();

/** The part of TypeScript's compiler API used here (TypeScript 7, the project's, has none). */
interface Symbol_ {
  readonly name: string;
  readonly flags: number;
}
interface CompilerApi {
  readonly SymbolFlags: { Alias: number; Class: number; Enum: number; Interface: number };
  createProgram(
    files: string[],
    options: object,
  ): {
    getTypeChecker(): {
      getSymbolAtLocation(node: object): Symbol_ | undefined;
      getExportsOfModule(module: Symbol_): Symbol_[];
      getAliasedSymbol(symbol: Symbol_): Symbol_;
    };
    getSourceFile(file: string): object | undefined;
  };
}

/** The exports of the packed declarations, by kind, as TypeScript sees them (jsii's own TypeScript 6). */
function declaredExports(): { values: string[]; interfaces: string[]; other: string[] } {
  const ts = require(require.resolve('typescript', { paths: [join(REPO, 'node_modules', 'jsii')] })) as CompilerApi;
  const entry = join(pkgDir, 'dist', 'lib', 'index.d.ts');
  // The package's own declarations only: what they import from aws-cdk-lib does not decide what
  // kind of thing each export is, and resolving it would load all of aws-cdk-lib's.
  const declarations = filesUnder(pkgDir)
    .filter((file) => file.endsWith('.d.ts'))
    .map((file) => join(pkgDir, file));
  const program = ts.createProgram(declarations, { noEmit: true, noResolve: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
  const result = { values: [] as string[], interfaces: [] as string[], other: [] as string[] };
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Enum)) result.values.push(exported.name);
    else if (symbol.flags & ts.SymbolFlags.Interface) result.interfaces.push(exported.name);
    else result.other.push(exported.name);
  }
  return { values: result.values.sort(), interfaces: result.interfaces.sort(), other: result.other.sort() };
}

test('the packed assembly loads and validates, with its peers, as the package it is packed in', () => {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  expect(assembly.name).toBe(pkg.name);
  expect(assembly.version).toBe(pkg.version);
  expect(assembly.dependencies.map((d) => d.assembly.name).sort()).toEqual(Object.keys(pkg.peerDependencies).sort());
  expect(assembly.allClasses.length + assembly.allEnums.length + assembly.allInterfaces.length).toBeGreaterThan(0);
});

test("the assembly's classes and enums are exactly the packed lib/index.js exports, and its interfaces those of index.d.ts", () => {
  const declared = declaredExports();
  expect(names(assembly.allInterfaces)).toEqual(declared.interfaces);
  expect([...names(assembly.allClasses), ...names(assembly.allEnums)].sort()).toEqual(declared.values);
  expect(declared.other).toEqual([]); // no type alias, function or constant jsii could not describe
  const runtimeExports = Object.keys(runtime).filter((name) => name !== '__esModule');
  expect(runtimeExports.sort()).toEqual(declared.values);
});

test('every packed class is the one jsii compiled for this assembly (its fqn and version), with the methods it describes', () => {
  const rtti = Symbol.for('jsii.rtti');
  for (const cls of assembly.allClasses) {
    const value = runtime[cls.name] as (new (...args: never[]) => unknown) & Record<symbol | string, unknown>;
    expect({ name: cls.name, rtti: value[rtti] }).toEqual({
      name: cls.name,
      rtti: { fqn: cls.fqn, version: assembly.version },
    });
    for (const method of cls.ownMethods) {
      const holder = method.static ? value : (value.prototype as Record<string, unknown>);
      expect({ method: `${cls.name}.${method.name}`, type: typeof holder[method.name] }).toEqual({
        method: `${cls.name}.${method.name}`,
        type: 'function',
      });
    }
    for (const property of cls.ownProperties.filter((p) => p.static)) {
      expect({ property: `${cls.name}.${property.name}`, defined: property.name in value }).toEqual({
        property: `${cls.name}.${property.name}`,
        defined: true,
      });
    }
  }
});

test("every packed enum has the assembly's members, and only those", () => {
  for (const type of assembly.allEnums) {
    const members = Object.keys(runtime[type.name] as object).filter((key) => !/^\d+$/.test(key));
    expect({ enum: type.name, members: members.sort() }).toEqual({ enum: type.name, members: names(type.members) });
  }
});

test('API.md is generated from the assembly as it is now (`npm run docgen` writes it)', () => {
  // The packed assembly is the one the build wrote, so docgen reads it where `npm run docgen` does.
  expect(readFileSync(join(pkgDir, '.jsii')).equals(readFileSync(join(REPO, '.jsii')))).toBe(true);
  const out = mkdtempSync(join(tmpdir(), 'finspace-docgen-'));
  try {
    execFileSync(join(REPO, 'node_modules', '.bin', 'jsii-docgen'), ['--output', join(out, 'API.md')], {
      cwd: REPO,
      stdio: 'pipe',
    });
    const generated = readFileSync(join(out, 'API.md'), 'utf8');
    expect(generated).toContain('FinspaceUser');
    const stale = 'API.md is stale: run `npm run build && npm run docgen` and commit it';
    expect({ current: readFileSync(join(REPO, 'API.md'), 'utf8') === generated, hint: stale }).toEqual({
      current: true,
      hint: stale,
    });
    expect(readFileSync(join(pkgDir, 'API.md'), 'utf8')).toBe(generated);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
