// Issue 10, item 2: no write may cut the admin role off from FinSpace. The
// handler reads the live user first and refuses, before any write, a change
// that would take the admin's own user away from the admin role.
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { credentialsFetcher, type LifecycleEvent, onEvent } from '../lambda/user-lifecycle';
import { ADMIN_ROLE, createEvent, deleteEvent, ENVIRONMENT, properties, updateEvent } from './support/events';
import { FakeOutbound } from './support/fake-outbound';

const ADMIN_USER = 'u-platform-admin';
const PHYSICAL_ID = `${ENVIRONMENT}/${ADMIN_USER}`;
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/DataPipeline';

function setup(adminRoleArns: readonly string[] = []) {
  const outbound = new FakeOutbound();
  // In FinSpace, the admin role is the API principal of this superuser.
  outbound.users.set(ADMIN_USER, {
    userId: ADMIN_USER,
    status: 'ENABLED',
    type: 'SUPER_USER',
    apiAccess: 'ENABLED',
    apiAccessPrincipalArn: ADMIN_ROLE,
  });
  const credentials = new FinspaceCredentialsCache(credentialsFetcher(outbound));
  // Each event in a status where CloudFormation sends it: a Delete in an update's cleanup.
  const run = (event: LifecycleEvent) => {
    outbound.stackStatusNow =
      event.RequestType === 'Delete' ? 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' : 'UPDATE_IN_PROGRESS';
    return onEvent(event, { outbound, credentials, adminRoleArns });
  };
  return { outbound, run };
}

const admin = (overrides: Record<string, unknown> = {}) =>
  properties({
    UserId: ADMIN_USER,
    Type: 'SUPER_USER',
    ApiAccess: 'ENABLED',
    ApiAccessPrincipalArn: ADMIN_ROLE,
    ...overrides,
  });

describe('a change that would lock the admin role out is refused before any write', () => {
  test.each([
    ['apiAccess DISABLED', { ApiAccess: 'DISABLED' }],
    ['type APP_USER', { Type: 'APP_USER' }],
    ['another apiAccessPrincipal', { ApiAccessPrincipalArn: OTHER_ROLE }],
  ])('%s, on Create', async (change, overrides) => {
    const { outbound, run } = setup();
    const error = (await run(createEvent(admin(overrides))).catch((e: Error) => e)) as Error;
    expect(error.message).toContain(
      `UpdateUser ${ADMIN_USER}: refused: this user is the FinSpace user of the admin role`,
    );
    expect(error.message).toContain(`${change} would lock the handler out`);
    // how to do it deliberately
    expect(error.message).toContain('first deploy this user with another adminRole');
    expect(outbound.calls.map((c) => c.operation)).toContain('getUser');
    expect(outbound.writes()).toEqual([]);
  });

  test('on Update too, and the old declaration (what a rollback re-applies) still deploys', async () => {
    const { outbound, run } = setup();
    await expect(
      run(updateEvent(PHYSICAL_ID, admin({ ApiAccess: 'DISABLED' }), admin({ FirstName: 'Platform' }))),
    ).rejects.toThrow(/apiAccess DISABLED would lock the handler out/);
    expect(outbound.writes()).toEqual([]);

    // a normal deploy afterwards: the admin's names change, its access stays
    await run(updateEvent(PHYSICAL_ID, admin({ FirstName: 'Root' }), admin({ FirstName: 'Platform' })));
    expect(outbound.writes().map((w) => w.input)).toEqual([expect.objectContaining({ firstName: 'Root' })]);
  });

  test('a DESTROY Delete of the admin user is refused, naming how to remove it deliberately', async () => {
    const { outbound, run } = setup();
    await expect(run(deleteEvent(PHYSICAL_ID, admin({ RemovalPolicy: 'destroy' })))).rejects.toThrow(
      /DisableUser u-platform-admin: refused: .*disabling it would lock the handler out.*removalPolicy RETAIN/,
    );
    expect(outbound.writes()).toEqual([]);
  });

  test('a RETAIN Delete of the admin user makes no FinSpace or STS call', async () => {
    const { outbound, run } = setup();
    await run(deleteEvent(PHYSICAL_ID, admin()));
    // only the stack status (the deploy guard; is this a rollback?)
    expect(outbound.calls.map((c) => c.operation)).toEqual(['describeStack']);
  });
});

describe("FinSpace's matching of a principal is not documented: the guard errs on the safe side", () => {
  test.each([
    ['in other case', 'arn:aws:iam::123456789012:role/finspaceuseradmin'],
    ['with a path', 'arn:aws:iam::123456789012:role/platform/team/FinSpaceUserAdmin'],
    ['as an assumed-role session', 'arn:aws:sts::123456789012:assumed-role/FinSpaceUserAdmin/finspace-user@Stack'],
  ])("the admin role's name %s is the admin's principal", async (_how, principal) => {
    const { outbound, run } = setup();
    outbound.users.set(ADMIN_USER, { ...outbound.user(ADMIN_USER), apiAccessPrincipalArn: principal });
    await expect(run(createEvent(admin({ ApiAccess: 'DISABLED' })))).rejects.toThrow(
      /apiAccess DISABLED would lock the handler out/,
    );
    await expect(run(deleteEvent(PHYSICAL_ID, admin({ RemovalPolicy: 'destroy' })))).rejects.toThrow(
      /disabling it would lock the handler out/,
    );
    expect(outbound.writes()).toEqual([]);
  });

  test('declaring the admin role under another case or path is not another principal', async () => {
    const { outbound, run } = setup();
    await run(createEvent(admin({ ApiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/ops/FINSPACEUSERADMIN' })));
    expect(outbound.writes()).toHaveLength(1);
  });

  test.each([
    ['another account', 'arn:aws:iam::210987654321:role/FinSpaceUserAdmin'],
    ['another partition', 'arn:aws-cn:iam::123456789012:role/FinSpaceUserAdmin'],
    ['another role name', 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin2'],
  ])('a role of %s is not the admin role', async (_how, principal) => {
    const { outbound, run } = setup();
    outbound.users.set(ADMIN_USER, { ...outbound.user(ADMIN_USER), apiAccessPrincipalArn: principal });
    await run(createEvent(admin({ ApiAccess: 'DISABLED', ApiAccessPrincipalArn: undefined })));
    expect(outbound.writes()).toHaveLength(1);
  });
});

describe("every admin role the stack's resources use is protected, not only the event's", () => {
  // Admin role A's user, on which the stack's other resources rely; this resource goes through admin role B.
  const ROLE_A = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
  const ROLE_B = 'arn:aws:iam::123456789012:role/OtherEnvironmentAdmin';
  const throughB = (overrides: Record<string, unknown>) => admin({ AdminRoleArn: ROLE_B, ...overrides });

  test.each([
    ['demote', { Type: 'APP_USER' }, /type APP_USER would lock the handler out/],
    ['cut off', { ApiAccess: 'DISABLED' }, /apiAccess DISABLED would lock the handler out/],
    ['hand to another principal', { ApiAccessPrincipalArn: OTHER_ROLE }, /another apiAccessPrincipal/],
  ])("a resource through admin role B cannot %s admin role A's user", async (_what, overrides, reason) => {
    const { outbound, run } = setup([ROLE_A, ROLE_B]);
    const error = (await run(createEvent(throughB(overrides))).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(`the FinSpace user of the admin role ${ROLE_A}`);
    expect(outbound.writes()).toEqual([]);
  });

  test('nor disable it', async () => {
    const { outbound, run } = setup([ROLE_A, ROLE_B]);
    await expect(run(deleteEvent(PHYSICAL_ID, throughB({ RemovalPolicy: 'destroy' })))).rejects.toThrow(
      `DisableUser ${ADMIN_USER}: refused: this user is the FinSpace user of the admin role ${ROLE_A}`,
    );
    expect(outbound.writes()).toEqual([]);
  });

  test("a role the stack does not use is not protected (the handler's environment lists them)", async () => {
    const { outbound, run } = setup([ROLE_B]);
    await run(createEvent(throughB({ Type: 'APP_USER', ApiAccess: 'DISABLED', ApiAccessPrincipalArn: undefined })));
    expect(outbound.writes()).toHaveLength(1);
  });
});

describe("no write gives another user an admin role's principal", () => {
  // FinSpace maps a caller to the user whose apiAccessPrincipalArn it is; which of two it picks is not documented.
  const ROLE_B = 'arn:aws:iam::123456789012:role/OtherEnvironmentAdmin';
  const other = (overrides: Record<string, unknown>) =>
    properties({ UserId: 'u-quant-analyst', Type: 'SUPER_USER', ApiAccess: 'ENABLED', ...overrides });

  test.each([
    ["the event's own admin role", ADMIN_ROLE, []],
    ['another admin role of the stack', ROLE_B, [ROLE_B]],
    ['an admin role under another case and path', 'arn:aws:iam::123456789012:role/x/otherenvironmentadmin', [ROLE_B]],
  ])(
    '%s, declared as the principal of a user that is not its FinSpace user, is refused',
    async (_what, principal, roles) => {
      const { outbound, run } = setup(roles);
      await expect(run(createEvent(other({ ApiAccessPrincipalArn: principal })))).rejects.toThrow(
        /^UpdateUser u-quant-analyst: refused: apiAccessPrincipalArn names the admin role .* this user is not that role's FinSpace user.*Declare another apiAccessPrincipalArn/,
      );
      expect(outbound.writes()).toEqual([]);
    },
  );

  test('a user whose principal the admin role is already (its API access off) may be declared with it', async () => {
    const { outbound, run } = setup();
    outbound.users.set('u-quant-analyst', {
      userId: 'u-quant-analyst',
      status: 'ENABLED',
      type: 'APP_USER',
      apiAccess: 'DISABLED',
      apiAccessPrincipalArn: ADMIN_ROLE,
    });
    await run(createEvent(other({ ApiAccessPrincipalArn: ADMIN_ROLE })));
    expect(outbound.writes()).toHaveLength(1);
  });

  test('a principal no resource of the stack uses as its admin role goes through', async () => {
    const { outbound, run } = setup([ROLE_B]);
    await run(createEvent(other({ ApiAccessPrincipalArn: OTHER_ROLE })));
    expect(outbound.writes()).toHaveLength(1);
  });
});

describe('what is not a lockout goes through', () => {
  test("the same changes to a user that is not the admin role's", async () => {
    const { outbound, run } = setup();
    await run(createEvent(properties({ UserId: 'u-quant-analyst', Type: 'APP_USER', ApiAccess: 'DISABLED' })));
    await run(deleteEvent(`${ENVIRONMENT}/u-quant-analyst`, properties({ RemovalPolicy: 'destroy' })));
    expect(outbound.writes().map((w) => w.operation)).toEqual(['updateUser', 'disableUser']);
  });

  test('a user whose principal is the admin role but whose API access is already off', async () => {
    const { outbound, run } = setup();
    outbound.users.set(ADMIN_USER, {
      userId: ADMIN_USER,
      status: 'ENABLED',
      type: 'SUPER_USER',
      apiAccess: 'DISABLED',
      apiAccessPrincipalArn: ADMIN_ROLE,
    });
    await run(createEvent(admin({ Type: 'APP_USER', ApiAccess: 'DISABLED' })));
    expect(outbound.writes()).toHaveLength(1);
  });

  test('the admin user declared as it is', async () => {
    const { outbound, run } = setup();
    await run(createEvent(admin()));
    await run(createEvent(admin({ ApiAccess: undefined, ApiAccessPrincipalArn: undefined })));
    expect(outbound.writes()).toHaveLength(2);
  });
});
