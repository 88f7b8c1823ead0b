// Finds the oldest aws-cdk-lib (and constructs) this library works with, for its peerDependencies.
// For each release: a fresh strict TypeScript app pinned to it installs the packed library, compiles,
// synthesizes, and its templates are compared with the ones today's devDependency aws-cdk-lib makes.
// "Synth succeeds" is not enough: an older aws-cdk-lib silently ignores a prop it does not know (before
// 2.174.0, CustomResource's serviceTimeout), so the templates must match apart from what legitimately
// differs between CDK releases (see `normalise`). Needs the npm registry; not run by the tests or CI.
//
//   npx tsx scripts/peer-probe.ts [--constructs V] [--local] VERSION...   probe these aws-cdk-lib releases
//   npx tsx scripts/peer-probe.ts [--constructs V] --bisect GOOD BAD        the oldest good release after BAD
//
// --constructs V: the constructs release to pin (default: the oldest the aws-cdk-lib release accepts).
// --local: also run `finspace-user local` on each app's cloud assembly. KEEP_PROBE=1 keeps the work
// folder (with reference.json).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HANDLER_RUNTIMES } from '../lambda/consts';

const root = resolve(__dirname, '..');
const work = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'finspace-peer-probe.'));
const QUIET = ['--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline'];

// A representative app: every prop and static of the library that reaches a template or a warning.
const APP = `import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceApiAccess, FinspaceUser, FinspaceUserProvider, FinspaceUserType } from 'finspace-user';

const app = new cdk.App({ outdir: 'cdk.out' });
const environmentId = 'probeenvironment000000001';
const users = new cdk.Stack(app, 'ProbeUsers');
// An admin role of the same stack (made to trust the handler) and one managed elsewhere.
const ownAdmin = new iam.Role(users, 'OwnAdmin', { assumedBy: new iam.AccountRootPrincipal() });
const externalAdmin = iam.Role.fromRoleArn(users, 'ExternalAdmin', 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin', {
  mutable: false,
});
const pipeline = iam.Role.fromRoleArn(users, 'Pipeline', 'arn:aws:iam::123456789012:role/DataPipeline', {
  mutable: false,
});
new FinspaceUser(users, 'Analyst', {
  environmentId,
  adminRole: ownAdmin,
  userId: 'u-analyst',
  type: FinspaceUserType.APP_USER,
  firstName: 'Ada',
  lastName: 'Lovelace',
  apiAccess: FinspaceApiAccess.DISABLED,
  apiAccessPrincipal: pipeline,
});
new FinspaceUser(users, 'Engineer', {
  environmentId,
  adminRole: externalAdmin,
  userId: 'u-engineer',
  type: FinspaceUserType.SUPER_USER,
  apiAccess: FinspaceApiAccess.ENABLED,
  apiAccessPrincipal: pipeline,
  externalId: 'probe-external-id',
  removalPolicy: cdk.RemovalPolicy.DESTROY,
});
FinspaceUserProvider.outputHandlerRoleArn(users);

// A second stack whose provider is configured.
const configured = new cdk.Stack(app, 'ProbeConfigured');
FinspaceUserProvider.configure(configured, {
  rolePath: '/finspace-user/',
  handlerRoleName: 'finspace-user-probe-handler',
  permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyName(configured, 'Boundary', 'FinspaceUserBoundary'),
});
new FinspaceUser(configured, 'Contractor', {
  environmentId,
  adminRole: iam.Role.fromRoleArn(configured, 'Admin', 'arn:aws:iam::123456789012:role/FinSpaceContractorAdmin'),
  userId: 'u-contractor',
  type: FinspaceUserType.APP_USER,
});
FinspaceUserProvider.outputHandlerRoleArn(configured, { exportName: 'FinspaceUserProbeHandlerRoleArn' });
app.synth();
`;

// Strict, and checking the libraries' declarations too (`cdk init` apps do not skip them).
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2020',
    module: 'commonjs',
    lib: ['es2020'],
    strict: true,
    noImplicitReturns: true,
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['app.ts'],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface StackArtifact {
  readonly type: string;
  readonly properties?: { readonly templateFile?: string };
  readonly metadata?: Record<string, MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: Json;
}

/** A stack as compared: its normalised template and the library's synth warnings. */
interface ComparedStack {
  readonly template: Json;
  readonly warnings: string[];
}

class ProbeFailure extends Error {}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The first lines a failed command wrote. */
function outputOf(error: unknown): string {
  const { stdout, stderr, message } = error as { stdout?: string; stderr?: string; message?: string };
  const text = `${stdout ?? ''}${stderr ?? ''}` || String(message);
  return text.trim().split('\n').slice(0, 12).join('\n');
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What legitimately differs between CDK releases goes: the CDK metadata resource and its
 * condition, the bootstrap version parameter and rule, construct paths (`aws:cdk:path`), and the
 * handler's runtime, which is the highest of HANDLER_RUNTIMES the release knows (shown as
 * `<handler runtime>` when it is one of them). Everything else of ours is compared as it is
 * (resources, types, properties, DependsOn, deletion policies, asset hashes and asset metadata,
 * outputs), except the order of object keys.
 */
function normalise(template: JsonObject): Json {
  const t = structuredClone(template);
  const resources = isObject(t.Resources) ? t.Resources : {};
  for (const [id, resource] of Object.entries(resources)) {
    if (!isObject(resource)) continue;
    const props = resource.Properties;
    if (isObject(props) && props.Handler === 'index.handler' && HANDLER_RUNTIMES.some((r) => r === props.Runtime)) {
      props.Runtime = '<handler runtime>';
    }
    if (resource.Type === 'AWS::CDK::Metadata') delete resources[id];
    else if (isObject(resource.Metadata)) {
      delete resource.Metadata['aws:cdk:path'];
      if (Object.keys(resource.Metadata).length === 0) delete resource.Metadata;
    }
  }
  const drop: [string, string][] = [
    ['Conditions', 'CDKMetadataAvailable'],
    ['Parameters', 'BootstrapVersion'],
    ['Rules', 'CheckBootstrapVersion'],
  ];
  for (const [section, key] of drop) {
    const entries = t[section];
    if (!isObject(entries)) continue;
    delete entries[key];
    if (Object.keys(entries).length === 0) delete t[section];
  }
  return sortKeys(t);
}

function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

/** Where two JSON values differ, as paths with both values. */
function differences(expected: Json | undefined, found: Json | undefined, at = ''): string[] {
  if (JSON.stringify(expected) === JSON.stringify(found)) return [];
  const bothObjects =
    typeof expected === 'object' &&
    typeof found === 'object' &&
    expected !== null &&
    found !== null &&
    Array.isArray(expected) === Array.isArray(found);
  if (!bothObjects) return [`${at || '/'}: ${JSON.stringify(expected)} ≠ ${JSON.stringify(found)}`.slice(0, 400)];
  const a = expected as Record<string, Json>;
  const b = found as Record<string, Json>;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((key) => differences(a[key], b[key], `${at}/${key}`));
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The app's stacks: normalised templates, and the warnings the library added (its ids only). */
function assemblyOf(dir: string): Record<string, ComparedStack> {
  const out = join(dir, 'cdk.out');
  const manifest = readJson<{ artifacts?: Record<string, StackArtifact> }>(join(out, 'manifest.json'));
  const stacks: Record<string, ComparedStack> = {};
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    // Newer releases write a stack's metadata to a file beside the manifest instead of into it.
    const metadata = { ...artifact.metadata };
    if (artifact.additionalMetadataFile) {
      const extra = readJson<Record<string, MetadataEntry[]>>(join(out, artifact.additionalMetadataFile));
      for (const [at, entries] of Object.entries(extra)) metadata[at] = [...(metadata[at] ?? []), ...entries];
    }
    const warnings = Object.entries(metadata).flatMap(([at, entries]) =>
      entries
        .filter((entry) => entry.type === 'aws:cdk:warning' && String(entry.data).includes('finspace-user:'))
        .map((entry) => `${at}: ${String(entry.data)}`),
    );
    const template = readJson<JsonObject>(join(out, artifact.properties.templateFile));
    stacks[name] = { template: normalise(template), warnings: warnings.sort() };
  }
  return stacks;
}

/** Installs the app with these releases, compiles and synthesizes it; a ProbeFailure says which step failed. */
function buildApp(name: string, cdkVersion: string, constructsVersion: string, tarball: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  writeFileSync(join(dir, 'app.ts'), APP);
  const step = (what: string, command: string, args: string[]) => {
    try {
      run(command, args, dir);
    } catch (error) {
      throw new ProbeFailure(`${what}: ${outputOf(error)}`);
    }
  };
  const pins = [`aws-cdk-lib@${cdkVersion}`, `constructs@${constructsVersion}`, 'typescript@~5.6.3', '@types/node@20'];
  // The releases first, with their own peers checked (aws-cdk-lib's on constructs); then the library
  // without its declared peer range: the probe is how that range is found, it must not assume it.
  step('install', 'npm', ['install', '--save-exact', ...QUIET, ...pins]);
  step('install the library', 'npm', ['install', ...QUIET, '--legacy-peer-deps', tarball]);
  step('compile', 'npx', ['--no-install', 'tsc', '-p', '.']);
  step('synth', 'node', ['app.js']);
  return dir;
}

interface Verdict {
  readonly ok: boolean;
  readonly reason: string;
}

function probe(
  cdkVersion: string,
  constructsVersion: string,
  reference: Record<string, ComparedStack>,
  tarball: string,
  local: boolean,
): Verdict {
  const name = `app-${cdkVersion}-${constructsVersion}`;
  try {
    const dir = buildApp(name, cdkVersion, constructsVersion, tarball);
    const diffs = differences(reference as unknown as Json, assemblyOf(dir) as unknown as Json);
    if (diffs.length > 0) return { ok: false, reason: `templates differ (reference ≠ this):\n  ${diffs.join('\n  ')}` };
    if (!local) return { ok: true, reason: 'same templates' };
    try {
      const report = run('npx', ['--no-install', 'finspace-user', 'local', '--no-synth'], dir);
      return { ok: true, reason: `same templates; finspace-user local:\n${report.trim()}` };
    } catch (error) {
      return { ok: false, reason: `finspace-user local: ${outputOf(error)}` };
    }
  } catch (error) {
    if (error instanceof ProbeFailure) return { ok: false, reason: error.message };
    throw error;
  } finally {
    rmSync(join(work, name), { recursive: true, force: true });
  }
}

/** The oldest constructs release this aws-cdk-lib release accepts (its peer range's lower bound). */
function lowestConstructs(cdkVersion: string): string {
  const range = run('npm', ['view', `aws-cdk-lib@${cdkVersion}`, 'peerDependencies.constructs'], work).trim();
  const lowest = /^\^(\d+\.\d+\.\d+)$/.exec(range)?.[1];
  if (!lowest) throw new Error(`aws-cdk-lib ${cdkVersion}: unexpected peer range for constructs: ${range}`);
  return lowest;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      constructs: { type: 'string', default: 'lowest' },
      local: { type: 'boolean', default: false },
      bisect: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0 || (values.bisect && positionals.length !== 2)) {
    console.error('usage: peer-probe.ts [--constructs V] [--local] VERSION... | [--constructs V] --bisect GOOD BAD');
    process.exitCode = 2;
    return;
  }
  const packed = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n');
  const tarball = join(work, packed[packed.length - 1]);
  const pkg = readJson<{ devDependencies: Record<string, string> }>(join(root, 'package.json'));
  const devCdk = pkg.devDependencies['aws-cdk-lib'].replace(/^[\^~]/, '');
  const devConstructs = pkg.devDependencies.constructs.replace(/^[\^~]/, '');
  const referenceDir = buildApp('reference', devCdk, devConstructs, tarball);
  const reference = assemblyOf(referenceDir);
  writeFileSync(join(work, 'reference.json'), JSON.stringify(reference, null, 2));
  rmSync(referenceDir, { recursive: true, force: true });
  console.log(`reference: aws-cdk-lib ${devCdk}, constructs ${devConstructs}`);

  const report = (version: string): boolean => {
    const constructsVersion = values.constructs === 'lowest' ? lowestConstructs(version) : values.constructs;
    const verdict = probe(version, constructsVersion, reference, tarball, values.local);
    console.log(
      `aws-cdk-lib ${version} + constructs ${constructsVersion}: ${verdict.ok ? 'OK' : 'FAILS'} — ${verdict.reason}`,
    );
    return verdict.ok;
  };
  if (!values.bisect) {
    const results = positionals.map(report);
    process.exitCode = results.every(Boolean) ? 0 : 1;
    return;
  }
  // Assumes that a release works when the one before it does; spot-check releases in between.
  const releases = (JSON.parse(run('npm', ['view', 'aws-cdk-lib', 'versions', '--json'], work)) as string[]).filter(
    (version) => /^2\.\d+\.\d+$/.test(version),
  );
  let good = releases.indexOf(positionals[0]);
  let bad = releases.indexOf(positionals[1]);
  if (good < 0 || bad < 0 || bad >= good) throw new Error('--bisect GOOD BAD: two 2.x releases, BAD the older');
  while (good - bad > 1) {
    const middle = Math.floor((good + bad) / 2);
    if (report(releases[middle])) good = middle;
    else bad = middle;
  }
  console.log(`oldest good: ${releases[good]} (the release before it, ${releases[bad]}, fails)`);
}

try {
  main();
} finally {
  if (!process.env.KEEP_PROBE) rmSync(work, { recursive: true, force: true });
}
