// The handler reaches FinSpace through the admin role, which FinSpace maps to
// one superuser with API access. A write that takes that user's API access,
// its superuser type or its principal away, or disables it, would succeed, and
// every later deploy of the environment would then fail at
// GetProgrammaticAccessCredentials, its rollback included. Such a write is
// refused before it is made, after a read of the live user.
import type { GetUserOutput } from '../finspace/client';
import type { UserDeclaration } from '../finspace/constraints';

/** True when `live` is the user through which `adminRoleArn` obtains FinSpace credentials. */
export function isAdminUser(live: GetUserOutput, adminRoleArn: string): boolean {
  return live.apiAccessPrincipalArn === adminRoleArn && live.apiAccess !== 'DISABLED' && live.status !== 'DISABLED';
}

/** What of the declaration would cut the admin role off, in words; empty when nothing would. */
function lockingChanges(declaration: UserDeclaration): string[] {
  const changes: string[] = [];
  if (declaration.type === 'APP_USER') changes.push('type APP_USER');
  if (declaration.apiAccess === 'DISABLED') changes.push('apiAccess DISABLED');
  const principal = declaration.apiAccessPrincipalArn;
  if (principal !== undefined && principal !== declaration.adminRoleArn) changes.push('another apiAccessPrincipal');
  return changes;
}

function adminOf(declaration: Pick<UserDeclaration, 'adminRoleArn' | 'environmentId'>): string {
  return (
    `this user is the FinSpace user of the admin role ${declaration.adminRoleArn}, through which this handler ` +
    `obtains FinSpace credentials for environment ${declaration.environmentId}`
  );
}

/** Why UpdateUser with `declaration` must not be sent to the `live` user, or undefined. */
export function updateLockoutReason(live: GetUserOutput, declaration: UserDeclaration): string | undefined {
  if (!isAdminUser(live, declaration.adminRoleArn)) return undefined;
  const changes = lockingChanges(declaration);
  if (changes.length === 0) return undefined;
  return (
    `refused: ${adminOf(declaration)}; ${changes.join(' and ')} would lock the handler out ` +
    `(every later deploy would fail at GetProgrammaticAccessCredentials). To make this change deliberately, ` +
    `first deploy this user with another adminRole (a role FinSpace maps to another superuser with API access), ` +
    `then deploy the change. Nothing was written.`
  );
}

/** Why DisableUser must not be sent to the `live` user, or undefined. */
export function disableLockoutReason(
  live: GetUserOutput,
  declaration: Pick<UserDeclaration, 'adminRoleArn' | 'environmentId'>,
): string | undefined {
  if (!isAdminUser(live, declaration.adminRoleArn)) return undefined;
  return (
    `refused: ${adminOf(declaration)}; disabling it would lock the handler out. To remove the resource and keep ` +
    `the user, deploy it with removalPolicy RETAIN first; to disable it deliberately, first deploy it with another ` +
    `adminRole. Nothing was written.`
  );
}
