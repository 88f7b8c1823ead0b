// The shipped handler bundle, run as Lambda would run it, against the local
// endpoint: it acts only on its own stack's events (issue 10, item 3), names
// its stack in the admin role's sessions and sends the declared external id
// (item 4), and keeps its failure reasons short, naming its log group (item 6).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { LOG_GROUP_ENV, STACK_ID_ENV } from '../lambda/consts';
import { MAX_REASON_BYTES } from '../lambda/failure-reason';
import { type Emulator, startEmulator } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { demoState } from './support/demo-state';
import { provisionSnapshotTable, snapshotTableEnv } from './support/snapshot-table';
import { ADMIN_ROLE, createEvent, properties, STACK_ID } from './support/events';

const HANDLER = join(__dirname, '..', 'dist', 'handler', 'index.js');
const LOG_GROUP = 'FinspaceUsers-FinspaceUserProviderHandlerLogsB1E6A2F0-abcdef';

interface Outcome {
  readonly result?: { PhysicalResourceId: string };
  readonly error?: { message: string; stack: string };
  readonly logs: string;
}

/** Runs the bundled handler on `event` in a fresh Node process, as a Lambda instance would. */
function runHandler(event: unknown, env: Record<string, string | undefined>): Promise<Outcome> {
  const script = `require(${JSON.stringify(HANDLER)}).handler(JSON.parse(process.argv[1])).then(
    (r) => process.stdout.write('OUTCOME ' + JSON.stringify({ result: r }) + '\\n'),
    (e) => process.stdout.write('OUTCOME ' + JSON.stringify({ error: { message: e.message, stack: e.stack } }) + '\\n'));`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', script, JSON.stringify(event)],
      { env: { PATH: process.env.PATH, ...env } },
      (_e, stdout, stderr) => {
        const line = stdout.split('\n').find((l) => l.startsWith('OUTCOME ')) ?? 'OUTCOME {}';
        const logs =
          stdout
            .split('\n')
            .filter((l) => !l.startsWith('OUTCOME '))
            .join('\n') + stderr;
        resolve({ ...(JSON.parse(line.slice('OUTCOME '.length)) as Outcome), logs });
      },
    );
  });
}

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ seed: demoState });
  await provisionSnapshotTable(emulator.url);
  emulator.calls.length = 0;
});
afterEach(() => emulator.close());

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
  test("its own stack's event is served (the control)", async () => {
    const outcome = await runHandler(createEvent(), lambdaEnv());
    expect(outcome.result?.PhysicalResourceId).toBe('demoenvironment0000000001/u-quant-analyst');
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
      'an unknown request type',
      { RequestType: '__proto__' },
      /RequestType "__proto__" is not Create, Update or Delete/,
    ],
  ])('%s: refused before any STS or FinSpace call', async (_what, overrides, reason) => {
    const outcome = await runHandler({ ...createEvent(), ...overrides }, lambdaEnv());
    expect(outcome.error?.message).toMatch(reason);
    expect(emulator.calls).toEqual([]);
    expect(emulator.state.environments.demoenvironment0000000001['u-quant-analyst'].lastName).toBe('Byron');
  });

  test('a handler whose environment names no stack refuses everything', async () => {
    const outcome = await runHandler(createEvent(), { ...lambdaEnv(), [STACK_ID_ENV]: undefined });
    expect(outcome.error?.message).toMatch(/does not name its stack \(FINSPACE_USER_STACK_ID\)/);
    expect(emulator.calls).toEqual([]);
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
    expect(without.error?.message).toMatch(
      /^AssumeRole arn:aws:iam::123456789012:role\/FinSpaceUserAdmin: AccessDenied/,
    );
    const withIt = await runHandler(createEvent(properties({ ExternalId: 'finspace-tenant-42' })), lambdaEnv());
    expect(withIt.result).toBeDefined();
    // not a secret to AWS, but kept out of the logs
    expect(without.logs + withIt.logs).not.toContain('finspace-tenant-42');
  });
});

describe('failure reasons', () => {
  test('a 2,048-character ARN echoed twice is capped to 1 KB, on one line, naming the handler log group', async () => {
    const longRole = `arn:aws:iam::123456789012:role/${'r'.repeat(2048 - 31)}`;
    expect(longRole).toHaveLength(2048);
    const outcome = await runHandler(createEvent(properties({ AdminRoleArn: longRole })), lambdaEnv());
    const { message, stack } = outcome.error!;
    expect(message).toMatch(/^AssumeRole arn:aws:iam::123456789012:role\/rrr/);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(message.endsWith(`... (handler log group: ${LOG_GROUP})`)).toBe(true);
    // the provider framework appends the stack's lines after the first to the reason: there are none
    expect(stack.split('\n')).toHaveLength(1);
  });
});
