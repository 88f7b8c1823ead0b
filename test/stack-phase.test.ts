// An event of an earlier phase of the stack's operation, run late (Lambda's
// retries, a queued invocation), writes nothing (lambda/stack-phase.ts): the
// time CloudFormation sent it (its ResponseURL) against the time the current
// phase began (DescribeStacks, DescribeStackEvents). Against the fake network,
// whose stack enters each status at the test's clock.
import { FinspaceCredentialsCache } from '../finspace/credentials';
import type { GetUserOutput } from '../finspace/client';
import { CLOCK_TOLERANCE_MS, PhaseStarts } from '../lambda/stack-phase';
import { credentialsFetcher, type LifecycleEvent, onEvent, type Outcome } from '../lambda/user-lifecycle';
import { createEvent, deleteEvent, ENVIRONMENT, properties, SENT_AT, sentAt, updateEvent } from './support/events';
import { FakeOutbound } from './support/fake-outbound';

const PHYSICAL_ID = `${ENVIRONMENT}/u-quant-analyst`;
const CONTRACTOR = 'arn:aws:iam::123456789012:role/ContractorTools';
const PIPELINE = 'arn:aws:iam::123456789012:role/DataPipeline';
const MINUTE = 60_000;

// X: deployed, manages the type and names only. Y (a reviewed deploy): the API principal moves to the pipeline.
const X = properties({ Type: 'SUPER_USER', ApiAccess: undefined });
const Y = properties({ Type: 'SUPER_USER', ApiAccess: 'ENABLED', ApiAccessPrincipalArn: PIPELINE });

function setup(user: Partial<GetUserOutput> = {}) {
  let clock = SENT_AT;
  const outbound = new FakeOutbound();
  outbound.clock = () => clock;
  outbound.users.set('u-quant-analyst', {
    userId: 'u-quant-analyst',
    status: 'ENABLED',
    type: 'SUPER_USER',
    firstName: 'Ada',
    lastName: 'Lovelace',
    apiAccess: 'ENABLED',
    apiAccessPrincipalArn: CONTRACTOR,
    ...user,
  });
  const now = () => clock;
  const credentials = new FinspaceCredentialsCache(credentialsFetcher(outbound, now), now);
  const phaseStarts = new PhaseStarts();
  const outcomes: Outcome[] = [];
  const reasons: string[] = [];
  const notices: string[] = [];
  const run = (event: LifecycleEvent) =>
    onEvent(event, {
      outbound,
      credentials,
      phaseStarts,
      now,
      report: (o, reason) => {
        outcomes.push(o);
        if (reason) reasons.push(reason);
      },
      notice: (n) => notices.push(n),
    });
  return {
    outbound,
    run,
    outcomes,
    reasons,
    notices,
    /** Time passes. */
    wait: (ms: number) => (clock += ms),
    /** The stack enters `status` now (CloudFormation's stack event; an update's LastUpdatedTime). */
    enter: (status: string) => (outbound.stackStatusNow = status),
    /** The event as CloudFormation sends it now: its ResponseURL signed at this time. */
    send: <E extends LifecycleEvent>(event: E) => sentAt(event, clock),
    live: () => outbound.user('u-quant-analyst'),
    calls: () => outbound.calls.map((c) => c.operation),
  };
}

describe('a forward event run late while its own deploy rolls back: it has the shape of a rollback of the deploy before', () => {
  // D1 (X to Y) succeeded, and its change record keeps CONTRACTOR as the principal before. D2 (Y to X) stops
  // declaring API access: no FinSpace change. Another resource fails; D2's event E2 (Old Y, New X) runs late.
  test('run after its own rollback event: it writes nothing, the pipeline keeps its principal', async () => {
    const { run, wait, enter, send, live, outcomes, reasons } = setup();
    enter('UPDATE_IN_PROGRESS');
    wait(1_000);
    await run(send(updateEvent(PHYSICAL_ID, Y, X))); // D1
    expect(live().apiAccessPrincipalArn).toBe(PIPELINE);
    wait(10 * MINUTE);
    enter('UPDATE_COMPLETE');
    wait(10 * MINUTE);
    enter('UPDATE_IN_PROGRESS'); // D2
    wait(2_000);
    const e2 = send(updateEvent(PHYSICAL_ID, X, Y)); // sent, then queued
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    wait(1_000);
    await run(send(updateEvent(PHYSICAL_ID, Y, X))); // E2's rollback: nothing of E2 was kept
    wait(30_000);
    await run(e2);
    expect(outcomes).toEqual(['updated', 'no-snapshot', 'late']);
    expect(reasons[1]).toMatch(
      /^CloudFormation sent it by .*, before the stack's current phase \(UPDATE_ROLLBACK_IN_PROGRESS\) began at /,
    );
    expect(live().apiAccessPrincipalArn).toBe(PIPELINE);
  });

  test('run before its own rollback event: the same', async () => {
    const { run, wait, enter, send, live, outcomes } = setup();
    await run(send(updateEvent(PHYSICAL_ID, Y, X))); // D1
    wait(20 * MINUTE);
    enter('UPDATE_IN_PROGRESS');
    const e2 = send(updateEvent(PHYSICAL_ID, X, Y));
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(e2);
    await run(send(updateEvent(PHYSICAL_ID, Y, X)));
    expect(outcomes).toEqual(['updated', 'late', 'no-snapshot']);
    expect(live().apiAccessPrincipalArn).toBe(PIPELINE);
  });

  test('the genuine rollback of the deploy before still restores what it replaced', async () => {
    const { run, wait, enter, send, live, outcomes } = setup();
    enter('UPDATE_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, Y, X))); // D1, which fails elsewhere
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    wait(200);
    await run(send(updateEvent(PHYSICAL_ID, X, Y)));
    expect(outcomes).toEqual(['updated', 'restored']);
    expect(live().apiAccessPrincipalArn).toBe(CONTRACTOR);
  });

  test('a flip-flop whose second deploy fails: its genuine rollback restores what that deploy replaced', async () => {
    const { run, wait, enter, send, live, outcomes } = setup();
    const Z = properties({ Type: 'SUPER_USER', ApiAccess: 'ENABLED', ApiAccessPrincipalArn: CONTRACTOR });
    enter('UPDATE_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, Y, Z))); // D1: Z to Y
    wait(MINUTE);
    enter('UPDATE_COMPLETE');
    wait(MINUTE);
    enter('UPDATE_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, Z, Y))); // D2: back to Z, and it fails elsewhere
    expect(live().apiAccessPrincipalArn).toBe(CONTRACTOR);
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, Y, Z)));
    expect(outcomes).toEqual(['updated', 'updated', 'restored']);
    expect(live().apiAccessPrincipalArn).toBe(PIPELINE);
  });

  test("a warm instance's phase start of one rollback is not another operation's", async () => {
    const { run, wait, enter, send, live, outcomes } = setup();
    enter('UPDATE_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, Y, X))); // D1, which fails elsewhere
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, X, Y))); // kept by the instance: D1's rollback began then
    enter('UPDATE_ROLLBACK_COMPLETE');
    wait(MINUTE);
    enter('UPDATE_IN_PROGRESS'); // D3 is D1 again, and fails too
    wait(1_000);
    const e3 = send(updateEvent(PHYSICAL_ID, Y, X));
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(e3); // sent after D1's rollback began, but before D3's
    expect(outcomes).toEqual(['updated', 'restored', 'late']);
    expect(live().apiAccessPrincipalArn).toBe(CONTRACTOR);
  });

  test('an event signed by a clock a little behind the one that began the phase is the phase’s: never refused', async () => {
    const { run, wait, enter, live, outcomes } = setup();
    await run(sentAt(updateEvent(PHYSICAL_ID, Y, X), SENT_AT));
    wait(6_050);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    // signed "60 ms earlier", in the second before: the URL says only that second
    await run(sentAt(updateEvent(PHYSICAL_ID, X, Y), SENT_AT + 5_990));
    expect(outcomes).toEqual(['updated', 'restored']);
    expect(live().apiAccessPrincipalArn).toBe(CONTRACTOR);
    // the other side of that bound: an event sent before the phase began is taken as the phase's up to 2 s earlier
    expect(CLOCK_TOLERANCE_MS + 999).toBeLessThan(2_000);
  });
});

describe('a forward event run late in the next deploy, after its rollback completed, writes nothing', () => {
  // D2 grants the contractor API access and is rolled back (its rollback found nothing kept: E2 had not run);
  // D3 starts minutes later while E2 is still queued, within Lambda's maximum event age.
  const GRANT = properties({ Type: 'SUPER_USER', ApiAccess: 'ENABLED', ApiAccessPrincipalArn: CONTRACTOR });

  test('an Update: refused (CloudFormation no longer waits for it), nothing written', async () => {
    const { outbound, run, wait, enter, send, live } = setup({ apiAccessPrincipalArn: PIPELINE });
    enter('UPDATE_IN_PROGRESS');
    const e2 = send(updateEvent(PHYSICAL_ID, GRANT, X));
    wait(3_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, X, GRANT)));
    enter('UPDATE_ROLLBACK_COMPLETE');
    wait(2 * MINUTE);
    enter('UPDATE_IN_PROGRESS');
    wait(1 * MINUTE);
    await expect(run(e2)).rejects.toThrow(
      /^refused: CloudFormation sent it by .*, before the stack's current phase \(UPDATE_IN_PROGRESS\) began at .*Nothing was written\.$/,
    );
    expect(outbound.writes()).toEqual([]);
    expect(live().apiAccessPrincipalArn).toBe(PIPELINE);
  });

  test('a Create: the same', async () => {
    const { outbound, run, wait, enter, send } = setup({ type: 'APP_USER', apiAccess: 'DISABLED' });
    enter('UPDATE_IN_PROGRESS');
    const late = send(createEvent(GRANT));
    wait(3_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    wait(1_000);
    enter('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await run(send(deleteEvent(PHYSICAL_ID, GRANT)));
    enter('UPDATE_ROLLBACK_COMPLETE');
    wait(2 * MINUTE);
    enter('UPDATE_IN_PROGRESS');
    await expect(run(late)).rejects.toThrow(/^refused: CloudFormation sent it by /);
    expect(outbound.writes()).toEqual([]);
  });

  test('a DESTROY Delete of an earlier cleanup, run in a later one, leaves the user a later deploy declares enabled', async () => {
    const { outbound, run, wait, enter, send, live } = setup();
    const DESTROY = properties({ RemovalPolicy: 'destroy' });
    enter('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'); // D2 removes the user ...
    const removal = send(deleteEvent(PHYSICAL_ID, DESTROY));
    enter('UPDATE_COMPLETE');
    wait(3 * MINUTE);
    enter('UPDATE_IN_PROGRESS'); // ... D3 declares it again, and removes another resource
    enter('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
    wait(1_000);
    await expect(run(removal)).rejects.toThrow(
      /before the stack's current phase \(UPDATE_COMPLETE_CLEANUP_IN_PROGRESS\)/,
    );
    expect(outbound.writes()).toEqual([]);
    expect(live().status).toBe('ENABLED');
  });
});

describe('when the current phase began', () => {
  test("an update's: DescribeStacks' LastUpdatedTime, no other call", async () => {
    const { run, send, calls } = setup();
    await run(send(updateEvent(PHYSICAL_ID, Y, X)));
    expect(calls()).not.toContain('stackEvents');
  });

  test("an update's LastUpdatedTime lets an event through, but refuses none: a refusal is the stack event's", async () => {
    const { outbound, run, wait, enter, send, calls, outcomes } = setup();
    enter('UPDATE_IN_PROGRESS');
    wait(10_000);
    const genuine = send(updateEvent(PHYSICAL_ID, Y, X));
    // were LastUpdatedTime set later than the update's stack event, a genuine event would still be served
    outbound.lastUpdatedTime = SENT_AT + 60_000;
    await run(genuine);
    expect(outcomes).toEqual(['updated']);
    expect(calls().filter((c) => c === 'stackEvents')).toHaveLength(1);
  });

  test('an update without a LastUpdatedTime: its stack event', async () => {
    const { outbound, run, send, calls, outcomes } = setup();
    outbound.lastUpdatedTime = undefined;
    await run(send(updateEvent(PHYSICAL_ID, Y, X)));
    expect(calls().filter((c) => c === 'stackEvents')).toHaveLength(1);
    expect(outcomes).toEqual(['updated']);
  });

  test("a rollback's: the stack's events read newest first only as far as its start, once per warm instance and phase", async () => {
    const { outbound, run, wait, enter, send, calls, outcomes } = setup();
    await run(send(updateEvent(PHYSICAL_ID, Y, X)));
    outbound.addResourceEvents(400);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    outbound.addResourceEvents(250); // other resources rolled back first: the stack's event is on the third page
    const before = calls().length;
    await run(send(updateEvent(PHYSICAL_ID, X, Y)));
    expect(
      calls()
        .slice(before)
        .filter((c) => c === 'stackEvents'),
    ).toHaveLength(3);
    // the next event of the phase, in the same warm instance, reads none
    await run(send(updateEvent(PHYSICAL_ID, X, Y)));
    expect(
      calls()
        .slice(before)
        .filter((c) => c === 'stackEvents'),
    ).toHaveLength(3);
    // a later operation's rollback is looked up again
    enter('UPDATE_ROLLBACK_COMPLETE');
    wait(MINUTE);
    enter('UPDATE_IN_PROGRESS');
    wait(MINUTE);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, X, Y)));
    expect(
      calls()
        .slice(before)
        .filter((c) => c === 'stackEvents'),
    ).toHaveLength(4);
    expect(outcomes.slice(0, 2)).toEqual(['updated', 'restored']);
  });

  test("the status's own stack event not visible yet: the phase is taken to begin at the one before, and not kept", async () => {
    const { outbound, run, wait, enter, send, calls, notices } = setup();
    enter('UPDATE_IN_PROGRESS');
    await run(send(updateEvent(PHYSICAL_ID, Y, X)));
    wait(5_000);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    outbound.stackEventLog.pop(); // DescribeStackEvents does not show it yet
    await run(send(updateEvent(PHYSICAL_ID, X, Y)));
    await run(send(updateEvent(PHYSICAL_ID, X, Y)));
    expect(calls().filter((c) => c === 'stackEvents')).toHaveLength(2);
    expect(notices[0]).toMatch(/UPDATE_ROLLBACK_IN_PROGRESS event was not found .* at the stack event before it/);
  });

  test('an event whose ResponseURL carries no signing time cannot be placed: refused, or in a rollback written nothing', async () => {
    const { outbound, run, enter, outcomes } = setup();
    const unsigned = { ...updateEvent(PHYSICAL_ID, Y, X), ResponseURL: 'https://example.com/answer' };
    await expect(run(unsigned)).rejects.toThrow(/its ResponseURL carries no signing time/);
    enter('UPDATE_ROLLBACK_IN_PROGRESS');
    await run({ ...updateEvent(PHYSICAL_ID, X, Y), ResponseURL: undefined });
    expect(outcomes).toEqual(['late']);
    expect(outbound.writes()).toEqual([]);
  });
});
