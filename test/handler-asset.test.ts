// The bundled handler in cdk.out runs on its own: a plain Node process loads
// it and, handed a CloudFormation Create event, makes the two-step credential
// calls and the signed UpdateUser against the endpoint its environment names.
import { builtinModules } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { FinspaceUsersStack } from '../bin/example-stack';
import { type Emulator, startEmulator } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { readStacks } from '../toolkit/cloud-assembly';
import type { CloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { closeHandlerEndpoints, runBundledHandler, startHandlerEndpoints } from './support/bundled-handler';
import { snapshotTableEnv } from './support/snapshot-table';
import { STACK_ID_ENV } from '../lambda/consts';
import { createEvent, ENVIRONMENT, properties, STACK_ID } from './support/events';

function synth(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'finspace-user-synth-'));
  const app = new App({ outdir });
  new FinspaceUsersStack(app, 'FinspaceUsers');
  app.synth();
  return outdir;
}

let outdir: string;
let emulator: Emulator;
let cloudformation: CloudFormationEndpoint;
beforeAll(() => {
  outdir = synth();
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
beforeEach(async () => {
  ({ emulator, cloudformation } = await startHandlerEndpoints());
});
afterEach(() => closeHandlerEndpoints({ emulator, cloudformation }));

/** Runs the asset's handler on `event` in a fresh Node process. */
const runAsset = (assetDir: string, event: object, env: Record<string, string>) =>
  runBundledHandler(join(assetDir, 'index.js'), event, env, cloudformation);

const lambdaEnv = () => ({
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: emulator.url,
  AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
  AWS_MAX_ATTEMPTS: '3',
  // CloudFormation resolves the stack id into the function's environment
  [STACK_ID_ENV]: STACK_ID,
  ...snapshotTableEnv,
});

test('the asset: a small handler file and the network stack beside it, minified, needing no AWS SDK from the runtime', () => {
  const [stack] = readStacks(outdir);
  const dir = stack.handler!.assetDir;
  expect(readdirSync(dir).sort()).toEqual(['aws-clients.js', 'index.js']);
  const handler = readFileSync(join(dir, 'index.js'), 'utf8');
  const network = readFileSync(join(dir, 'aws-clients.js'), 'utf8');
  // the handler requires the network stack on its first call
  expect(handler).toContain('require("./aws-clients.js")');
  // small: what a cold start parses before the first call needs the SDK (34 KiB with the change records and the
  // phase checks of late events)
  expect(handler.length).toBeLessThan(36_000);
  for (const code of [handler, network]) {
    // minified: long lines (the few line breaks left are inside template literals)
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    // everything it requires is built into Node.js (the asset lives under the temp dir, far from any node_modules)…
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
    // …except the SDK's optional SigV4a signer, which it requires inside try/catch and FinSpace never needs
    const optional = ['@aws-sdk/signature-v4-crt'];
    const besideIt = (name: string) => name.startsWith('./') && readdirSync(dir).includes(name.slice(2));
    const builtin = (name: string) => builtinModules.includes(name.replace(/^node:/, ''));
    expect(required.filter((name) => !builtin(name) && !optional.includes(name) && !besideIt(name))).toEqual([]);
  }
});

test('an event that calls nothing never loads the network stack', async () => {
  const [stack] = readStacks(outdir);
  const props = createEvent().ResourceProperties;
  const noOp = {
    ...createEvent(),
    RequestType: 'Update',
    PhysicalResourceId: `${ENVIRONMENT}/u-quant-analyst`,
    OldResourceProperties: props,
  };
  const run = await runAsset(stack.handler!.assetDir, noOp, lambdaEnv());
  expect(run.logs).toContain('"outcome":"unchanged"');
  expect(run.response?.Status).toBe('SUCCESS');
  expect(run.loaded.some((r) => r.includes('aws-clients'))).toBe(false);
  expect(emulator.calls).toEqual([]);
});

test('a Create event: its change record read, AssumeRole, GetProgrammaticAccessCredentials, GetUser kept in the snapshot table, then UpdateUser signed with FinSpace credentials', async () => {
  const [stack] = readStacks(outdir);
  const result = await runAsset(stack.handler!.assetDir, createEvent(), lambdaEnv());
  expect(result.response).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: 'demoenvironment0000000001/u-quant-analyst',
  });
  expect(emulator.calls.map((c) => [c.operation, c.statusCode])).toEqual([
    ['GetItem', 200], // the resource's change record: has this event been handled?
    ['AssumeRole', 200],
    ['GetProgrammaticAccessCredentials', 200],
    ['GetUser', 200],
    ['PutItem', 200], // the change record: the before-values a rollback writes back
    ['PutItem', 200], // the claim: this resource holds the user
    ['UpdateUser', 200],
    ['PutItem', 200], // the change record, marked applied
  ]);
  expect(emulator.state.environments[ENVIRONMENT]['u-quant-analyst']).toMatchObject({
    firstName: 'Ada',
    lastName: 'Lovelace',
    apiAccess: 'DISABLED',
  });
  // names and secrets stay out of the logs
  expect(result.logs).not.toMatch(/Lovelace|Ada|admin-iam-secret|local-handler-secret/);
});

test('AWS_ENDPOINT_URL_FINSPACE_DATA takes precedence for FinSpace; STS and DynamoDB keep their own endpoint variables', async () => {
  const [stack] = readStacks(outdir);
  const other = await startEmulator({ state: emulator.state });
  const env = {
    ...lambdaEnv(),
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_STS: emulator.url,
    AWS_ENDPOINT_URL_FINSPACE_DATA: other.url,
    AWS_ENDPOINT_URL_DYNAMODB: emulator.url,
  };
  const result = await runAsset(stack.handler!.assetDir, createEvent(), env);
  await other.close();
  expect(result.response?.Status).toBe('SUCCESS');
  expect(emulator.calls.map((c) => c.operation)).toEqual(['GetItem', 'AssumeRole', 'PutItem', 'PutItem', 'PutItem']);
  expect(other.calls.map((c) => c.operation)).toEqual(['GetProgrammaticAccessCredentials', 'GetUser', 'UpdateUser']);
});

test('an invalid event fails naming the field, and nothing reaches the endpoint', async () => {
  const [stack] = readStacks(outdir);
  const result = await runAsset(
    stack.handler!.assetDir,
    createEvent(properties({ FirstName: 'x'.repeat(51) })),
    lambdaEnv(),
  );
  expect(result.response).toMatchObject({
    Status: 'FAILED',
    Reason: 'Invalid FinspaceUser properties: firstName: must be 1 to 50 characters long, is 51',
  });
  expect(emulator.calls).toEqual([]);
});

test('two synths give the same asset hash', () => {
  const second = synth();
  try {
    const hashOf = (dir: string) => readStacks(dir)[0].handler!.assetDir.split('asset.')[1];
    expect(hashOf(second)).toBe(hashOf(outdir));
  } finally {
    rmSync(second, { recursive: true, force: true });
  }
});
