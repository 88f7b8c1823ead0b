// Regenerates test/fixtures/upgrade-from-0.1.0.assembly.json.br: the cloud
// assembly that release 0.1.0 (main at 0f13368, aws-cdk-lib 2.276.0 from its
// own lock file) synthesizes for the apps of the upgrade test, with that
// release's own handler bundle. It checks the release out in a temporary git
// worktree, installs its locked dependencies, bundles its handler, synthesizes
// and packs the files the local deploy reads: the manifest, each stack's
// template and asset manifest, and the handler asset (index.js, aws-clients.js).
// Brotli, because the bundle is mostly the AWS SDK. Run from the repository:
//   npx tsx scripts/make-upgrade-fixture.ts
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

export const RELEASE = '0.1.0';
export const RELEASE_COMMIT = '0f1336894b35d7daf7bc34309ca50f48394c5d97';
/** The aws-cdk-lib that 0.1.0's lock file pins, and so the one its templates were synthesized with. */
export const RELEASE_CDK_LIB = '2.276.0';

const root = resolve(__dirname, '..');
export const FIXTURE = join(root, 'test', 'fixtures', 'upgrade-from-0.1.0.assembly.json.br');

/**
 * The app, written against 0.1.0's API and run inside its checkout: the
 * example app of bin/ (admin role managed elsewhere, a DESTROY contractor)
 * and test/support/upgrade-surface.ts's OwnedRolesStack (an admin role and
 * an API principal of the app, a DESTROY user), as `cdk synth` would
 * (construct paths in the metadata, no feature flags: the same as the test
 * synthesizes today's release with).
 */
const APP = `
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceApiAccess, FinspaceUser, FinspaceUserType } from './lib';
import { FinspaceUsersStack } from './bin/example-stack';

class OwnedRolesStack extends Stack {
  constructor(scope: App, id: string) {
    super(scope, id);
    const adminRole = new iam.Role(this, 'FinspaceAdmin', { assumedBy: new iam.AccountRootPrincipal() });
    const pipelineRole = new iam.Role(this, 'DataPipeline', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const environmentId = 'a1b2c3d4e5f6g7h8i9j0k1l2m3';
    new FinspaceUser(this, 'QuantAnalyst', {
      environmentId,
      adminRole,
      userId: 'uFyBGyNbbD8e0QwBr7xDgA',
      type: FinspaceUserType.APP_USER,
      firstName: 'Ada',
      lastName: 'Lovelace',
      apiAccess: FinspaceApiAccess.DISABLED,
    });
    new FinspaceUser(this, 'DataEngineer', {
      environmentId,
      adminRole,
      userId: 'uQ3tRbYh2bT9cKx0mZp1Lw',
      type: FinspaceUserType.SUPER_USER,
      apiAccess: FinspaceApiAccess.ENABLED,
      apiAccessPrincipal: pipelineRole,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

const app = new App({ outdir: process.argv[2], context: { 'aws:cdk:enable-path-metadata': true } });
new FinspaceUsersStack(app, 'FinspaceUsers');
new OwnedRolesStack(app, 'OwnedRoles');
app.synth();
`;

/** What the fixture holds: the release, and each file of its assembly by its path in the assembly. */
export interface ReleaseAssembly {
  readonly release: string;
  readonly commit: string;
  readonly awsCdkLib: string;
  readonly files: Record<string, string>;
}

/** The files the local deploy reads of an assembly (tree.json and the like left out). */
function assemblyFiles(outdir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const add = (path: string) => (files[relative(outdir, path)] = readFileSync(path, 'utf8'));
  for (const name of readdirSync(outdir).sort()) {
    const path = join(outdir, name);
    if (name === 'manifest.json' || name.endsWith('.template.json') || name.endsWith('.assets.json')) add(path);
    else if (name.startsWith('asset.') && statSync(path).isDirectory()) {
      for (const file of readdirSync(path).sort()) add(join(path, file));
    }
  }
  return files;
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'finspace-upgrade-fixture-'));
  const checkout = join(work, 'release');
  const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
  run('git', ['worktree', 'add', '--detach', checkout, RELEASE_COMMIT], root);
  try {
    run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], checkout);
    const cdkLib = JSON.parse(readFileSync(join(checkout, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')) as {
      version: string;
    };
    if (cdkLib.version !== RELEASE_CDK_LIB) {
      throw new Error(`${RELEASE} installs aws-cdk-lib ${cdkLib.version}, expected ${RELEASE_CDK_LIB}`);
    }
    run('npx', ['tsx', 'scripts/build-handler.ts'], checkout);
    writeFileSync(join(checkout, 'upgrade-fixture-app.ts'), APP);
    const outdir = join(work, 'cdk.out');
    run('npx', ['tsx', 'upgrade-fixture-app.ts', outdir], checkout);
    const fixture: ReleaseAssembly = {
      release: RELEASE,
      commit: RELEASE_COMMIT,
      awsCdkLib: cdkLib.version,
      files: assemblyFiles(outdir),
    };
    const packed = brotliCompressSync(JSON.stringify(fixture), {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
    });
    writeFileSync(FIXTURE, packed);
    console.log(`${relative(root, FIXTURE)}: ${packed.length} bytes (${Object.keys(fixture.files).length} files)`);
  } finally {
    run('git', ['worktree', 'remove', '--force', checkout], root);
    rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) main();
