// Issue 10, item 2, end to end: declaring the admin's own FinSpace user so
// that the admin role would lose its access fails the deploy with nothing
// written, the rollback completes, and a normal deploy afterwards still works.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { FinspaceApiAccess, FinspaceUserType } from '../lib';
import { type Emulator, startEmulator, WRITE_OPERATIONS } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS, seedUser } from '../local/emulator-state';
import { localDeploy, type LocalDeployResult } from '../local/local-deploy';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import type { UserSpec } from './support/roles';
import { synthUsers } from './support/synth';

jest.setTimeout(60_000);

let workDir: string;
let emulator: Emulator;
beforeEach(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-lockout-'));
  // u-platform-admin is the superuser whose API principal is the admin role
  emulator = await startEmulator({ seed: demoState });
});
afterEach(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function deploy(users: Record<string, Partial<UserSpec>>): Promise<LocalDeployResult> {
  const cdkOut = synthUsers(workDir, users);
  return localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url, concurrency: 1, readUsers: false });
}

const admin = () => emulator.state.environments[ENVIRONMENT]['u-platform-admin'];
const writes = () => emulator.calls.filter((c) => WRITE_OPERATIONS.has(c.operation) && c.statusCode === 200);

// What `npm start -- -c analystUserId=u-platform-admin` declares: the analyst's settings on the admin's user.
const ANALYST_ON_ADMIN: Partial<UserSpec> = {
  userId: 'u-platform-admin',
  type: FinspaceUserType.APP_USER,
  apiAccess: FinspaceApiAccess.DISABLED,
};

test('declaring the admin user as an app user without API access is refused; the next deploy works', async () => {
  const refused = await deploy({ Analyst: ANALYST_ON_ADMIN });
  expect(refused.ok).toBe(false);
  expect(refused.stacks[0].status).toBe('ROLLBACK_COMPLETE');
  expect(refused.stacks[0].reason).toMatch(
    /^UpdateUser u-platform-admin: refused: this user is the FinSpace user of the admin role .* type APP_USER and apiAccess DISABLED would lock the handler out/,
  );
  expect(writes()).toEqual([]);
  expect(admin()).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED', apiAccessPrincipalArn: ADMIN_ROLE });

  const normal = await deploy({ Analyst: { userId: 'u-quant-analyst', apiAccess: FinspaceApiAccess.DISABLED } });
  expect(normal.ok).toBe(true);
  expect(writes().map((c) => `${c.operation} ${c.userId}`)).toEqual(['UpdateUser u-quant-analyst']);
});

test('a DESTROY admin user removed from the stack is not disabled; the delete fails loudly', async () => {
  const declared = {
    Admin: {
      userId: 'u-platform-admin',
      type: FinspaceUserType.SUPER_USER,
      removalPolicy: RemovalPolicy.DESTROY,
    },
  };
  expect((await deploy(declared)).ok).toBe(true);
  const removed = await deploy({});
  expect(removed.ok).toBe(false);
  expect(removed.stacks[0].reason).toMatch(/^DisableUser u-platform-admin: refused: .*removalPolicy RETAIN/);
  expect(admin().status).toBe('ENABLED');
});

test("a user declared through admin role B cannot demote admin role A's user, on which the stack's other users rely", async () => {
  const roleB = 'arn:aws:iam::123456789012:role/OtherFinSpaceAdmin';
  emulator.state.roles[roleB] = { trusted: [LOCAL_HANDLER_CREDENTIALS.principalArn] };
  emulator.state.environments[ENVIRONMENT]['u-other-admin'] = seedUser(
    'u-other-admin',
    'SUPER_USER',
    'Other',
    'Admin',
    'ENABLED',
    roleB,
  );
  const refused = await deploy({
    Analyst: { userId: 'u-quant-analyst', apiAccess: FinspaceApiAccess.DISABLED },
    AdminThroughB: { ...ANALYST_ON_ADMIN, adminRoleArn: roleB },
  });
  expect(refused.ok).toBe(false);
  expect(refused.stacks[0].reason).toMatch(
    new RegExp(`^UpdateUser u-platform-admin: refused: this user is the FinSpace user of the admin role ${ADMIN_ROLE}`),
  );
  expect(admin()).toMatchObject({ type: 'SUPER_USER', apiAccess: 'ENABLED', apiAccessPrincipalArn: ADMIN_ROLE });
});
