// A failed deploy leaves FinSpace as it was: the lifecycle's rollback logic
// against the fake network, which keeps users, a stack status and a snapshot table.
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { SNAPSHOT_TTL_SECONDS } from '../lambda/consts';
import { ROLLBACK_STATUSES } from '../lambda/rollback';
import { snapshotKey } from '../lambda/snapshot-store';
import { credentialsFetcher, type LifecycleEvent, onEvent, type Outcome } from '../lambda/user-lifecycle';
import { parseResourceProperties } from '../lambda/resource-properties';
import { createEvent, deleteEvent, ENVIRONMENT, properties, STACK_ID, updateEvent } from './support/events';
import { FakeOutbound, serviceError } from './support/fake-outbound';

const PHYSICAL_ID = `${ENVIRONMENT}/u-quant-analyst`;
const PIPELINE = 'arn:aws:iam::123456789012:role/DataPipeline';

/** The user as someone set it up by hand, before any deploy. */
const BEFORE = {
  userId: 'u-quant-analyst',
  status: 'ENABLED',
  type: 'APP_USER',
  firstName: 'Ada',
  lastName: 'Byron',
  apiAccess: 'DISABLED',
  emailAddress: 'ada@example.com',
} as const;

function setup() {
  let clock = Date.UTC(2026, 5, 1);
  const outbound = new FakeOutbound();
  outbound.users.set(BEFORE.userId, { ...BEFORE });
  const credentials = new FinspaceCredentialsCache(credentialsFetcher(outbound));
  const outcomes: Outcome[] = [];
  const run = (event: LifecycleEvent) =>
    onEvent(event, { outbound, credentials, report: (o) => outcomes.push(o), now: () => clock });
  const advance = (ms: number) => (clock += ms);
  /** CloudFormation's stack status while the next events run. */
  const stack = (status: string) => (outbound.stackStatusNow = status);
  const live = () => outbound.user(BEFORE.userId);
  return { outbound, run, outcomes, advance, stack, live };
}

// The last deployed declaration manages the type and the names only.
const PREVIOUS = properties({ ApiAccess: undefined, FirstName: 'Ada', LastName: 'Lovelace' });
// The failed deploy makes the user a superuser with API access for a pipeline role, and renames it.
const FAILED = properties({
  Type: 'SUPER_USER',
  FirstName: 'Augusta',
  LastName: 'King',
  ApiAccess: 'ENABLED',
  ApiAccessPrincipalArn: PIPELINE,
});

const fieldsOf = (user: object) => {
  const { type, firstName, lastName, apiAccess, apiAccessPrincipalArn, status } = user as Record<string, unknown>;
  return { type, firstName, lastName, apiAccess, apiAccessPrincipalArn, status };
};

describe('a rollback Update', () => {
  test('puts back every field the failed Update wrote, also one the previous declaration left out', async () => {
    const { outbound, run, outcomes, stack, live } = setup();
    stack('CREATE_IN_PROGRESS');
    await run(createEvent(PREVIOUS));
    stack('UPDATE_IN_PROGRESS');
    const deployed = fieldsOf(live());
    expect(deployed).toMatchObject({ lastName: 'Lovelace', apiAccess: 'DISABLED' });

    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    expect(fieldsOf(live())).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED', lastName: 'King' });

    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    // apiAccess was not declared before the failed deploy: it goes back all the same. The principal, which
    // FinSpace cannot unset, stays, and is inert while API access is DISABLED.
    expect(fieldsOf(live())).toEqual({ ...deployed, apiAccessPrincipalArn: PIPELINE });
    expect(outcomes).toEqual(['updated', 'updated', 'restored']);
    // used, then gone; the snapshot of the deploy before went with the failed deploy's first write
    expect(outbound.snapshots.size).toBe(0);
  });

  test('without a snapshot writes the previous declaration again (the behaviour before snapshots)', async () => {
    const { outbound, run, outcomes, stack, live } = setup();
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    outbound.users.set(BEFORE.userId, { ...BEFORE, lastName: 'King' });
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, { ...PREVIOUS, LastName: 'King' }));
    expect(outcomes).toEqual(['reapplied']);
    expect(live().lastName).toBe('Lovelace');
  });

  test('with an expired snapshot behaves as without one', async () => {
    const { run, outcomes, stack, advance, live } = setup();
    stack('UPDATE_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    advance(SNAPSHOT_TTL_SECONDS * 1000);
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    expect(outcomes).toEqual(['updated', 'reapplied']);
    expect(live()).toMatchObject({ type: 'APP_USER', lastName: 'Lovelace', apiAccess: 'ENABLED' });
  });
});

describe('a rollback Delete of a Create that adopted the user', () => {
  test.each(['retain', 'destroy'])('with %s puts the user back as it was, enabled as it was', async (removalPolicy) => {
    const { outbound, run, outcomes, stack, live } = setup();
    const adopted = { ...FAILED, RemovalPolicy: removalPolicy };
    stack('ROLLBACK_IN_PROGRESS');
    await run(createEvent(adopted));
    expect(live()).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED' });
    await run(deleteEvent(PHYSICAL_ID, adopted));
    expect(fieldsOf(live())).toEqual({ ...fieldsOf(BEFORE), apiAccessPrincipalArn: PIPELINE });
    expect(outbound.writes().map((w) => w.operation)).toEqual(['updateUser', 'updateUser']);
    expect(outcomes).toEqual(['updated', 'restored']);
  });

  test('of a user that was disabled before leaves it disabled', async () => {
    const { outbound, run, stack, live } = setup();
    outbound.users.set(BEFORE.userId, { ...BEFORE, status: 'DISABLED' });
    await run(createEvent(properties({ RemovalPolicy: 'destroy', LastName: 'Lovelace' })));
    stack('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy', LastName: 'Lovelace' })));
    expect(fieldsOf(live())).toEqual(fieldsOf({ ...BEFORE, status: 'DISABLED' }));
  });

  test('without a snapshot changes nothing, even with DESTROY', async () => {
    const { outbound, run, outcomes, stack } = setup();
    stack('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' })));
    expect(outbound.writes()).toEqual([]);
    expect(outcomes).toEqual(['no-snapshot']);
  });
});

describe('deliberate changes are unchanged', () => {
  test('a field no longer declared stays as FinSpace has it', async () => {
    const { outbound, run, stack, live } = setup();
    stack('UPDATE_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    // the next deploy goes back to the earlier declaration on purpose
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    expect(live()).toMatchObject({ type: 'APP_USER', lastName: 'Lovelace', apiAccess: 'ENABLED' });
    // and the snapshot of the deploy before is gone with it
    expect(outbound.snapshots.size).toBe(1);
    expect([...outbound.snapshots.keys()]).toEqual([key(PREVIOUS)]);
  });

  test.each([
    ['retain', 'ENABLED'],
    ['destroy', 'DISABLED'],
  ])('removing a %s user: its status is %s afterwards, its fields as deployed', async (removalPolicy, status) => {
    const { run, stack, live } = setup();
    const declared = { ...FAILED, RemovalPolicy: removalPolicy };
    await run(createEvent(declared));
    stack('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(deleteEvent(PHYSICAL_ID, declared));
    expect(live()).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED', lastName: 'King' });
    expect(live().status).toBe(status);
  });

  test.each(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'DELETE_IN_PROGRESS'])(
    '%s is not a rollback',
    (status) => expect(ROLLBACK_STATUSES.has(status)).toBe(false),
  );
});

const key = (props: Record<string, unknown>) => {
  const parsed = parseResourceProperties(props);
  if (!parsed.ok) throw new Error('invalid');
  return snapshotKey(STACK_ID, 'QuantAnalyst12EC49D4', parsed.declaration);
};

describe('snapshots', () => {
  test('are taken before the first write, keyed by the properties applied, and expire', async () => {
    const { outbound, run } = setup();
    await run(createEvent(FAILED));
    expect(outbound.calls.map((c) => c.operation).slice(-4)).toEqual([
      'getUser',
      'putSnapshot',
      'putClaim',
      'updateUser',
    ]);
    const snapshot = outbound.snapshots.get(key(FAILED));
    expect(snapshot?.user).toEqual({
      userId: 'u-quant-analyst',
      type: 'APP_USER',
      firstName: 'Ada',
      lastName: 'Byron',
      apiAccess: 'DISABLED',
      apiAccessPrincipalArn: undefined,
    });
    expect(snapshot?.expiresAt).toBe(Date.UTC(2026, 5, 1) / 1000 + SNAPSHOT_TTL_SECONDS);
  });

  test('a redelivered event keeps the snapshot it took the first time', async () => {
    const { outbound, run } = setup();
    const event = createEvent(FAILED);
    await run(event);
    await run(event);
    expect(outbound.snapshots.get(key(FAILED))?.user.lastName).toBe('Byron');
  });

  test('a snapshot that cannot be stored fails the event, and nothing is written', async () => {
    const { outbound, run } = setup();
    outbound.failNext('putSnapshot', serviceError('AccessDeniedException', 'not authorized to PutItem', 400));
    await expect(run(createEvent(FAILED))).rejects.toThrow(
      'PutItem snapshot of u-quant-analyst: AccessDeniedException: not authorized to PutItem',
    );
    expect(outbound.writes()).toEqual([]);
  });

  test('a stack status that cannot be read fails the event, and nothing is written', async () => {
    const { outbound, run } = setup();
    outbound.failNext('stackStatus', serviceError('ValidationError', 'Stack does not exist', 400));
    await expect(run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED))).rejects.toThrow(
      `DescribeStacks ${STACK_ID}: ValidationError: Stack does not exist`,
    );
    expect(outbound.writes()).toEqual([]);
  });
});

test('a principal that cannot be taken back from a user with API access fails the rollback with the reason', async () => {
  const { outbound, run, stack, live } = setup();
  outbound.users.set(BEFORE.userId, { ...BEFORE, apiAccess: 'ENABLED' });
  await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
  stack('UPDATE_ROLLBACK_IN_PROGRESS');
  const rollback = updateEvent(PHYSICAL_ID, PREVIOUS, FAILED);
  await expect(run(rollback)).rejects.toThrow(
    /^Restore u-quant-analyst: apiAccessPrincipalArn: the user had API access and no principal before this deploy/,
  );
  // everything else is back; the snapshot is kept for the retry once someone removed the principal
  expect(live()).toMatchObject({ type: 'APP_USER', lastName: 'Byron', apiAccess: 'ENABLED' });
  outbound.users.set(BEFORE.userId, { ...live(), apiAccessPrincipalArn: undefined });
  await expect(run(rollback)).resolves.toBeDefined();
  expect(outbound.snapshots.size).toBe(0);
});
