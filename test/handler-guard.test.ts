// The shipped handler bundle, run as Lambda would run it, against the local
// endpoint: it acts only on its own stack's events (issue 10, item 3), sends
// its answer to CloudFormation's ResponseURL and nowhere else, names its stack
// in the admin role's sessions and sends the declared external id (item 4),
// and keeps its failure reasons short, naming its log group (item 6).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LOG_GROUP_ENV, STACK_ID_ENV } from '../lambda/consts';
import { MAX_REASON_BYTES } from '../lambda/failure-reason';
import type { CloudFormationEndpoint } from '../local/cloudformation-endpoint';
import type { Emulator } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { closeHandlerEndpoints, runBundledHandler, startHandlerEndpoints } from './support/bundled-handler';
import { snapshotTableEnv } from './support/snapshot-table';
import { ADMIN_ROLE, createEvent, deleteEvent, properties, STACK_ID, updateEvent } from './support/events';

const HANDLER = join(__dirname, '..', 'dist', 'handler', 'index.js');
const LOG_GROUP = 'FinspaceUsers-FinspaceUserProviderHandlerLogsB1E6A2F0-abcdef';

let emulator: Emulator;
let cloudformation: CloudFormationEndpoint;
beforeEach(async () => {
  ({ emulator, cloudformation } = await startHandlerEndpoints());
});
afterEach(() => closeHandlerEndpoints({ emulator, cloudformation }));

const runHandler = (event: object, env: Record<string, string | undefined>) =>
  runBundledHandler(HANDLER, event, env, cloudformation);

const lambdaEnv = (): Record<string, string> => ({
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: emulator.url,
  AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
  AWS_MAX_ATTEMPTS: '2',
  [STACK_ID_ENV]: STACK_ID,
  [LOG_GROUP_ENV]: LOG_GROUP,
  ...snapshotTableEnv,
});

describe('the handler acts only for its own stack', () => {
  test("its own stack's event is served and answered (the control)", async () => {
    const event = createEvent();
    const outcome = await runHandler(event, lambdaEnv());
    expect(outcome.response).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'demoenvironment0000000001/u-quant-analyst',
      StackId: STACK_ID,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: { UserId: 'u-quant-analyst', EnvironmentId: 'demoenvironment0000000001' },
    });
    expect(emulator.calls.map((c) => c.operation)).toContain('UpdateUser');
  });

  test.each([
    [
      'another stack',
      { StackId: STACK_ID.replace('FinspaceUsers', 'Attacker') },
      /StackId .* is not this handler's stack/,
    ],
    ['no StackId', { StackId: undefined }, /StackId "undefined" is not this handler's stack/],
    [
      'another resource type',
      { ResourceType: 'Custom::Other' },
      /ResourceType "Custom::Other" is not Custom::FinspaceUser/,
    ],
    [
      'a __proto__ resource type',
      { ResourceType: '__proto__' },
      /ResourceType "__proto__" is not Custom::FinspaceUser/,
    ],
    [
      'a 5,000-character PhysicalResourceId',
      { RequestType: 'Update', PhysicalResourceId: 'p'.repeat(5000) },
      /PhysicalResourceId must be a string of 1 to 1024 characters/,
    ],
    ['no LogicalResourceId', { LogicalResourceId: undefined }, /LogicalResourceId must be a string of 1 to 255/],
    [
      'an unknown request type',
      { RequestType: '__proto__' },
      /RequestType "__proto__" is not Create, Update or Delete/,
    ],
  ])('%s: refused before any STS or FinSpace call, and answered FAILED', async (_what, overrides, reason) => {
    const outcome = await runHandler({ ...createEvent(), ...overrides }, lambdaEnv());
    expect(outcome.response?.Status).toBe('FAILED');
    // an answer CloudFormation reads: at most 4 KB
    expect(Buffer.byteLength(JSON.stringify(outcome.response))).toBeLessThanOrEqual(4096);
    expect(outcome.response?.Reason).toMatch(reason);
    expect(emulator.calls).toEqual([]);
    expect(emulator.state.environments.demoenvironment0000000001['u-quant-analyst'].lastName).toBe('Byron');
  });

  test('its own stack, a well-formed event, but no deploy in progress: refused before any STS or FinSpace call', async () => {
    // what an invoker who knows the stack's id could send between deploys
    (cloudformation.stacks.get(STACK_ID) as { status: string }).status = 'UPDATE_COMPLETE';
    const outcome = await runHandler(createEvent(properties({ Type: 'SUPER_USER' })), lambdaEnv());
    expect(outcome.response?.Status).toBe('FAILED');
    expect(outcome.response?.Reason).toMatch(/^refused: the stack is UPDATE_COMPLETE, not being deployed/);
    expect(emulator.calls).toEqual([]);
    expect(cloudformation.answered).toEqual(['UPDATE_COMPLETE']);
  });

  test('outside a deploy, no event reaches the snapshot table: not a forged RETAIN Delete, nor any other', async () => {
    // a deploy leaves the user's change record and claim in the table
    const physicalId = 'demoenvironment0000000001/u-quant-analyst';
    const created = await runHandler(createEvent(properties({ LastName: 'Lovelace' })), lambdaEnv());
    expect(created.response?.Status).toBe('SUCCESS');
    const tables = () => JSON.stringify(emulator.state.dynamodb);
    const stored = tables();
    (cloudformation.stacks.get(STACK_ID) as { status: string }).status = 'UPDATE_COMPLETE';
    emulator.calls.length = 0;
    const answers: (string | undefined)[] = [];
    for (const event of [
      deleteEvent(physicalId, properties({ RemovalPolicy: 'retain' })),
      deleteEvent('finspace-user:create-failed', properties({ RemovalPolicy: 'destroy' })),
      deleteEvent('not/one/we/issued', properties()),
      updateEvent(physicalId, properties({ LastName: undefined }), properties({ LastName: 'Lovelace' })),
      // the one event that makes no call at all, anytime: a change FinSpace never sees, either way
      updateEvent(physicalId, properties({ RemovalPolicy: 'destroy' }), properties()),
    ]) {
      const outcome = await runHandler(event, lambdaEnv());
      answers.push(outcome.response?.Reason ?? outcome.response?.Status);
    }
    const refused = expect.stringMatching(/^refused: the stack is UPDATE_COMPLETE, not being deployed/);
    expect(answers).toEqual([refused, refused, refused, refused, 'SUCCESS']);
    expect(emulator.calls).toEqual([]);
    expect(tables()).toBe(stored);
  });

  test('a handler whose environment names no stack refuses everything', async () => {
    const outcome = await runHandler(createEvent(), { ...lambdaEnv(), [STACK_ID_ENV]: undefined });
    expect(outcome.response?.Reason).toMatch(/does not name its stack \(FINSPACE_USER_STACK_ID\)/);
    expect(emulator.calls).toEqual([]);
  });
});

describe('the answer goes to CloudFormation only', () => {
  let elsewhere: Server;
  let received: string[];
  let elsewhereUrl: string;
  let elsewhereStatus: number;
  beforeEach(async () => {
    received = [];
    elsewhereStatus = 200;
    elsewhere = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      res.writeHead(elsewhereStatus);
      res.end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/collect`;
  });
  afterEach(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));

  test.each([
    [
      'a server that is not the CloudFormation endpoint',
      () => elsewhereUrl,
      /not CloudFormation's response bucket in us-east-1 \(http:\/\/127\.0\.0\.1:/,
    ],
    ['a bucket of anyone else', () => 'https://attacker.s3.amazonaws.com/r', /not CloudFormation's response bucket/],
    ['a look-alike host', () => 'https://s3.amazonaws.com.example.net/r', /not CloudFormation's response bucket/],
    ['credentials in the URL', () => 'https://user:pw@bucket.s3.amazonaws.com/r', /carries credentials/],
    ['no ResponseURL', () => undefined, /has no ResponseURL/],
  ])('%s: no call at all, not even the answer', async (_what, url, reason) => {
    const outcome = await runHandler({ ...createEvent(), ResponseURL: url() }, lambdaEnv());
    expect(outcome.response).toBeUndefined();
    expect(received).toEqual([]);
    expect(emulator.calls).toEqual([]);
    expect(outcome.logs).toMatch(reason);
  });

  test('the ResponseURL, a capability, never reaches the log', async () => {
    const outcome = await runHandler(createEvent(properties({ AdminRoleArn: `${ADMIN_ROLE}-missing` })), lambdaEnv());
    expect(outcome.response?.Status).toBe('FAILED');
    expect(outcome.logs).toContain('"outcome":"failed"');
    expect(outcome.logs).not.toContain('/responses/');
  });

  test('an answer refused with a 4xx (an expired URL) is final: logged, and the invocation ends', async () => {
    const unknown = `${cloudformation.url}/responses/never-opened`;
    const outcome = await runHandler({ ...createEvent(), ResponseURL: unknown }, lambdaEnv());
    expect(outcome.error).toBeUndefined();
    expect(outcome.logs).toContain('"outcome":"response-refused","status":403');
    expect(outcome.logs).not.toContain('response-not-sent');
  });

  test('an answer that meets 5xx each time fails the invocation, so that Lambda runs the event again', async () => {
    elsewhereStatus = 503;
    const env = { ...lambdaEnv(), AWS_ENDPOINT_URL_CLOUDFORMATION: new URL(elsewhereUrl).origin };
    const outcome = await runHandler({ ...createEvent(), ResponseURL: elsewhereUrl }, env);
    expect(outcome.error).toBe('the response to CloudFormation was not sent: the response URL answered HTTP 503');
    expect(received.filter((r) => r.startsWith('PUT'))).toHaveLength(4);
    expect(outcome.logs.match(/"outcome":"response-not-sent"/g)).toHaveLength(4);
  });
});

describe('attributable calls', () => {
  test("the admin role's session is named after the stack", async () => {
    await runHandler(createEvent(), lambdaEnv());
    const sessions = Object.values(emulator.state.accessKeys).filter((k) => k.principalArn === ADMIN_ROLE);
    expect(sessions.map((k) => k.sessionName)).toEqual(['finspace-user@FinspaceUsers']);
  });

  test('the declared external id is sent: with it the role is assumed, without it not', async () => {
    emulator.state.roles[ADMIN_ROLE].externalId = 'finspace-tenant-42';
    const without = await runHandler(createEvent(), lambdaEnv());
    expect(without.response?.Reason).toMatch(
      /^AssumeRole arn:aws:iam::123456789012:role\/FinSpaceUserAdmin: AccessDenied/,
    );
    const withIt = await runHandler(createEvent(properties({ ExternalId: 'finspace-tenant-42' })), lambdaEnv());
    expect(withIt.response?.Status).toBe('SUCCESS');
    // not a secret to AWS, but kept out of the logs
    expect(without.logs + withIt.logs).not.toContain('finspace-tenant-42');
  });
});

describe('failure reasons', () => {
  test('a 2,048-character ARN echoed twice is capped to 1 KB, on one line, naming the handler log group', async () => {
    const longRole = `arn:aws:iam::123456789012:role/${'r'.repeat(2048 - 31)}`;
    expect(longRole).toHaveLength(2048);
    const outcome = await runHandler(createEvent(properties({ AdminRoleArn: longRole })), lambdaEnv());
    const message = outcome.response?.Reason ?? '';
    expect(message).toMatch(/^AssumeRole arn:aws:iam::123456789012:role\/rrr/);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(message.endsWith(`... (handler log group: ${LOG_GROUP})`)).toBe(true);
    expect(message).not.toContain('\n');
  });
});
