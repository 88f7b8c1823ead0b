// A failed deploy leaves FinSpace as it was, end to end: the bundled
// handler, the local deploy engine (which answers DescribeStacks with its
// rollback statuses) and the local endpoint (FinSpace, STS, and DynamoDB for
// the snapshots, persisted as `npm start` persists them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { FinspaceApiAccess, FinspaceUserType } from '../lib';
import type { EmulatorState, UserRecord } from '../local/emulator-state';
import { loadDeployState } from '../local/deploy-state';
import { localDeploy, type LocalDeployResult } from '../local/local-deploy';
import { STACK_ID_ENV } from '../lambda/consts';
import { claimKey } from '../lambda/user-claim';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { enterStackStatus, type LocalStack } from '../local/cloudformation-endpoint';
import {
  closeHandlerEndpoints,
  type HandlerEndpoints,
  runBundledHandler,
  startHandlerEndpoints,
} from './support/bundled-handler';
import { snapshotTableEnv } from './support/snapshot-table';
import { demoState } from './support/demo-state';
import { ENVIRONMENT, properties, STACK_ID, updateEvent } from './support/events';
import type { UserSpec } from './support/roles';
import { synthUsers } from './support/synth';

jest.setTimeout(120_000);

const PIPELINE = 'arn:aws:iam::123456789012:role/DataPipeline';
/** Every name the demo environment and the declarations below hold: none may reach a log or the store. */
const NAMES = ['Grace', 'Murray', 'Ada', 'Byron', 'Hopper', 'Augusta', 'King', 'Brewster', 'Lovelace'];

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-rollback-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

/** Synthesizes `users` and deploys them as `npm start` does, from the demo environment, one event at a time. */
function deploy(users: Record<string, Partial<UserSpec>>): Promise<LocalDeployResult> {
  const cdkOut = synthUsers(workDir, users);
  return localDeploy({ projectDir: workDir, cdkOut, seed: demoState, concurrency: 1 });
}

const state = () =>
  JSON.parse(readFileSync(join(workDir, '.finspace-local', 'emulator.json'), 'utf8')) as EmulatorState;
/** The FinSpace fields of a user (not its times). */
const fieldsOf = (userId: string) => {
  const { type, firstName, lastName, apiAccess, apiAccessPrincipalArn, status } = state().environments[ENVIRONMENT][
    userId
  ] as UserRecord;
  return { type, firstName, lastName, apiAccess, apiAccessPrincipalArn, status };
};

// The engineer as deployed so far: the type and the last name only.
const ENGINEER: Partial<UserSpec> = { userId: 'u-data-engineer', lastName: 'Hopper' };
// The failed deploy: the engineer made a superuser with API access for a pipeline (apiAccess declared for the
// first time) and renamed; the analyst adopted with new names and DESTROY; then a user that does not exist.
const FAILED: Record<string, Partial<UserSpec>> = {
  Engineer: {
    ...ENGINEER,
    type: FinspaceUserType.SUPER_USER,
    firstName: 'Augusta',
    lastName: 'King',
    apiAccess: FinspaceApiAccess.ENABLED,
    apiAccessPrincipalArn: PIPELINE,
  },
  Analyst: { userId: 'u-quant-analyst', firstName: 'Ada', lastName: 'Brewster', removalPolicy: RemovalPolicy.DESTROY },
  Ghost: { userId: 'uGhostUserNotThere0001' },
};

test('after a failed deploy every user and field it touched is as before: updated, adopted, first declared', async () => {
  expect((await deploy({ Engineer: ENGINEER })).ok).toBe(true);
  const engineerBefore = fieldsOf('u-data-engineer');
  const analystBefore = fieldsOf('u-quant-analyst');
  expect(engineerBefore).toMatchObject({ type: 'APP_USER', lastName: 'Hopper', apiAccess: 'DISABLED' });

  const result = await deploy(FAILED);
  expect(result.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  expect(result.stacks[0].reason).toBe(
    'GetUser uGhostUserNotThere0001: ResourceNotFoundException: User uGhostUserNotThere0001 does not exist',
  );
  expect(
    result.stacks[0].events
      .filter((e) => e.status !== 'IN_PROGRESS')
      .map((e) => `${e.requestType} ${e.phase} ${e.status}`),
  ).toEqual([
    'Update deploy COMPLETE',
    'Create deploy COMPLETE',
    'Create deploy FAILED',
    'Update rollback COMPLETE',
    'Delete rollback COMPLETE',
    'Delete rollback COMPLETE',
  ]);

  // Every field back, apiAccess too though the previous declaration left it out. The principal stays: FinSpace
  // cannot unset one, and with API access DISABLED again it can get no credentials.
  expect(fieldsOf('u-data-engineer')).toEqual({ ...engineerBefore, apiAccessPrincipalArn: PIPELINE });
  // The adopted DESTROY user is back as it was, and not disabled.
  expect(fieldsOf('u-quant-analyst')).toEqual(analystBefore);
  expect(analystBefore.status).toBe('ENABLED');
  // What the table keeps: the change records (each rollback event left its request id in one: the engineer's and
  // the analyst's say they were undone, the ghost's holds nothing, as its Create failed at GetUser before it kept
  // any), and the claims of the engineer (its first deploy) and of the adopted analyst, which no longer count: the
  // analyst's resource is gone from the stack. All of them expire.
  const { stackId } = loadDeployState(join(workDir, '.finspace-local', 'deployments.json')).Users;
  const claims = ['u-data-engineer', 'u-quant-analyst'].map((userId) =>
    JSON.stringify([{ S: claimKey(stackId, { environmentId: ENVIRONMENT, userId }) }]),
  );
  const keys = Object.values(state().dynamodb ?? {}).flatMap((t) => Object.keys(t.items));
  expect(keys).toHaveLength(3 + 2);
  expect(keys).toEqual(expect.arrayContaining(claims));

  // and the handler said what it did, without a name
  const log = readFileSync(join(workDir, '.finspace-local', 'handler.log'), 'utf8');
  expect(log.match(/"outcome":"restored"/g)).toHaveLength(2);
  for (const name of NAMES) {
    expect(log).not.toContain(name);
    expect(JSON.stringify(result.stacks[0].events)).not.toContain(name);
  }
});

test('deliberate changes leave FinSpace as it is; snapshots are sealed at rest', async () => {
  const declared = { Engineer: FAILED.Engineer, Analyst: { ...FAILED.Analyst, removalPolicy: RemovalPolicy.RETAIN } };
  expect((await deploy(declared)).ok).toBe(true);
  const engineer = fieldsOf('u-data-engineer');
  const analyst = fieldsOf('u-quant-analyst');

  // The change records of that deploy are kept (until their time to live, or the resource's next write) in the
  // persisted state: two of them, beside the two users' claims (lambda/user-claim.ts), and not one name in plain text.
  const tables = state().dynamodb ?? {};
  expect(Object.values(tables).flatMap((t) => Object.keys(t.items))).toHaveLength(2 + 2);
  for (const name of NAMES) expect(JSON.stringify(tables)).not.toContain(name);

  // The next deploy stops declaring the engineer's API access and names, and removes the RETAIN analyst.
  const result = await deploy({ Engineer: { ...ENGINEER, type: FinspaceUserType.SUPER_USER } });
  expect(result.ok).toBe(true);
  expect(fieldsOf('u-data-engineer')).toEqual({ ...engineer, lastName: 'Hopper' });
  expect(fieldsOf('u-quant-analyst')).toEqual(analyst);
  // the engineer's record is this deploy's now; the removed analyst's expires with its time to live; the claims too
  expect(Object.values(state().dynamodb ?? {}).flatMap((t) => Object.keys(t.items))).toHaveLength(2 + 2);
});

describe('the shipped handler, one event at a time, while its stack rolls back', () => {
  const HANDLER = join(__dirname, '..', 'dist', 'handler', 'index.js');
  const PHYSICAL_ID = `${ENVIRONMENT}/u-quant-analyst`;
  let endpoints: HandlerEndpoints;
  beforeEach(async () => {
    endpoints = await startHandlerEndpoints();
  });
  afterEach(() => closeHandlerEndpoints(endpoints));

  /** The stack enters `status` (at `at`, or now), as CloudFormation records it. */
  const stackIs = (status: string, at?: number) =>
    enterStackStatus(
      endpoints.cloudformation.stacks.get(STACK_ID) as LocalStack,
      status,
      at ? new Date(at) : undefined,
    );
  /** One event, sent by CloudFormation at `sentAt` (its ResponseURL's signing time), or now. */
  const run = (event: object, sentAt?: number) =>
    runBundledHandler(
      HANDLER,
      event,
      {
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: endpoints.emulator.url,
        AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
        AWS_MAX_ATTEMPTS: '2',
        [STACK_ID_ENV]: STACK_ID,
        ...snapshotTableEnv,
      },
      endpoints.cloudformation,
      sentAt === undefined ? undefined : new Date(sentAt),
    );
  const analyst = () => endpoints.emulator.state.environments[ENVIRONMENT]['u-quant-analyst'];
  const DEPLOYED = properties({ FirstName: undefined, LastName: undefined });
  const FAILED_UPDATE = properties({ FirstName: undefined, LastName: 'Lovelace', Type: 'SUPER_USER' });

  test('a rollback event that Lambda runs again is answered SUCCESS again, with the same effect', async () => {
    stackIs('UPDATE_IN_PROGRESS');
    expect((await run(updateEvent(PHYSICAL_ID, FAILED_UPDATE, DEPLOYED))).response?.Status).toBe('SUCCESS');
    stackIs('UPDATE_ROLLBACK_IN_PROGRESS');
    const rollback = updateEvent(PHYSICAL_ID, DEPLOYED, FAILED_UPDATE);
    const first = await run(rollback);
    const again = await run(rollback);
    expect([first.response?.Status, again.response?.Status]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(analyst()).toMatchObject({ type: 'APP_USER', lastName: 'Byron' });
  });

  test('the failed Update, run again by Lambda during the rollback, writes nothing: the user stays as before', async () => {
    stackIs('UPDATE_IN_PROGRESS');
    const failed = updateEvent(PHYSICAL_ID, FAILED_UPDATE, DEPLOYED);
    await run(failed);
    stackIs('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, DEPLOYED, FAILED_UPDATE));
    const late = await run(failed);
    expect(late.response?.Status).toBe('SUCCESS');
    expect(late.logs).toContain('"outcome":"no-snapshot"');
    expect(analyst()).toMatchObject({ type: 'APP_USER', lastName: 'Byron' });
    for (const name of NAMES) expect(late.logs).not.toContain(name);
  });

  // Events of an earlier phase, run late (Lambda's retries, a queued invocation, within its maximum event age): the
  // ResponseURL's X-Amz-Date against DescribeStacks' LastUpdatedTime and the rollback's DescribeStackEvents.
  const MINUTE = 60_000;

  test('a forward Update of a failed deploy delivered late into the next deploy writes nothing, and fails', async () => {
    const start = Date.now() - 20 * MINUTE;
    stackIs('UPDATE_IN_PROGRESS', start); // D2
    const e2 = updateEvent(PHYSICAL_ID, FAILED_UPDATE, DEPLOYED);
    stackIs('UPDATE_ROLLBACK_IN_PROGRESS', start + MINUTE);
    // its rollback finds nothing kept (E2 had not run), and succeeds
    const rollback = await run(updateEvent(PHYSICAL_ID, DEPLOYED, FAILED_UPDATE), start + MINUTE + 1_000);
    expect(rollback.logs).toContain('"outcome":"no-snapshot"');
    stackIs('UPDATE_ROLLBACK_COMPLETE', start + 2 * MINUTE);
    stackIs('UPDATE_IN_PROGRESS', start + 15 * MINUTE); // D3, which may not touch this user at all
    const late = await run(e2, start + 5_000);
    expect(late.response?.Status).toBe('FAILED');
    expect(late.response?.Reason).toMatch(/before the stack's current phase \(UPDATE_IN_PROGRESS\) began/);
    expect(analyst()).toMatchObject({ type: 'APP_USER', lastName: 'Byron' });
    for (const name of NAMES) expect(late.logs).not.toContain(name);
  });

  test("a forward Update delivered late into its own deploy's rollback, shaped as the rollback of the deploy before, writes nothing", async () => {
    const start = Date.now() - 30 * MINUTE;
    stackIs('UPDATE_IN_PROGRESS', start); // D1 (DEPLOYED to FAILED_UPDATE), reviewed, succeeds
    expect((await run(updateEvent(PHYSICAL_ID, FAILED_UPDATE, DEPLOYED), start + 1_000)).response?.Status).toBe(
      'SUCCESS',
    );
    stackIs('UPDATE_COMPLETE', start + MINUTE);
    stackIs('UPDATE_IN_PROGRESS', start + 10 * MINUTE); // D2 goes back, and fails elsewhere
    const e2 = updateEvent(PHYSICAL_ID, DEPLOYED, FAILED_UPDATE);
    stackIs('UPDATE_ROLLBACK_IN_PROGRESS', start + 10 * MINUTE + 5_000);
    await run(updateEvent(PHYSICAL_ID, FAILED_UPDATE, DEPLOYED), start + 10 * MINUTE + 6_000);
    const late = await run(e2, start + 10 * MINUTE + 1_000);
    expect(late.response?.Status).toBe('SUCCESS');
    expect(late.logs).toContain('"outcome":"late"');
    // D1's change stands: the late event did not take D1's before-values for its own
    expect(analyst()).toMatchObject({ type: 'SUPER_USER', lastName: 'Lovelace' });
  });
});
