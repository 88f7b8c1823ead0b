// `finspace-user import`: an environment of 260 users set up by hand becomes a
// module that compiles under a strict tsconfig, synthesizes, deploys without
// changing any user, and plans as `no change`; re-imports are byte-identical
// or minimal diffs; failures leave the output file as it was.
import { captureCommand } from './support/command-output';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runInNewContext } from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { runImport } from '../cli/import/command';
import { generateModule } from '../cli/import/generate-module';
import { USERS_PER_STACK } from '../lambda/consts';
import { isInvisible, parseTsString, tsString } from '../cli/import/ts-literal';
import { runPlan } from '../cli/plan/command';
import { type Emulator, startEmulator, WRITE_OPERATIONS } from '../local/emulator';
import type { UserRecord } from '../local/emulator-state';
import { localDeploy } from '../local/local-deploy';
import {
  AWKWARD_NAMES,
  IMPORT_ADMIN_ROLE,
  IMPORT_ENVIRONMENT,
  importState,
  PIPELINE_ROLE,
  userIdOf,
} from './support/import-state';

// The generated module imports these by package name from a temporary directory.
jest.mock('finspace-user', () => jest.requireActual('../lib'), { virtual: true });
jest.mock('aws-cdk-lib/aws-iam', () => jest.requireActual('aws-cdk-lib/aws-iam'), { virtual: true });
jest.mock('constructs', () => jest.requireActual('constructs'), { virtual: true });

jest.setTimeout(180_000);

const REPO = resolve(__dirname, '..');
const USERS = 260;

let workDir: string;
let emulator: Emulator;
beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-import-'));
  emulator = await startEmulator({ state: importState(USERS) });
});
afterEach(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

const runImportCommand = (...args: string[]) =>
  captureCommand((out) =>
    runImport(
      [
        '--endpoint',
        emulator.url,
        '--environment-id',
        IMPORT_ENVIRONMENT,
        '--admin-role-arn',
        IMPORT_ADMIN_ROLE,
        ...args,
      ],
      out,
    ),
  );

const liveUsers = () => structuredClone(emulator.state.environments[IMPORT_ENVIRONMENT]);

/** The fields a person could see change (timestamps of the writes themselves aside). */
function visibleFields(users: Record<string, UserRecord>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(users).map(([id, { lastModifiedTime: _m, lastLoginTime: _l, ...rest }]) => [id, rest]),
  );
}

type ConstructClass = new (scope: Construct, id: string) => Construct;

function loadModule(file: string): Record<string, ConstructClass> {
  return require(file) as Record<string, ConstructClass>;
}

test('round trip: 260 users imported with one ListUsers per 100, then synth, deploy and plan change nothing', async () => {
  const before = liveUsers();
  const out = join(workDir, 'finspace-users.ts');
  const imported = await runImportCommand('--out', out);
  expect(imported).toMatchObject({ code: 0, errors: '' });
  expect(imported.output).toContain(`Wrote ${USERS} users of environment ${IMPORT_ENVIRONMENT}`);

  // Pagination, and nothing but reads: AssumeRole, the credential exchange, ceil(260 / 100) ListUsers.
  const operations = emulator.calls.map((c) => c.operation);
  expect(operations.filter((o) => o === 'ListUsers')).toHaveLength(Math.ceil(USERS / 100));
  expect(operations.filter((o) => o !== 'ListUsers').sort()).toEqual([
    'AssumeRole',
    'GetProgrammaticAccessCredentials',
  ]);

  const source = readFileSync(out, 'utf8');
  expect(source.match(/new FinspaceUser\(/g)).toHaveLength(USERS);
  expect(source).not.toMatch(/: `/); // no value is a template literal, so `${` stays text
  expect(source).toMatch(/'\$\{process\.exit\(1\)\}'/);
  // One imported role per distinct ARN; the admin's own user reuses the admin role.
  expect(source.match(/iam\.Role\.fromRoleArn\(/g)).toHaveLength(3);
  expect(source).toContain('apiAccessPrincipal: adminRole,');
  expect(source).toMatch(/\/\/ Disabled in FinSpace/);
  expect(source).toMatch(/\/\/ Still CREATING in FinSpace/);

  // Every value survives the trip through the code, and the app synthesizes it.
  const { FinspaceUsers } = loadModule(out);
  const outdir = join(workDir, 'cdk.out');
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Imported');
  new FinspaceUsers(stack, 'FinspaceUsers');
  app.synth();

  const callsBeforeDeploy = emulator.calls.length;
  const deployed = await localDeploy({ projectDir: workDir, cdkOut: outdir, endpoint: emulator.url, readUsers: false });
  expect(deployed.ok).toBe(true);
  const writes = emulator.calls.slice(callsBeforeDeploy).filter((c) => WRITE_OPERATIONS.has(c.operation));
  expect(new Set(writes.map((c) => c.operation))).toEqual(new Set(['UpdateUser']));
  expect(visibleFields(liveUsers())).toEqual(visibleFields(before));

  const plan = await captureCommand((report) =>
    runPlan(['--endpoint', emulator.url, '--no-synth', '--cdk-out', outdir, '--json'], report),
  );
  expect(plan.code).toBe(0);
  const plans = (JSON.parse(plan.output) as { users: { status: string }[] }).users;
  expect(plans).toHaveLength(USERS);
  expect(plans.every((p) => p.status === 'no-change')).toBe(true);
});

test('the generated module compiles under a strict tsconfig', async () => {
  await runImportCommand('--out', join(workDir, 'users.ts'));
  await runImportCommand('--out', join(workDir, 'anonymous.ts'), '--no-names', '--class', 'AnonymousUsers');
  const modules = (path: string) => join(REPO, 'node_modules', path);
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUnusedLocals: true,
        noUnusedParameters: true,
        noImplicitReturns: true,
        exactOptionalPropertyTypes: true,
        erasableSyntaxOnly: true,
        isolatedModules: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        paths: {
          'finspace-user': [join(REPO, 'dist/lib/index.d.ts')],
          'aws-cdk-lib/*': [modules('aws-cdk-lib/*')],
          constructs: [modules('constructs')],
        },
      },
      files: ['users.ts', 'anonymous.ts'],
    }),
  );
  const tsc = join(REPO, 'node_modules/.bin/tsc');
  expect(() => execFileSync(tsc, ['-p', workDir], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
});

test('re-importing an unchanged environment writes the same bytes; a change is a minimal diff', async () => {
  const out = join(workDir, 'users.ts');
  await runImportCommand('--out', out);
  const first = readFileSync(out, 'utf8');
  await runImportCommand('--out', out);
  expect(readFileSync(out, 'utf8')).toBe(first);

  // Someone renames a user by hand: that one line changes, and the construct id (its resource) stays.
  const renamed = emulator.state.environments[IMPORT_ENVIRONMENT]['u-admin'];
  renamed.lastName = 'Administrator';
  await runImportCommand('--out', out);
  const second = readFileSync(out, 'utf8').split('\n');
  const firstLines = first.split('\n');
  expect(second).toHaveLength(firstLines.length);
  const changed = second.filter((line, i) => line !== firstLines[i]);
  expect(changed).toEqual(["      lastName: 'Administrator',"]);
  expect(second).toContain("    new FinspaceUser(this, 'User_u-admin', {");

  // A fresh import (no earlier file) of the renamed user gives it the same id: ids never follow names.
  const fresh = join(workDir, 'fresh.ts');
  await runImportCommand('--out', fresh);
  expect(readFileSync(fresh, 'utf8')).toContain("new FinspaceUser(this, 'User_u-admin', {");
});

test('construct ids come from user ids, never from names (they become logical ids, which logs and events show), and are unique', async () => {
  const out = join(workDir, 'users.ts');
  await runImportCommand('--out', out);
  const source = readFileSync(out, 'utf8');
  const ids = [...source.matchAll(/new FinspaceUser\(this, '([^']+)'/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(USERS);
  expect(ids).toEqual(
    expect.arrayContaining(['User_u-twin-a', 'User_u-twin-b', 'User_u-admin', `User_${userIdOf(7)}`]),
  );
  // the names are in the code (declared), but in no id: every id is the user's
  expect(source).toContain("lastName: 'Lovelace'");
  expect(ids.filter((id) => !/^User_/.test(id))).toEqual([]);
  // Order: by user id, whatever the names.
  const userIds = [...source.matchAll(/userId: '([^']+)'/g)].map((m) => m[1]);
  expect(userIds).toEqual([...userIds].sort());
});

test('--no-names: no name in the code, ids from user ids; --exclude leaves users out', async () => {
  const out = join(workDir, 'users.ts');
  const result = await runImportCommand('--out', out, '--no-names', '--exclude', 'u-twin-a', '--exclude', userIdOf(10));
  expect(result.code).toBe(0);
  expect(result.output).toContain('2 excluded');
  const source = readFileSync(out, 'utf8');
  expect(source).not.toMatch(/firstName|lastName|Lovelace|Platform/);
  for (const [first] of AWKWARD_NAMES.slice(0, 5)) expect(source).not.toContain(first);
  expect(source).toContain("new FinspaceUser(this, 'User_u-admin', {");
  expect(source).not.toContain("'u-twin-a'");
  expect(source).not.toContain(`'${userIdOf(10)}'`);
  expect(source.match(/new FinspaceUser\(/g)).toHaveLength(USERS - 2);
});

test('a principal kept with API access disabled is left unmanaged, with a comment saying why', async () => {
  const out = join(workDir, 'users.ts');
  await runImportCommand('--out', out);
  const source = readFileSync(out, 'utf8');
  const block = source.slice(
    source.indexOf('// FinSpace keeps the API principal'),
    source.indexOf("'u-stale-principal'"),
  );
  expect(block).toContain(PIPELINE_ROLE);
  expect(block).toContain("new FinspaceUser(this, 'User_u-stale-principal', {");
  expect(source.slice(source.indexOf("'u-stale-principal'")).split('});')[0]).not.toContain('apiAccessPrincipal');
});

test('values are escaped: every awkward name reads back exactly from the generated literal', () => {
  const users = AWKWARD_NAMES.map(([firstName, lastName], i) => ({
    userId: `u-${String(i).padStart(2, '0')}`,
    type: 'APP_USER' as const,
    firstName,
    lastName,
  }));
  const { source } = generateModule(users, {
    environmentId: IMPORT_ENVIRONMENT,
    adminRoleArn: IMPORT_ADMIN_ROLE,
    className: 'FinspaceUsers',
    names: true,
  });
  const literal = /^ {6}(firstName|lastName): (.*),$/gm;
  const read = [...source.matchAll(literal)].map((m) => runInNewContext(m[2]) as string);
  expect(read).toEqual(AWKWARD_NAMES.flatMap(([first, last]) => (last === undefined ? [first] : [first, last])));
  // Nothing a reviewer cannot see: no raw control, line-separator or bidirectional characters.
  const hidden = [...source].filter((ch) => ch !== '\n' && isInvisible(ch.codePointAt(0) ?? 0));
  expect(hidden).toEqual([]);
});

test(`over ${USERS_PER_STACK} users: several classes, each for a stack of its own, and why`, async () => {
  await emulator.close();
  emulator = await startEmulator({ state: importState(1_000) });
  const out = join(workDir, 'users.ts');
  const result = await runImportCommand('--out', out);
  expect(result.code).toBe(0);
  expect(result.output).toContain('as 3 classes (FinspaceUsers1: 334, FinspaceUsers2: 334, FinspaceUsers3: 332)');
  expect(result.output).toContain("CloudFormation's 500 resources");
  const source = readFileSync(out, 'utf8');
  expect(source).toContain(`at most ${USERS_PER_STACK}`);
  // Each class constructs (the construct checks every value); the largest synthesizes within the limit.
  const classes = loadModule(out);
  const app = new App();
  const stacks = ['FinspaceUsers1', 'FinspaceUsers2', 'FinspaceUsers3'].map((name) => {
    const stack = new Stack(app, name);
    new classes[name](stack, 'Users');
    return stack;
  });
  const resources = Object.keys(Template.fromStack(stacks[0]).toJSON().Resources as object);
  expect(resources.length).toBe(334 + 6); // the provider's 7 with CDK metadata, which `cdk synth` adds: 341 of 500
});

test('--json writes every field of every user to a private file, with a warning, and prints none of it', async () => {
  const out = join(workDir, 'users.json');
  const result = await runImportCommand('--json', '--out', out);
  expect(result.code).toBe(0);
  expect(result.errors).toContain('Warning: Personal data');
  expect(result.output + result.errors).not.toMatch(/Lovelace|@example\.com/);
  expect(statSync(out).mode & 0o777).toBe(0o600);
  const document = JSON.parse(readFileSync(out, 'utf8')) as { warning: string; users: UserRecord[] };
  expect(document.warning).toMatch(/^Personal data/);
  expect(document.users).toHaveLength(USERS);
  const live = emulator.state.environments[IMPORT_ENVIRONMENT];
  for (const user of document.users) expect(user).toEqual({ ...live[user.userId] });

  expect((await runImportCommand('--json', '--out', '-')).code).toBe(1);
});

test('failures name the environment or user and the reason, exit 1, and leave the output file as it was', async () => {
  const out = join(workDir, 'users.ts');
  writeFileSync(out, '// my hand-edited file\n');

  const denied = await runImportCommand('--out', out, '--admin-role-arn', 'arn:aws:iam::123456789012:role/NotTrusted');
  expect(denied.code).toBe(1);
  expect(denied.errors).toContain(
    `environment ${IMPORT_ENVIRONMENT}: AssumeRole arn:aws:iam::123456789012:role/NotTrusted: AccessDenied`,
  );

  const typo = await runImportCommand('--out', out, '--exclude', 'u-nobody');
  expect(typo.code).toBe(1);
  expect(typo.errors).toContain(`--exclude u-nobody: no such user in environment ${IMPORT_ENVIRONMENT}`);

  emulator.faults.configure({ errorProbability: 1 });
  const outage = await runImportCommand('--out', out);
  expect(outage.code).toBe(1);
  expect(outage.errors).toContain(`environment ${IMPORT_ENVIRONMENT}:`);
  emulator.faults.configure({});

  expect(readFileSync(out, 'utf8')).toBe('// my hand-edited file\n');
  expect(emulator.calls.filter((c) => WRITE_OPERATIONS.has(c.operation))).toEqual([]);

  const bad = await runImportCommand('--out', out, '--class', 'lowercase', '--environment-id', '');
  expect(bad.code).toBe(1);
  expect(bad.errors).toContain('--environment-id: must be 1 to 26 characters long');
  expect(bad.errors).toContain('--class: must be a class name');
});

test('any string, lone surrogates included, survives as a literal, and reads back for the ids kept between imports', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (value) => {
      const literal = tsString(value);
      expect(runInNewContext(literal)).toBe(value);
      expect(parseTsString(literal.slice(1, -1), literal[0] as "'" | '"')).toBe(value);
    }),
  );
});

test('an environment id with a line break, `*/` or a bidirectional mark stays inside the comments of the generated code', async () => {
  // The model bounds an environment id's length only (1 to 26): such an id is valid, and reaches FinSpace.
  const environmentId = 'e\nprocess.exit(7)//*/\u202E';
  const state = importState(2);
  state.environments[environmentId] = state.environments[IMPORT_ENVIRONMENT];
  const hostile = await startEmulator({ state });
  let source: string;
  try {
    const args = ['--endpoint', hostile.url, '--environment-id', environmentId, '--admin-role-arn', IMPORT_ADMIN_ROLE];
    const generated = await captureCommand((out) => runImport([...args, '--out', '-'], out));
    expect(generated.code).toBe(0);
    source = generated.output;
  } finally {
    await hostile.close();
  }
  // Every line is a comment, or code the generator writes: none is the id's second line.
  expect(source.split(/\r\n|[\n\r\u2028\u2029]/).filter((line) => line.startsWith('process.exit'))).toEqual([]);
  expect(source).toContain('// The FinSpace users of environment e\\u000Aprocess.exit(7)//*\\/\\u202E, as');
  expect(source).toContain(`const ENVIRONMENT_ID = ${tsString(environmentId)};`);
  // A JSDoc comment closes only where the generator closes it.
  const comments = source.split('\n').filter((line) => /^\s*\/\*\*/.test(line));
  expect(comments).not.toEqual([]);
  for (const line of comments) expect(line.indexOf('*/')).toBe(line.length - 2);
  expect([...source].filter((ch) => ch !== '\n' && isInvisible(ch.codePointAt(0) ?? 0))).toEqual([]);
});
