import { CREATE_FAILED_PHYSICAL_ID } from '../lambda/cfn-response';
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { ResourceNotFoundException } from '../finspace/errors';
import {
  clientTokenFor,
  credentialsFetcher,
  type LifecycleEvent,
  onEvent,
  type Outcome,
} from '../lambda/user-lifecycle';
import { CLAIM_TTL_SECONDS } from '../lambda/consts';
import { claimKey } from '../lambda/user-claim';
import { createEvent, deleteEvent, ENVIRONMENT, properties, STACK_ID, updateEvent } from './support/events';
import { FakeOutbound, serviceError } from './support/fake-outbound';

const PHYSICAL_ID = `${ENVIRONMENT}/u-quant-analyst`;

function setup(now: () => number = Date.now, status = 'UPDATE_IN_PROGRESS') {
  const outbound = new FakeOutbound();
  outbound.stackStatusNow = status;
  const credentials = new FinspaceCredentialsCache(credentialsFetcher(outbound, now), now);
  const outcomes: Outcome[] = [];
  const notices: string[] = [];
  const run = (event: LifecycleEvent) =>
    onEvent(event, { outbound, credentials, report: (o) => outcomes.push(o), notice: (n) => notices.push(n) });
  return { outbound, run, outcomes, notices };
}

describe('Create', () => {
  test('assumes the admin role, exchanges its credentials, keeps the user as it was, and signs UpdateUser with the FinSpace ones', async () => {
    const { outbound, run } = setup();
    const response = await run(createEvent());

    expect(outbound.calls.map((c) => c.operation)).toEqual([
      'describeStack', // CloudFormation is deploying the stack: the event is its
      'getItem', // the resource's change record: has this event been handled already?
      'assumeRole',
      'getProgrammaticAccessCredentials',
      'getUser', // the lockout check (lambda/lockout.ts) and the before-values (lambda/change-record.ts)
      'putItem', // the change record a rollback undoes the write with
      'putItem', // the claim: this resource holds the user now (lambda/user-claim.ts)
      'updateUser',
      'putItem', // the change record, applied (unless a rollback undid it meanwhile)
    ]);
    const [, , assume, exchange, getUser, , , update] = outbound.calls;
    expect(assume.input).toEqual({ roleArn: 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin' });
    expect(exchange).toMatchObject({
      signedWith: 'ASIAADMINROLE',
      input: { environmentId: ENVIRONMENT, durationInMinutes: 60 },
    });
    expect(getUser.signedWith).toBe('FSIA1');
    expect(update.signedWith).toBe('FSIA1');
    expect(response).toEqual({
      PhysicalResourceId: PHYSICAL_ID,
      Data: { UserId: 'u-quant-analyst', EnvironmentId: ENVIRONMENT },
    });
  });

  test('sends exactly the declared fields, and a client token', async () => {
    const { outbound, run } = setup();
    await run(createEvent(properties({ FirstName: undefined, LastName: undefined, ApiAccess: undefined })));
    const input = outbound.writes()[0].input as Record<string, unknown>;
    const sent = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
    expect(Object.keys(sent).sort()).toEqual(['clientToken', 'type', 'userId']);
    expect(sent.type).toBe('APP_USER');
  });

  test('a redelivered event carries the same client token; another event another one', async () => {
    const { outbound, run } = setup();
    const event = createEvent();
    // the first run's write fails (a timeout: it may or may not have reached FinSpace), so Lambda runs it again
    outbound.failNext('updateUser', serviceError('InternalServerException', 'try again', 500));
    await expect(run(event)).rejects.toThrow(/UpdateUser/);
    await run(event);
    // once done, a further redelivery writes nothing
    await run(event);
    await run(createEvent());
    const tokens = outbound.calls
      .filter((c) => c.operation === 'updateUser')
      .map((c) => (c.input as { clientToken: string }).clientToken);
    expect(tokens).toHaveLength(3);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[0]).toBe(clientTokenFor(event, 'UpdateUser'));
  });

  test.each([
    ['FirstName', 'x'.repeat(51), /firstName: must be 1 to 50 characters long, is 51/],
    ['UserId', '', /userId: must be 1 to 26 characters long, is 0/],
    ['AdminRoleArn', 'arn:aws:iam::12345:role/Admin', /adminRoleArn: must match the pattern/],
    ['Type', 'ROOT', /type: must be one of SUPER_USER, APP_USER \(got "ROOT"\)/],
    ['LastName', 42, /lastName: must be a string \(got number\)/],
    ['Nickname', 'Ada', /Nickname: is not a FinspaceUser property/],
    ['EnvironmentId', undefined, /environmentId: is required/],
  ])('invalid %s fails naming the field, before any call', async (property, value, expected) => {
    const { outbound, run } = setup();
    const props = properties({ [property]: value });
    await expect(run(createEvent(props))).rejects.toThrow(expected);
    expect(outbound.calls).toEqual([]);
  });

  test('a sensitive value is never echoed in the reason', async () => {
    const { run } = setup();
    const secretName = `Zelda${'q'.repeat(60)}`;
    const error = await run(createEvent(properties({ FirstName: secretName }))).catch((e: Error) => e);
    expect((error as Error).message).toContain('firstName');
    expect((error as Error).message).not.toContain('Zelda');
  });

  test('a FinSpace error reaches the reason with operation, user id and error name, names masked', async () => {
    const { outbound, run } = setup();
    outbound.failNext(
      'updateUser',
      serviceError('ResourceNotFoundException', 'User u-quant-analyst (Ada Lovelace) not found', 404),
    );
    await expect(run(createEvent())).rejects.toThrow(
      'UpdateUser u-quant-analyst: ResourceNotFoundException: User u-quant-analyst (*** ***) not found',
    );
  });

  test('a refused AssumeRole names the operation and the role', async () => {
    const { outbound, run } = setup();
    outbound.failNext('assumeRole', serviceError('AccessDenied', 'not authorized', 403));
    await expect(run(createEvent())).rejects.toThrow(
      'AssumeRole arn:aws:iam::123456789012:role/FinSpaceUserAdmin: AccessDenied: not authorized',
    );
    expect(outbound.writes()).toEqual([]);
  });
});

describe('credentials across warm invocations', () => {
  test('are fetched once and reused while valid', async () => {
    const { outbound, run } = setup();
    await run(createEvent());
    await run(createEvent(properties({ UserId: 'u-data-engineer' })));
    expect(outbound.calls.filter((c) => c.operation === 'getProgrammaticAccessCredentials')).toHaveLength(1);
    expect(outbound.writes().map((w) => w.signedWith)).toEqual(['FSIA1', 'FSIA1']);
  });

  test('are fetched again when close to expiry', async () => {
    let clock = 1_000_000;
    const { outbound, run } = setup(() => clock);
    await run(createEvent());
    clock += 56 * 60_000; // 4 minutes left of 60: inside the safety margin
    await run(createEvent());
    expect(outbound.writes().map((w) => w.signedWith)).toEqual(['FSIA1', 'FSIA2']);
  });

  test('reused credentials that FinSpace refuses are replaced once, and the call is repeated', async () => {
    const { outbound, run } = setup();
    await run(createEvent());
    outbound.failNext('updateUser', serviceError('AccessDeniedException', 'credentials expired', 403));
    await run(createEvent());
    expect(outbound.writes().map((w) => w.signedWith)).toEqual(['FSIA1', 'FSIA1', 'FSIA2']);
  });

  test('fresh credentials that FinSpace refuses fail the event', async () => {
    const { outbound, run } = setup();
    outbound.failNext('getUser', serviceError('AccessDeniedException', 'not a superuser', 403));
    await expect(run(createEvent())).rejects.toThrow('GetUser u-quant-analyst: AccessDeniedException: not a superuser');
    expect(outbound.writes()).toHaveLength(0);
  });

  test('differ per admin role and environment', async () => {
    const { outbound, run } = setup();
    await run(createEvent());
    await run(createEvent(properties({ EnvironmentId: 'otherenvironment000000001' })));
    expect(outbound.writes().map((w) => w.signedWith)).toEqual(['FSIA1', 'FSIA2']);
  });
});

describe('Update', () => {
  test('that changes nothing FinSpace sees makes no call at all', async () => {
    const { outbound, run, outcomes } = setup();
    const old = properties();
    const next = properties({ AdminRoleArn: 'arn:aws:iam::123456789012:role/OtherAdmin', RemovalPolicy: 'destroy' });
    const response = await run(updateEvent(PHYSICAL_ID, next, old));
    expect(outbound.calls).toEqual([]);
    expect(outcomes).toEqual(['unchanged']);
    expect(response.PhysicalResourceId).toBe(PHYSICAL_ID);
  });

  test('that stops declaring a field leaves FinSpace as it is', async () => {
    const { outbound, run, outcomes } = setup();
    await run(updateEvent(PHYSICAL_ID, properties({ FirstName: undefined }), properties()));
    expect(outbound.writes()).toEqual([]);
    // it asked whether this is a rollback (whose undoing of a write would write), and nothing else
    expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
    expect(outcomes).toEqual(['unchanged']);
  });

  test.each([
    ['Type', 'SUPER_USER'],
    ['FirstName', 'Augusta'],
    ['LastName', 'King'],
    ['ApiAccess', 'ENABLED'],
  ])('of %s writes the new declaration', async (property, value) => {
    const { outbound, run, outcomes } = setup();
    const response = await run(updateEvent(PHYSICAL_ID, properties({ [property]: value }), properties()));
    expect(outbound.writes()).toHaveLength(1);
    const field = property[0].toLowerCase() + property.slice(1);
    expect((outbound.writes()[0].input as Record<string, unknown>)[field]).toBe(value);
    expect(outcomes).toEqual(['updated']);
    expect(response.PhysicalResourceId).toBe(PHYSICAL_ID);
  });

  test('of the principal ARN writes it', async () => {
    const { outbound, run } = setup();
    const principal = 'arn:aws:iam::123456789012:role/DataPipeline';
    await run(
      updateEvent(
        PHYSICAL_ID,
        properties({ ApiAccess: 'ENABLED', ApiAccessPrincipalArn: principal }),
        properties({ ApiAccess: 'ENABLED' }),
      ),
    );
    expect(outbound.writes()[0].input).toMatchObject({ apiAccessPrincipalArn: principal, apiAccess: 'ENABLED' });
  });

  test.each([
    ['UserId', 'u-data-engineer', `${ENVIRONMENT}/u-data-engineer`],
    ['EnvironmentId', 'otherenvironment000000001', 'otherenvironment000000001/u-quant-analyst'],
  ])('of %s is a replacement: a new physical id, and the new user written', async (property, value, newId) => {
    const { outbound, run, outcomes } = setup();
    const response = await run(updateEvent(PHYSICAL_ID, properties({ [property]: value }), properties()));
    expect(response.PhysicalResourceId).toBe(newId);
    expect(outbound.writes()).toHaveLength(1);
    expect(outcomes).toEqual(['replaced']);
  });

  test('to invalid properties fails before any call', async () => {
    const { outbound, run } = setup();
    await expect(run(updateEvent(PHYSICAL_ID, properties({ FirstName: ' ' }), properties()))).rejects.toThrow(
      'firstName: must not be blank (the pattern \\S)',
    );
    expect(outbound.calls).toEqual([]);
  });

  test('its rollback: nothing was applied, so nothing is undone, nothing is written', async () => {
    const { outbound, run, outcomes } = setup();
    outbound.stackStatusNow = 'UPDATE_ROLLBACK_IN_PROGRESS';
    // CloudFormation sends the refused properties back as the old ones, the last good ones as the new
    await run(updateEvent(PHYSICAL_ID, properties(), properties({ FirstName: ' ' })));
    // when the rollback began (the event is of it), and the event recorded against a late run of it (which would
    // otherwise write the last good ones)
    expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack', 'stackEvents', 'getItem', 'putItem']);
    expect(outbound.writes()).toEqual([]);
    expect(outcomes).toEqual(['no-snapshot']);
  });

  test('to apiAccess DISABLED with a principal sends both (FinSpace keeps the principal on record)', async () => {
    const { outbound, run, outcomes } = setup();
    const principal = 'arn:aws:iam::123456789012:role/DataPipeline';
    await run(
      updateEvent(
        PHYSICAL_ID,
        properties({ ApiAccess: 'DISABLED', ApiAccessPrincipalArn: principal }),
        properties({ ApiAccess: 'ENABLED', ApiAccessPrincipalArn: principal }),
      ),
    );
    expect(outbound.writes()[0].input).toMatchObject({ apiAccess: 'DISABLED', apiAccessPrincipalArn: principal });
    expect(outcomes).toEqual(['updated']);
  });
});

describe('Delete', () => {
  // A removed resource's Delete, in the update's cleanup.
  const CLEANUP = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
  test('with RETAIN makes no FinSpace call', async () => {
    const { outbound, run, outcomes } = setup(Date.now, CLEANUP);
    const response = await run(deleteEvent(PHYSICAL_ID));
    expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
    expect(outcomes).toEqual(['retained']);
    expect(response.PhysicalResourceId).toBe(PHYSICAL_ID);
  });

  test('with DESTROY disables the user with FinSpace credentials', async () => {
    const { outbound, run, outcomes } = setup(Date.now, CLEANUP);
    const event = deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' }));
    await run(event);
    expect(outbound.writes()).toEqual([
      {
        operation: 'disableUser',
        signedWith: 'FSIA1',
        input: { userId: 'u-quant-analyst', clientToken: clientTokenFor(event, 'DisableUser') },
      },
    ]);
    expect(outcomes).toEqual(['disabled']);
  });

  describe('of a user another resource of the stack took over (a renamed construct, an adopted user)', () => {
    const DESTROY = properties({ RemovalPolicy: 'destroy' });
    const as = (logicalId: string, event: LifecycleEvent): LifecycleEvent => ({
      ...event,
      LogicalResourceId: logicalId,
    });
    /** What CloudFormation says of the stack's resource `logicalId`. */
    const standing = (outbound: FakeOutbound, logicalId: string, overrides: object = {}) =>
      outbound.stackResources.set(logicalId, {
        resourceType: 'Custom::FinspaceUser',
        physicalResourceId: PHYSICAL_ID,
        resourceStatus: 'CREATE_COMPLETE',
        ...overrides,
      });

    test('the new resource wrote it first: the old one is deleted and the user stays enabled', async () => {
      const { outbound, run, outcomes } = setup();
      await run(as('DataEngineerRenamed', createEvent(DESTROY)));
      standing(outbound, 'DataEngineerRenamed');
      outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      expect(outbound.writes().map((w) => w.operation)).toEqual(['updateUser']);
      // CloudFormation was asked whether the claim's holder stands in the stack
      expect(outbound.calls.filter((c) => c.operation === 'stackResource').map((c) => c.input)).toEqual([
        { stackId: STACK_ID, logicalId: 'DataEngineerRenamed' },
      ]);
      expect(outcomes).toEqual(['updated', 'moved']);
    });

    test('the resource that holds it is deleted: the user is disabled', async () => {
      const { outbound, run, outcomes } = setup();
      await run(as('DataEngineer', createEvent(DESTROY)));
      outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      expect(outbound.writes().map((w) => w.operation)).toEqual(['updateUser', 'disableUser']);
      expect(outcomes).toEqual(['updated', 'disabled']);
    });

    test('a rollback took the new resource away again: deleting the old one later disables the user', async () => {
      const { outbound, run, outcomes } = setup();
      await run(as('DataEngineerRenamed', createEvent(DESTROY)));
      outbound.stackStatusNow = 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS';
      await run(as('DataEngineerRenamed', deleteEvent(PHYSICAL_ID, DESTROY)));
      // the claim is still stored, but its holder is no resource of the stack
      outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      expect(outbound.writes().map((w) => w.operation)).toEqual(['updateUser', 'updateUser', 'disableUser']);
      expect(outcomes).toEqual(['updated', 'restored', 'disabled']);
    });

    test('a Create that claimed the user and then failed: its claim does not keep the user enabled', async () => {
      const { outbound, run, outcomes } = setup();
      outbound.failNext('updateUser', serviceError('InternalServerException', 'try again', 500));
      await expect(run(as('DataEngineerRenamed', createEvent(DESTROY)))).rejects.toThrow(/UpdateUser/);
      standing(outbound, 'DataEngineerRenamed', { resourceStatus: 'CREATE_FAILED', physicalResourceId: undefined });
      outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      expect(outcomes).toEqual(['disabled']);
    });

    describe('a claim counts only when CloudFormation confirms its holder', () => {
      const plantClaim = (outbound: FakeOutbound, holder: string) => {
        const key = claimKey(STACK_ID, { environmentId: ENVIRONMENT, userId: 'u-quant-analyst' });
        const expiresAt = String(Math.floor(Date.now() / 1000) + 3600);
        outbound.items.set(key, { key, kind: 'claim', holder, expiresAt });
      };

      test('a planted claim of a resource the stack does not have ({holder: "Ghost"}) stops no offboarding', async () => {
        const { outbound, run, outcomes } = setup();
        plantClaim(outbound, 'Ghost');
        outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
        await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
        expect(outbound.writes().map((w) => w.operation)).toEqual(['disableUser']);
        expect(outcomes).toEqual(['disabled']);
      });

      test.each([
        ['issued for another user', { physicalResourceId: `${ENVIRONMENT}/u-other` }],
        ['being deleted', { resourceStatus: 'DELETE_IN_PROGRESS' }],
        ['not a FinspaceUser', { resourceType: 'AWS::SQS::Queue' }],
      ])('a holder %s does not count', async (_what, overrides) => {
        const { outbound, run, outcomes, notices } = setup();
        plantClaim(outbound, 'DataEngineerRenamed');
        standing(outbound, 'DataEngineerRenamed', overrides);
        outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
        await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
        expect(outcomes).toEqual(['disabled']);
        // by the rule, not by the holder it names (a stored value)
        expect(notices).toEqual([expect.stringMatching(/^a stored claim does not count: its holder (was|is) /)]);
      });

      test('a claim that is not one the handler writes is set aside', async () => {
        const { outbound, run, outcomes, notices } = setup();
        const key = claimKey(STACK_ID, { environmentId: ENVIRONMENT, userId: 'u-quant-analyst' });
        outbound.items.set(key, { key, kind: 'claim', holder: 'Ghost; DROP', expiresAt: '9999999999' });
        outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
        await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
        expect(outcomes).toEqual(['disabled']);
        expect(outbound.calls.map((c) => c.operation)).not.toContain('stackResource');
        expect(notices).toEqual(['a stored claim was set aside as absent: holder: not a logical id']);
      });
    });

    test('when the stack is deleted, another holder does not keep the user enabled: nothing declares it any more', async () => {
      const { outbound, run, outcomes } = setup();
      await run(as('DataEngineerRenamed', createEvent(DESTROY)));
      standing(outbound, 'DataEngineerRenamed');
      outbound.stackStatusNow = 'DELETE_IN_PROGRESS';
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      expect(outcomes).toEqual(['updated', 'disabled']);
    });

    test('a claim holds for its time to live, not after', async () => {
      let clock = Date.now();
      const now = () => clock;
      const outbound = new FakeOutbound();
      const credentials = new FinspaceCredentialsCache(credentialsFetcher(outbound, now), now);
      const outcomes: Outcome[] = [];
      const run = (event: LifecycleEvent) =>
        onEvent(event, { outbound, credentials, now, report: (o) => outcomes.push(o) });
      await run(as('DataEngineerRenamed', createEvent(DESTROY)));
      standing(outbound, 'DataEngineerRenamed');
      outbound.stackStatusNow = 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
      clock += (CLAIM_TTL_SECONDS - 60) * 1000;
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      clock += 120 * 1000;
      await run(as('DataEngineer', deleteEvent(PHYSICAL_ID, DESTROY)));
      expect(outcomes).toEqual(['updated', 'moved', 'disabled']);
    });
  });

  test('with DESTROY of a user FinSpace no longer has succeeds', async () => {
    const { outbound, run, outcomes } = setup(Date.now, CLEANUP);
    outbound.failNext('getUser', new ResourceNotFoundException('no such user', { httpStatusCode: 404 }));
    await expect(run(deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' })))).resolves.toBeDefined();
    expect(outbound.writes()).toEqual([]);
    expect(outcomes).toEqual(['already-gone']);
  });

  test('with DESTROY that FinSpace refuses fails loudly', async () => {
    const { outbound, run } = setup(Date.now, CLEANUP);
    outbound.failNext('disableUser', serviceError('InternalServerException', 'boom', 500));
    await expect(run(deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' })))).rejects.toThrow(
      'DisableUser u-quant-analyst: InternalServerException: boom',
    );
  });

  test('after a failed Create (the physical id its FAILED answer gave) makes no STS or FinSpace call', async () => {
    const { outbound, run, outcomes } = setup(Date.now, CLEANUP);
    const marker = CREATE_FAILED_PHYSICAL_ID;
    const response = await run(deleteEvent(marker, properties({ RemovalPolicy: 'destroy' })));
    // the deploy guard, and nothing else
    expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
    expect(outcomes).toEqual(['skipped']);
    expect(response.PhysicalResourceId).toBe(marker);
  });

  test("of properties that break today's rules still disables a DESTROY user", async () => {
    const { outbound, run, outcomes } = setup(Date.now, CLEANUP);
    // a name valid under an older rule, and a property since dropped
    await run(deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy', FirstName: '', Nickname: 'Ada' })));
    expect(outbound.writes().map((w) => w.operation)).toEqual(['disableUser']);
    expect(outcomes).toEqual(['disabled']);
  });
});

describe('only while CloudFormation deploys the stack', () => {
  // An event of the right stack, well formed, but sent by someone else: CloudFormation sends
  // events only while a stack operation is in progress.
  test.each([
    'CREATE_COMPLETE',
    'UPDATE_COMPLETE',
    'UPDATE_ROLLBACK_COMPLETE',
    'UPDATE_ROLLBACK_FAILED',
    'REVIEW_IN_PROGRESS',
  ])('a stack that is %s: every event is refused after DescribeStacks, before any other call', async (status) => {
    const { outbound, run, outcomes } = setup();
    outbound.stackStatusNow = status;
    const events = [
      createEvent(properties({ Type: 'SUPER_USER', ApiAccess: 'ENABLED' })),
      deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' })),
      // a forged RETAIN Delete, and one with a physical id the handler never issued
      deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'retain' })),
      deleteEvent('finspace-user:create-failed', properties({ RemovalPolicy: 'destroy' })),
      // an Update that only stops declaring a field (no FinSpace write, but a rollback's would be)
      updateEvent(PHYSICAL_ID, properties({ FirstName: undefined }), properties()),
    ];
    for (const event of events) {
      const calls = outbound.calls.length;
      await expect(run(event)).rejects.toThrow(`refused: the stack is ${status}, not being deployed`);
      // not the snapshot table, not STS, not FinSpace
      expect(outbound.calls.slice(calls).map((c) => c.operation)).toEqual(['describeStack']);
    }
    expect(outcomes).toEqual([]);
  });

  // A request of a kind CloudFormation sends in that status (stack-phase.ts REQUEST_TYPES_BY_STATUS).
  const DESTROY_DELETE = () => deleteEvent(PHYSICAL_ID, properties({ RemovalPolicy: 'destroy' }));
  test.each<[string, () => LifecycleEvent, Outcome]>([
    ['CREATE_IN_PROGRESS', () => createEvent(), 'updated'],
    ['UPDATE_IN_PROGRESS', () => createEvent(), 'updated'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', DESTROY_DELETE, 'disabled'],
    ['DELETE_IN_PROGRESS', DESTROY_DELETE, 'disabled'],
    ['ROLLBACK_IN_PROGRESS', DESTROY_DELETE, 'no-snapshot'],
    [
      'UPDATE_ROLLBACK_IN_PROGRESS',
      () => updateEvent(PHYSICAL_ID, properties(), properties({ Type: 'SUPER_USER' })),
      'no-snapshot',
    ],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', DESTROY_DELETE, 'no-snapshot'],
  ])('a stack that is %s is served', async (status, event, outcome) => {
    const { run, outcomes } = setup(Date.now, status);
    await expect(run(event())).resolves.toBeDefined();
    expect(outcomes).toEqual([outcome]);
  });

  describe('a request CloudFormation does not send in that status is a late event of an earlier phase: nothing written', () => {
    const UPDATE = () => updateEvent(PHYSICAL_ID, properties({ Type: 'SUPER_USER' }), properties());
    // CloudFormation no longer waits for it: FAILED, so that a mistaken refusal fails its deploy visibly.
    test.each<[string, () => LifecycleEvent]>([
      ['CREATE_IN_PROGRESS', UPDATE],
      ['CREATE_IN_PROGRESS', DESTROY_DELETE],
      ['UPDATE_IN_PROGRESS', DESTROY_DELETE],
      ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', () => createEvent()],
      ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', UPDATE],
      ['DELETE_IN_PROGRESS', () => createEvent()],
      ['DELETE_IN_PROGRESS', UPDATE],
    ])('%s: a late %#: refused, FAILED', async (status, event) => {
      const { outbound, run } = setup(Date.now, status);
      const sent = event();
      await expect(run(sent)).rejects.toThrow(
        `refused: CloudFormation sends no ${sent.RequestType} while the stack is ${status}`,
      );
      expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
    });

    // A FAILED answer would leave the rollback failed: SUCCESS, and the log says why.
    test.each<[string, () => LifecycleEvent]>([
      ['ROLLBACK_IN_PROGRESS', () => createEvent()],
      ['ROLLBACK_IN_PROGRESS', UPDATE],
      ['UPDATE_ROLLBACK_IN_PROGRESS', () => createEvent()],
      ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', () => createEvent()],
      ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', UPDATE],
    ])('%s: a late %#: SUCCESS, nothing written', async (status, event) => {
      const { outbound, run, outcomes } = setup(Date.now, status);
      await expect(run(event())).resolves.toBeDefined();
      expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
      expect(outcomes).toEqual(['late']);
    });
  });

  test('one DescribeStacks per event, shared by the rollback check and the guard', async () => {
    const { outbound, run } = setup();
    await run(updateEvent(PHYSICAL_ID, properties({ LastName: 'Byron' }), properties()));
    expect(outbound.calls.filter((c) => c.operation === 'describeStack')).toHaveLength(1);
    expect(outbound.writes().map((w) => w.operation)).toContain('updateUser');
  });
});
