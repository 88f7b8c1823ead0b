// The handler reaches FinSpace through admin roles, each of which FinSpace maps
// to one superuser with API access. A write that takes such a user's API
// access, its superuser type or its principal away, or disables it, would
// succeed, and every later deploy through that role would then fail at
// GetProgrammaticAccessCredentials, its rollback included. Such a write is
// refused before it is made, after a read of the live user, whether it comes
// from a declaration, a rollback's restore or a Delete. Protected are the users
// of every admin role the stack's resources use (a resource through admin role
// B must not demote admin role A's user, on which other resources rely). Nor
// may a write give another user an admin role as its principal: which of two
// users FinSpace maps a caller to is not documented, so the handler could lose
// its own access, or act as that other user.
import type { GetUserOutput, UpdateUserInput } from '../finspace/client';
import { samePrincipal } from './principal';

/** The FinSpace fields a write sets (the others are left as they are). */
export type UserWrite = Pick<UpdateUserInput, 'type' | 'apiAccess' | 'apiAccessPrincipalArn'>;

/** The event's own admin role first, then every other one the stack uses. */
export function protectedRoles(eventAdminRole: string, stackAdminRoles: readonly string[] = []): string[] {
  return [eventAdminRole, ...stackAdminRoles.filter((role) => !samePrincipal(role, eventAdminRole))];
}

/** The protected admin role whose FinSpace user `live` is, if any: its API principal, with API access on. */
function adminRoleOf(live: GetUserOutput, roles: readonly string[]): string | undefined {
  const principal = live.apiAccessPrincipalArn;
  if (principal === undefined || live.apiAccess === 'DISABLED' || live.status === 'DISABLED') return undefined;
  return roles.find((role) => samePrincipal(principal, role));
}

/** What of the write would cut `role` off, in words; empty when nothing would. */
function lockingChanges(write: UserWrite, role: string): string[] {
  const changes: string[] = [];
  if (write.type === 'APP_USER') changes.push('type APP_USER');
  if (write.apiAccess === 'DISABLED') changes.push('apiAccess DISABLED');
  const principal = write.apiAccessPrincipalArn;
  if (principal !== undefined && !samePrincipal(principal, role)) changes.push('another apiAccessPrincipal');
  return changes;
}

function adminOf(role: string, environmentId: string): string {
  return (
    `this user is the FinSpace user of the admin role ${role}, through which this stack's handler ` +
    `obtains FinSpace credentials for environment ${environmentId}`
  );
}

/** How to make a refused change deliberately, by what refused it. */
const REMEDY = {
  declaration:
    'To make this change deliberately, first deploy this user with another adminRole (a role FinSpace maps to ' +
    'another superuser with API access) and no other resource of the stack using this one, then deploy the change.',
  restore:
    'The rollback cannot write these before-values back: set the user in FinSpace as it should be, then continue ' +
    'the rollback (skipping this resource).',
} as const;

/** The protected admin role that `write` names as the principal of `live`, a user whose principal it is not yet. */
function principalTakenFrom(live: GetUserOutput, write: UserWrite, roles: readonly string[]): string | undefined {
  const principal = write.apiAccessPrincipalArn;
  if (principal === undefined) return undefined;
  const role = roles.find((r) => samePrincipal(principal, r));
  if (role === undefined) return undefined;
  const current = live.apiAccessPrincipalArn;
  return current !== undefined && samePrincipal(current, role) ? undefined : role;
}

/** How to go on when a write would give an admin role's principal to another user. */
const TAKEOVER_REMEDY = {
  declaration:
    'Declare another apiAccessPrincipalArn for this user (a role no FinspaceUser of the stack uses as adminRole).',
  restore: REMEDY.restore,
} as const;

/** Why UpdateUser with `write` must not be sent to the `live` user, or undefined. */
export function updateLockoutReason(
  live: GetUserOutput,
  write: UserWrite,
  roles: readonly string[],
  environmentId: string,
  by: keyof typeof REMEDY = 'declaration',
): string | undefined {
  const taken = principalTakenFrom(live, write, roles);
  if (taken !== undefined) {
    return (
      `refused: apiAccessPrincipalArn names the admin role ${taken}, through which this stack's handler obtains ` +
      `FinSpace credentials for environment ${environmentId}, and this user is not that role's FinSpace user: ` +
      'which of two users with one principal FinSpace maps the role to is not documented, so the handler could ' +
      `lose its own access or act as this user. ${TAKEOVER_REMEDY[by]} Nothing was written.`
    );
  }
  const role = adminRoleOf(live, roles);
  if (role === undefined) return undefined;
  const changes = lockingChanges(write, role);
  if (changes.length === 0) return undefined;
  return (
    `refused: ${adminOf(role, environmentId)}; ${changes.join(' and ')} would lock the handler out ` +
    `(every later deploy would fail at GetProgrammaticAccessCredentials). ${REMEDY[by]} Nothing was written.`
  );
}

/** Why DisableUser must not be sent to the `live` user, or undefined. */
export function disableLockoutReason(
  live: GetUserOutput,
  roles: readonly string[],
  environmentId: string,
): string | undefined {
  const role = adminRoleOf(live, roles);
  if (role === undefined) return undefined;
  return (
    `refused: ${adminOf(role, environmentId)}; disabling it would lock the handler out. To remove the resource and ` +
    `keep the user, deploy it with removalPolicy RETAIN first; to disable it deliberately, first deploy it with ` +
    `another adminRole, and no other resource of the stack using this one. Nothing was written.`
  );
}
