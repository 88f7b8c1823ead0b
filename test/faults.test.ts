// Deploys through the real bundled handler while the local endpoint injects
// faults. Every event succeeds or fails with a clear reason, FinSpace ends at
// the last successfully deployed declaration, and no log line carries a
// secret or a name.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { FinspaceApiAccess, type FinspaceUserProps, FinspaceUserType } from '../lib';
import { type Emulator, startEmulator } from '../local/emulator';
import type { FaultOptions } from '../local/faults';
import { readStacks } from '../toolkit/cloud-assembly';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { STACK_ID_ENV } from '../lambda/consts';
import { customResourceInvoke } from '../local/custom-resource-invoke';
import { cloudFormationCreatingStack } from './support/bundled-handler';
import { LambdaHost } from '../local/lambda-host';
import { safetyMarginMs } from '../lambda/time-budget';
import { localDeploy, type LocalDeployOptions, type LocalDeployResult } from '../local/local-deploy';
import { resolveProperties } from '../toolkit/resolve-properties';
import { provisionTables, tablePolicyContext } from '../local/provision-tables';
import { demoState } from './support/demo-state';
import { synthUsers } from './support/synth';
import { createEvent, ENVIRONMENT, STACK_ID } from './support/events';

const DECLARED: Record<string, Partial<FinspaceUserProps>> = {
  Analyst: {
    userId: 'u-quant-analyst',
    firstName: 'Adaline',
    lastName: 'Lovelace',
    apiAccess: FinspaceApiAccess.DISABLED,
  },
  Engineer: {
    userId: 'u-data-engineer',
    type: FinspaceUserType.SUPER_USER,
    firstName: 'Gracia',
    lastName: 'Hopperton',
  },
  Contractor: { userId: 'u-contractor', lastName: 'Turingham', removalPolicy: RemovalPolicy.DESTROY },
};
const NAMES = ['Adaline', 'Lovelace', 'Gracia', 'Hopperton', 'Turingham'];

let workDir: string;
let emulator: Emulator;
let clock: number;
let output: string[];
beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-faults-'));
  clock = Date.now();
  emulator = await startEmulator({ now: () => clock, seed: demoState });
  output = [];
});
afterEach(async () => {
  await emulator.close();
  // Everything the handler wrote, and every event and reason: no secret, no name, no e-mail address.
  const logFile = join(workDir, '.finspace-local', 'handler.log');
  const everything = (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + output.join('\n');
  const secrets = Object.values(emulator.state.accessKeys)
    .flatMap((k) => [k.secretAccessKey, k.sessionToken ?? ''])
    .filter(Boolean);
  const emails = Object.values(emulator.state.environments[ENVIRONMENT])
    .map((u) => u.emailAddress ?? '')
    .filter(Boolean);
  for (const forbidden of [...secrets, ...NAMES, ...emails]) expect(everything).not.toContain(forbidden);
  rmSync(workDir, { recursive: true, force: true });
});

async function deploy(
  users: Record<string, Partial<FinspaceUserProps>>,
  faults: FaultOptions = {},
  options: Partial<LocalDeployOptions> = {},
): Promise<LocalDeployResult> {
  const cdkOut = synthUsers(workDir, users);
  emulator.faults.configure(faults);
  const result = await localDeploy({
    projectDir: workDir,
    cdkOut,
    endpoint: emulator.url,
    concurrency: 1,
    readUsers: false,
    ...options,
    onEvent: (event) => {
      output.push(JSON.stringify(event));
      options.onEvent?.(event);
    },
  });
  emulator.faults.configure({});
  // the events and reasons, as printed (the users table shows declared names by design, and is not a log)
  output.push(...result.stacks.map((stack) => JSON.stringify({ ...stack, users: undefined })));
  // a clear reason, never a crash or a Lambda timeout
  const reasons = result.stacks.flatMap((stack) => stack.events.map((e) => e.reason ?? ''));
  expect(reasons.filter((r) => /process exited|Task timed out|undefined/.test(r))).toEqual([]);
  return result;
}

const user = (id: string) => emulator.state.environments[ENVIRONMENT][id];

/** FinSpace holds what `users` declares. */
function expectDeclared(users: Record<string, Partial<FinspaceUserProps>>): void {
  for (const props of Object.values(users)) {
    const declared = Object.fromEntries(
      (['type', 'firstName', 'lastName', 'apiAccess'] as const)
        .filter((k) => props[k] !== undefined)
        .map((k) => [k, props[k]]),
    );
    expect(user(props.userId as string)).toMatchObject(declared);
  }
}

// Every FinSpace call is retried through the faults (a Create reads the user, then writes it): more time than most.
test('FinSpace throttling on half the requests and InternalServerException on a fifth', async () => {
  // seed 2: both kinds of fault early, and no run of eight throttles on one call (whose backoff alone nears the test's timeout)
  const result = await deploy(DECLARED, { throttleProbability: 0.5, errorProbability: 0.2, seed: 2 });
  expect(result.ok).toBe(true);
  expectDeclared(DECLARED);
  const faults = emulator.calls.filter((c) => c.fault).map((c) => c.errorName);
  expect(faults).toEqual(expect.arrayContaining(['ThrottlingException', 'InternalServerException']));
}, 180_000);

test('STS throttling', async () => {
  const result = await deploy(DECLARED, { stsThrottleProbability: 0.6, seed: 5 }, { concurrency: 3 });
  expect(result.ok).toBe(true);
  expect(emulator.calls.filter((c) => c.service === 'sts' && c.errorName === 'Throttling').length).toBeGreaterThan(0);
  expectDeclared(DECLARED);
});

test('connections reset mid-request', async () => {
  const result = await deploy(DECLARED, { resetProbability: 0.3, seed: 2 });
  expect(result.ok).toBe(true);
  expect(emulator.calls.filter((c) => c.fault === 'reset').length).toBeGreaterThan(0);
  expectDeclared(DECLARED);
});

test('latency close to the time budget: the event fails with the reason, before Lambda would kill it, and rolls back', async () => {
  await deploy({ Analyst: DECLARED.Analyst });
  const before = { ...user('u-quant-analyst') };
  // A 3 s Lambda keeps a margin back for answering; the rest is the handler's time budget. Each call
  // answered after 40 % of that budget: two calls fit, the seven of a cold Update (its change record, the credentials, the read, the record
  // before the write) do not, however fast or slow this machine is (a busy one only makes the calls slower).
  const handlerTimeoutSeconds = 3;
  const timeoutMs = handlerTimeoutSeconds * 1000;
  const budgetMs = timeoutMs - safetyMarginMs(timeoutMs);
  const latencyMs = Math.ceil(budgetMs * 0.4);
  const changed = { Analyst: { ...DECLARED.Analyst, firstName: 'Augustina' } };
  const result = await deploy(changed, { latencyMs }, { handlerTimeoutSeconds });
  expect(result.ok).toBe(false);
  expect(result.stacks[0].reason).toMatch(
    /^(AssumeRole|GetProgrammaticAccessCredentials|GetUser|(Get|Put)Item change record of|UpdateUser) \S+: \w+: .*time budget/,
  );
  expect(user('u-quant-analyst')).toMatchObject({ firstName: before.firstName });
  output.push('Augustina'.replace('Augustina', '')); // the declared name may appear nowhere either
});

test('FinSpace credentials that expire between two calls are replaced', async () => {
  let completed = 0;
  const result = await deploy(
    DECLARED,
    {},
    {
      onEvent: (event) => {
        // after the first user, an hour passes at FinSpace: the handler's cached credentials expire
        if (event.status === 'COMPLETE' && ++completed === 1) clock += 61 * 60_000;
      },
    },
  );
  expect(result.ok).toBe(true);
  // the first call with them (the GetUser before UpdateUser) is refused once; the repeat succeeds
  expect(emulator.calls.filter((c) => c.errorName === 'AccessDeniedException').map((c) => c.operation)).toEqual([
    'GetUser',
  ]);
  expect(
    emulator.calls.filter((c) => c.operation === 'GetProgrammaticAccessCredentials' && c.statusCode === 200),
  ).toHaveLength(2);
  expectDeclared(DECLARED);
});

test('a failed update under faults rolls back to the last deployed declaration', async () => {
  await deploy(DECLARED);
  const changed = {
    ...DECLARED,
    Analyst: { ...DECLARED.Analyst, lastName: 'Kingsley' },
    Contractor: { ...DECLARED.Contractor, userId: 'u-ghost' },
  };
  const result = await deploy(changed, { throttleProbability: 0.3, seed: 9 });
  expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  expectDeclared(DECLARED);
  output.push(''); // 'Kingsley' was declared only in the failed change
});

test('a Delete that cannot reach FinSpace fails loudly, and the next deploy retries it', async () => {
  await deploy(DECLARED);
  const { Contractor: _, ...rest } = DECLARED;
  const result = await deploy(rest, { resetProbability: 1 }, { handlerEnvironment: { AWS_MAX_ATTEMPTS: '3' } });
  expect(result.ok).toBe(false);
  expect(result.stacks[0].reason).toMatch(/^AssumeRole \S+: TimeoutError: socket hang up$/);
  expect(user('u-contractor').status).toBe('ENABLED');
  const retry = await deploy(rest);
  expect(retry.ok).toBe(true);
  expect(user('u-contractor').status).toBe('DISABLED');
});

test('a redelivered event applies once', async () => {
  const cdkOut = synthUsers(workDir, { Analyst: DECLARED.Analyst });
  const [stack] = readStacks(cdkOut);
  await provisionTables(emulator.url, stack.tables, tablePolicyContext(stack));
  const cloudformation = await cloudFormationCreatingStack();
  const host = new LambdaHost({
    assetDir: stack.handler!.assetDir,
    timeoutSeconds: 30,
    environment: {
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
      [STACK_ID_ENV]: STACK_ID,
      SNAPSHOT_TABLE_NAME: stack.tables[0].tableName,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
    },
  });
  const event = createEvent(
    resolveProperties(stack.users[0].properties, stack.template, {
      region: 'us-east-1',
      accountId: '123456789012',
      serviceToken: 'arn:local',
    }),
  );
  const invoke = customResourceInvoke(host, cloudformation, 'arn:local');
  try {
    expect((await invoke(event)).Status).toBe('SUCCESS');
    const modified = user('u-quant-analyst').lastModifiedTime;
    clock += 1000;
    // the same RequestId: Lambda running the event again (its retry of an asynchronous invocation)
    expect((await invoke(event)).Status).toBe('SUCCESS');
    expect(user('u-quant-analyst').lastModifiedTime).toBe(modified);
    // the second run finds its change marked applied in its record, and writes nothing again
    const updates = emulator.calls.filter((c) => c.operation === 'UpdateUser');
    expect(updates.map((c) => c.statusCode)).toEqual([200]);
    expect(Object.keys(emulator.state.idempotency)).toHaveLength(1);
  } finally {
    await host.close();
    await cloudformation.close();
  }
});
