// A failed deploy leaves FinSpace as it was, and nothing but a kept change is
// ever written while the stack rolls back: the lifecycle's rollback logic
// against the fake network, which keeps users, a stack status and a snapshot table.
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { changeKey, decodeChangeRecord } from '../lambda/change-record';
import {
  HANDLER_TIMEOUT_SECONDS,
  MAX_EVENT_AGE_SECONDS,
  OPERATION_ALLOWANCE_SECONDS,
  RECORD_TTL_SECONDS,
  SERVICE_TIMEOUT_SECONDS,
} from '../lambda/consts';
import { ROLLBACK_STATUSES } from '../lambda/rollback';
import type { StoredItem } from '../lambda/outbound';
import { credentialsFetcher, type LifecycleEvent, onEvent, type Outcome } from '../lambda/user-lifecycle';
import { createEvent, deleteEvent, ENVIRONMENT, properties, STACK_ID, updateEvent } from './support/events';
import { FakeOutbound, serviceError } from './support/fake-outbound';

const PHYSICAL_ID = `${ENVIRONMENT}/u-quant-analyst`;
const LOGICAL_ID = 'QuantAnalyst12EC49D4';
const PIPELINE = 'arn:aws:iam::123456789012:role/DataPipeline';
const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';

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
  const reasons: string[] = [];
  const notices: string[] = [];
  const run = (event: LifecycleEvent) =>
    onEvent(event, {
      outbound,
      credentials,
      report: (o, reason) => {
        outcomes.push(o);
        if (reason) reasons.push(reason);
      },
      notice: (n) => notices.push(n),
      now: () => clock,
    });
  const advance = (ms: number) => (clock += ms);
  /** CloudFormation's stack status while the next events run. */
  const stack = (status: string) => (outbound.stackStatusNow = status);
  const live = () => outbound.user(BEFORE.userId);
  const record = () =>
    outbound.items.get(changeKey(STACK_ID, LOGICAL_ID, { environmentId: ENVIRONMENT, userId: BEFORE.userId }));
  return { outbound, run, outcomes, reasons, notices, advance, stack, live, record, now: () => clock };
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
    const { run, outcomes, stack, live, record, now } = setup();
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
    // the record says it was undone (a redelivery of the forward event will not write again)
    const kept = decodeChangeRecord(record() as StoredItem, record()?.key as string, now());
    expect(kept.ok && kept.record.change?.state).toBe('restored');
  });

  test('that finds no kept change writes nothing, succeeds, and says why', async () => {
    const { outbound, run, outcomes, reasons, stack, live } = setup();
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    outbound.users.set(BEFORE.userId, { ...BEFORE, lastName: 'King' });
    await expect(run(updateEvent(PHYSICAL_ID, PREVIOUS, { ...PREVIOUS, LastName: 'King' }))).resolves.toBeDefined();
    // The declaration it goes back to is not written either: a late forward event looks the same.
    expect(outbound.writes()).toEqual([]);
    expect(live().lastName).toBe('King');
    expect(outcomes).toEqual(['no-snapshot']);
    expect(reasons).toEqual([expect.stringMatching(/^no change of this resource to this user is kept/)]);
  });

  test('after the kept change expired writes nothing', async () => {
    const { outbound, run, outcomes, stack, advance, live } = setup();
    stack('UPDATE_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    advance(RECORD_TTL_SECONDS * 1000);
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    expect(outcomes).toEqual(['updated', 'no-snapshot']);
    expect(outbound.writes()).toHaveLength(1);
    expect(live()).toMatchObject({ type: 'SUPER_USER', lastName: 'King' });
  });

  test('run again by Lambda (the same RequestId) writes the same body with the same client token', async () => {
    const { outbound, run, outcomes, stack, live } = setup();
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    const rollback = updateEvent(PHYSICAL_ID, PREVIOUS, FAILED);
    await run(rollback);
    await run(rollback);
    const [, first, second] = outbound.writes();
    // what FinSpace applies once (a changed body under the same token is a ConflictException)
    expect(second.input).toEqual(first.input);
    expect(outcomes).toEqual(['updated', 'restored', 'restored']);
    expect(fieldsOf(live())).toEqual({ ...fieldsOf(BEFORE), apiAccessPrincipalArn: PIPELINE });
  });
});

describe('while the stack rolls back, a late forward event writes nothing of its own', () => {
  test('a redelivery of the failed Update, after its rollback', async () => {
    const { outbound, run, outcomes, stack, live } = setup();
    const failed = updateEvent(PHYSICAL_ID, FAILED, PREVIOUS);
    await run(failed);
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    await run(failed);
    expect(outbound.writes()).toHaveLength(2);
    expect(live()).toMatchObject({ type: 'APP_USER', lastName: 'Byron', apiAccess: 'DISABLED' });
    expect(outcomes).toEqual(['updated', 'restored', 'no-snapshot']);
  });

  test('a redelivery of a change back to an earlier declaration (X to Y, then Y to X): no kept change matches it', async () => {
    const { outbound, run, stack, live } = setup();
    const X = PREVIOUS;
    const Y = FAILED;
    await run(updateEvent(PHYSICAL_ID, Y, X)); // an earlier deploy: X to Y, done
    const yState = fieldsOf(live());
    const backToX = updateEvent(PHYSICAL_ID, X, Y); // this deploy: Y to X, which then fails elsewhere
    await run(backToX);
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, Y, X)); // its rollback: X back to Y
    await run(backToX); // and Lambda runs the forward event again
    expect(fieldsOf(live())).toEqual(yState);
    // the earlier deploy's forward event run again as well: it can only write back what the rollback restores
    await run(updateEvent(PHYSICAL_ID, Y, X));
    expect(fieldsOf(live())).toEqual(yState);
    expect(outbound.writes().filter((w) => (w.input as { lastName?: string }).lastName === 'Lovelace')).toHaveLength(1);
  });

  test('a Create', async () => {
    const { outbound, run, outcomes, reasons, stack } = setup();
    stack('ROLLBACK_IN_PROGRESS');
    await run(createEvent(FAILED));
    expect(outbound.writes()).toEqual([]);
    expect(outcomes).toEqual(['late']);
    expect(reasons[0]).toMatch(/sends no Create while the stack is ROLLBACK_IN_PROGRESS, so this is a late run/);
  });

  test('an Update still running when CloudFormation cancels it and rolls back: its write is undone', async () => {
    const { outbound, run, stack, live } = setup();
    const rollback = updateEvent(PHYSICAL_ID, PREVIOUS, FAILED);
    // CloudFormation does not wait for an event that has not answered: the rollback runs before its write lands
    outbound.before('updateUser', async () => {
      stack('UPDATE_ROLLBACK_IN_PROGRESS');
      await run(rollback);
    });
    await expect(run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS))).rejects.toThrow(
      'UpdateUser u-quant-analyst: the stack began rolling back while this event ran; its write was undone',
    );
    expect(fieldsOf(live())).toEqual({ ...fieldsOf(BEFORE), apiAccessPrincipalArn: PIPELINE });
  });

  test('an Update whose rollback ran before it stored its record: it writes nothing', async () => {
    const { outbound, run, outcomes, stack, live } = setup();
    outbound.before('putItem', async () => {
      stack('UPDATE_ROLLBACK_IN_PROGRESS');
      await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    });
    await expect(run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS))).rejects.toThrow(
      /the change record of this resource changed while this event ran .* nothing was written$/,
    );
    expect(outbound.writes()).toEqual([]);
    expect(fieldsOf(live())).toEqual(fieldsOf(BEFORE));
    expect(outcomes).toEqual(['no-snapshot']);
  });
});

describe('a rollback Delete of a Create that adopted the user', () => {
  test.each(['retain', 'destroy'])('with %s puts the user back as it was, enabled as it was', async (removalPolicy) => {
    const { outbound, run, outcomes, stack, live } = setup();
    const adopted = { ...FAILED, RemovalPolicy: removalPolicy };
    stack('CREATE_IN_PROGRESS');
    await run(createEvent(adopted));
    expect(live()).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED' });
    stack('ROLLBACK_IN_PROGRESS');
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

  test('without a kept change changes nothing, even with DESTROY', async () => {
    const { outbound, run, outcomes, stack } = setup();
    stack('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' })));
    expect(outbound.writes()).toEqual([]);
    expect(outcomes).toEqual(['no-snapshot']);
  });

  test('of a Create that failed after its write reached FinSpace: the write is undone', async () => {
    const { outbound, run, stack, live } = setup();
    // FinSpace applied the write, but its answer was lost: the Create fails
    outbound.before('updateUser', async () => {
      outbound.users.set(BEFORE.userId, { ...live(), lastName: 'King' });
      throw serviceError('InternalServerException', 'connection reset', 500);
    });
    await expect(run(createEvent(properties({ LastName: 'King' })))).rejects.toThrow(/UpdateUser/);
    stack('ROLLBACK_IN_PROGRESS');
    await run(deleteEvent('finspace-user:create-failed', properties({ LastName: 'King' })));
    expect(live().lastName).toBe('Byron');
  });

  test('an Update (in place) is not undone by a Delete: it made no resource', async () => {
    const { outbound, run, outcomes, stack } = setup();
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    stack('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(deleteEvent(PHYSICAL_ID, FAILED));
    expect(outbound.writes()).toHaveLength(1);
    expect(outcomes).toEqual(['updated', 'no-snapshot']);
  });
});

describe('deliberate changes are unchanged', () => {
  test('a field no longer declared stays as FinSpace has it', async () => {
    const { run, live } = setup();
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    // the next deploy goes back to the earlier declaration on purpose
    await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
    expect(live()).toMatchObject({ type: 'APP_USER', lastName: 'Lovelace', apiAccess: 'ENABLED' });
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

describe('what is kept, and for how long', () => {
  test('before the first write, under the stack, resource and user; the record is marked applied after it', async () => {
    const { outbound, run } = setup();
    await run(createEvent(FAILED));
    expect(outbound.calls.map((c) => c.operation).slice(1)).toEqual([
      'getItem',
      'assumeRole',
      'getProgrammaticAccessCredentials',
      'getUser',
      'putItem', // the change record
      'putItem', // the claim
      'updateUser',
      'putItem', // the change record, applied
    ]);
  });

  test('only the fields the declaration declares and the write alters: an undeclared name is never stored', async () => {
    const { outbound, run, record, now } = setup();
    // names undeclared, the type changed: the user's names stay in FinSpace only
    await run(createEvent(properties({ Type: 'SUPER_USER', FirstName: undefined, LastName: undefined })));
    const stored = decodeChangeRecord(record() as StoredItem, record()?.key as string, now());
    expect(stored.ok && stored.record.change?.before).toEqual({ type: 'APP_USER' });
    // declared, but as FinSpace has it: nothing to write back, nothing kept
    await run(createEvent(properties({ Type: 'SUPER_USER', FirstName: 'Ada', LastName: 'Byron' })));
    expect(JSON.stringify([...outbound.items.values()])).not.toMatch(/Ada|Byron|Grace|Murray/);
  });

  test('a new name is kept only while a rollback can need it', async () => {
    const { run, record, now } = setup();
    await run(createEvent(properties({ LastName: 'Lovelace' })));
    const stored = decodeChangeRecord(record() as StoredItem, record()?.key as string, now());
    expect(stored.ok && stored.record.change?.before).toEqual({ lastName: 'Byron' });
    expect(Number(record()?.expiresAt)).toBe(now() / 1000 + RECORD_TTL_SECONDS);
  });

  test('the time to live: a late run of the forward event, the rest of the operation, late runs of its rollback', () => {
    const window = MAX_EVENT_AGE_SECONDS + HANDLER_TIMEOUT_SECONDS;
    expect(RECORD_TTL_SECONDS).toBe(window + OPERATION_ALLOWANCE_SECONDS + window);
    // CloudFormation still waits for an event while any run of it can act
    expect(SERVICE_TIMEOUT_SECONDS).toBeGreaterThan(window);
    // the longest wait a template can ask of CloudFormation (a CreationPolicy, a WaitCondition) fits in the allowance,
    // and a name is kept no longer than that and the two windows
    expect(OPERATION_ALLOWANCE_SECONDS).toBe(12 * 60 * 60);
    expect(RECORD_TTL_SECONDS).toBe(12 * 60 * 60 + 22 * 60);
  });

  test('a redelivered forward event writes again with the record it took the first time', async () => {
    const { outbound, run, record } = setup();
    const event = createEvent(FAILED);
    await run(event);
    const first = record();
    await run(event);
    expect(record()).toEqual(first);
    expect(outbound.writes()).toHaveLength(1);
  });

  describe('two runs of one forward event at once (Lambda delivers at least once): both succeed', () => {
    test('the other run wrote first: this one finds its record applied, and writes nothing again', async () => {
      const { outbound, run, record } = setup();
      const event = updateEvent(PHYSICAL_ID, FAILED, PREVIOUS);
      // the duplicate, in another instance, runs to its end between this run's read and its store
      outbound.before('putItem', async () => {
        await run(event);
      });
      await expect(run(event)).resolves.toBeDefined();
      expect(outbound.writes()).toHaveLength(1);
      expect(record()?.state).toBe('applied');
    });

    test('the other run failed after storing its record: this one goes on as its redelivery', async () => {
      const { outbound, run, record, live } = setup();
      const event = updateEvent(PHYSICAL_ID, FAILED, PREVIOUS);
      outbound.before('putItem', async () => {
        outbound.failNext('updateUser', serviceError('InternalServerException', 'try again', 500));
        await expect(run(event)).rejects.toThrow(/InternalServerException/);
      });
      await expect(run(event)).resolves.toBeDefined();
      // the same body with the same client token: FinSpace applies it once
      const [failed, written] = outbound.calls.filter((c) => c.operation === 'updateUser').map((c) => c.input);
      expect(written).toEqual(failed);
      expect(record()?.state).toBe('applied');
      expect(fieldsOf(live())).toMatchObject({ type: 'SUPER_USER', lastName: 'King' });
    });
  });

  test('a record that cannot be stored fails the event, and nothing is written', async () => {
    const { outbound, run } = setup();
    outbound.before('putItem', async () => {
      throw serviceError('AccessDeniedException', 'not authorized to PutItem', 400);
    });
    await expect(run(createEvent(FAILED))).rejects.toThrow(
      'PutItem change record of u-quant-analyst: AccessDeniedException: not authorized to PutItem',
    );
    expect(outbound.writes()).toEqual([]);
  });

  test('a stack status that cannot be read fails the event, and nothing is written', async () => {
    const { outbound, run } = setup();
    outbound.failNext('describeStack', serviceError('ValidationError', 'Stack does not exist', 400));
    await expect(run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED))).rejects.toThrow(
      `DescribeStacks ${STACK_ID}: ValidationError: Stack does not exist`,
    );
    expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
  });
});

describe('a stored record is an input: one that breaks a rule is absent, and writes nothing', () => {
  const tamper = (
    item: StoredItem,
    change: (before: Record<string, unknown>, item: Record<string, string>) => void,
  ) => {
    const next = { ...item } as Record<string, string>;
    const before = JSON.parse(next.before) as Record<string, unknown>;
    change(before, next);
    // a change of the before-values themselves, unless the item's attribute was replaced whole
    if (next.before === item.before) next.before = JSON.stringify(before);
    return next;
  };
  test.each<[string, (before: Record<string, unknown>, item: Record<string, string>) => void, RegExp]>([
    ['a type outside the model', (b) => (b.type = 'ROOT'), /before\.type: not a user type/],
    ['an apiAccess outside the model', (b) => (b.apiAccess = 'ALWAYS'), /before\.apiAccess/],
    [
      "a principal that is not a role ARN (the model's pattern)",
      (b) => (b.apiAccessPrincipalArn = 'arn:aws:iam::12345:role/Attacker'),
      /before\.apiAccessPrincipalArn: breaks the model/,
    ],
    ['a name over 50 characters', (b) => (b.lastName = 'x'.repeat(51)), /before\.lastName: breaks the model/],
    [
      'a field FinSpace does not hold',
      (b) => (b.emailAddress = 'a@example.com'),
      /before: a field FinSpace does not hold/,
    ],
    ['a before that is not JSON', (_b, i) => (i.before = '{"type":'), /before: not an object/],
    ['a time to live past what the handler sets', (_b, i) => (i.expiresAt = '4102444800'), /expiresAt: later than/],
    ['another kind of item', (_b, i) => (i.kind = 'claim'), /kind: not change/],
    [
      'an attribute the handler does not write',
      (_b, i) => (i.grant = 'SUPER_USER'),
      /an attribute the handler does not write/,
    ],
    ['an unknown state', (_b, i) => (i.state = 'approved'), /state: not applying/],
    ['handled ids that are not a list', (_b, i) => (i.handled = '{}'), /handled: not a list/],
    ['no revision', (_b, i) => delete i.rev, /rev: not a revision/],
  ])('%s', async (_what, change, problem) => {
    const { outbound, run, outcomes, notices, stack, live, record } = setup();
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    const key = record()?.key as string;
    outbound.items.set(key, tamper(record() as StoredItem, change));
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await expect(run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED))).resolves.toBeDefined();
    expect(outbound.writes()).toHaveLength(1);
    expect(live()).toMatchObject({ type: 'SUPER_USER', lastName: 'King' });
    expect(outcomes).toEqual(['updated', 'no-snapshot']);
    // logged as set aside, by the rule it breaks, never with its values
    expect(notices).toEqual([expect.stringMatching(problem)]);
    expect(notices.join()).not.toMatch(/Byron|Ada|Attacker|ROOT|ALWAYS|xxxx|example\.com/);
  });

  test('one whose revision no condition can match neither writes nor fails the rollback', async () => {
    const { outbound, run, outcomes, stack, record } = setup();
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    const item = record() as StoredItem;
    // as DynamoDB holds it: its revision a number, which the handler does not read as one
    const planted: Record<string, string> = {
      ...item,
      before: JSON.stringify({ type: 'SUPER_USER' }),
      state: 'planted',
    };
    delete planted.rev;
    outbound.items.set(item.key, planted);
    outbound.unmatchableRevisions.add(item.key);
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await expect(run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED))).resolves.toBeDefined();
    expect(outbound.writes()).toHaveLength(1);
    expect(outcomes).toEqual(['updated', 'no-snapshot']);
  });

  test('before-values of a field the properties it undoes do not declare are not used', async () => {
    const { outbound, run, outcomes, stack, record } = setup();
    const typeOnly = properties({ Type: 'SUPER_USER', FirstName: undefined, LastName: undefined });
    const deployed = properties({ FirstName: undefined, LastName: undefined });
    await run(updateEvent(PHYSICAL_ID, typeOnly, deployed));
    const item = record() as StoredItem;
    outbound.items.set(item.key, { ...item, before: JSON.stringify({ type: 'APP_USER', lastName: 'Mallory' }) });
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(updateEvent(PHYSICAL_ID, deployed, typeOnly));
    expect(outbound.writes()).toHaveLength(1);
    expect(outcomes).toEqual(['updated', 'no-snapshot']);
  });

  test('a forward event writes over a record it cannot use', async () => {
    const { outbound, run, record, outcomes } = setup();
    const key = changeKey(STACK_ID, LOGICAL_ID, { environmentId: ENVIRONMENT, userId: BEFORE.userId });
    outbound.items.set(key, { key, kind: 'change', before: 'garbage' });
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    expect(outcomes).toEqual(['updated']);
    expect(record()?.state).toBe('applied');
  });
});

describe('a FinSpace error that echoes a name does not carry it into the reason or the log', () => {
  const echo = (name: string) => serviceError('ValidationException', `lastName '${name}' is not accepted`);

  test("a rollback's restore: the before-value it writes back, and the failed deploy's value", async () => {
    const { outbound, run, stack } = setup();
    await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS));
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    const rollback = updateEvent(PHYSICAL_ID, PREVIOUS, FAILED);
    outbound.failNext('updateUser', echo('Byron'));
    await expect(run(rollback)).rejects.toThrow("UpdateUser u-quant-analyst: ValidationException: lastName '***'");
    outbound.failNext('getUser', echo('King'));
    await expect(run(rollback)).rejects.toThrow("ValidationException: lastName '***' is not accepted");
  });

  test('a forward write undone while it ran: the before-value it writes back', async () => {
    const { outbound, run, stack } = setup();
    outbound.before('updateUser', async () => {
      stack('UPDATE_ROLLBACK_IN_PROGRESS');
      await run(updateEvent(PHYSICAL_ID, PREVIOUS, FAILED));
      // this run's own write then lands; its undo's UpdateUser echoes the name it writes back
      outbound.before('updateUser', async () => outbound.failNext('updateUser', echo('Byron')));
    });
    const failure = await run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS)).catch((e: Error) => e.message);
    expect(outbound.calls.filter((c) => c.operation === 'updateUser')).toHaveLength(3);
    expect(failure).toBe("UpdateUser u-quant-analyst: ValidationException: lastName '***' is not accepted");
  });

  test('a forward write: the name it writes over', async () => {
    const { outbound, run } = setup();
    outbound.failNext('updateUser', echo('Byron'));
    await expect(run(updateEvent(PHYSICAL_ID, FAILED, PREVIOUS))).rejects.toThrow("lastName '***' is not accepted");
  });
});

describe('a restore passes the lockout guard of a forward write', () => {
  test("before-values that would take the admin role's user away are refused, and nothing is written", async () => {
    const { outbound, run, stack, live } = setup();
    // the user already had the admin role as its principal, without API access; the failed deploy made it the admin
    // role's FinSpace user, a superuser with API access
    outbound.users.set(BEFORE.userId, { ...BEFORE, apiAccessPrincipalArn: ADMIN_ROLE });
    const asAdmin = properties({ Type: 'SUPER_USER', ApiAccess: 'ENABLED', ApiAccessPrincipalArn: ADMIN_ROLE });
    await run(updateEvent(PHYSICAL_ID, asAdmin, properties()));
    stack('UPDATE_ROLLBACK_IN_PROGRESS');
    await expect(run(updateEvent(PHYSICAL_ID, properties(), asAdmin))).rejects.toThrow(
      /^Restore u-quant-analyst: refused: this user is the FinSpace user of the admin role .* type APP_USER and apiAccess DISABLED would lock the handler out.*The rollback cannot write these before-values back/,
    );
    expect(outbound.writes()).toHaveLength(1);
    expect(live()).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED' });
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
  // everything else is back; the record is kept for the retry once someone removed the principal
  expect(live()).toMatchObject({ type: 'APP_USER', lastName: 'Byron', apiAccess: 'ENABLED' });
  outbound.users.set(BEFORE.userId, { ...live(), apiAccessPrincipalArn: undefined });
  await expect(run(rollback)).resolves.toBeDefined();
});
