// The local FinSpace a first `finspace-user local` starts from, made from the
// app's own declarations: each environment it names exists, each declared user
// exists as someone might have set it up by hand (an app user without API
// access, with the declared names), and each admin role is mapped to a
// superuser with API access that the handler's role may assume.
import { createHash } from 'node:crypto';
import { PROPERTY_NAMES } from '../lambda/resource-properties';
import { emptyState, type EmulatorState, LOCAL_HANDLER_CREDENTIALS, newDictionary, seedUser } from './emulator-state';

/** Resolved properties of the declared Custom::FinspaceUser resources. */
export type DeclaredProperties = Record<string, unknown>;

const text = (properties: DeclaredProperties, field: keyof typeof PROPERTY_NAMES): string | undefined => {
  const value = properties[PROPERTY_NAMES[field]];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** The user id seeded for an admin role no declared user maps: stable, within the model's 26 characters. */
export function adminUserIdFor(adminRoleArn: string): string {
  return `admin-${createHash('sha256').update(adminRoleArn).digest('hex').slice(0, 12)}`;
}

export function seedFromDeclarations(declared: readonly DeclaredProperties[]): EmulatorState {
  const state = emptyState();
  const admins = new Map<string, Set<string>>();
  /** The external id each admin role is declared with: its trust policy requires it. */
  const externalIds = new Map<string, string>();
  for (const properties of declared) {
    const environmentId = text(properties, 'environmentId');
    const userId = text(properties, 'userId');
    const adminRoleArn = text(properties, 'adminRoleArn');
    if (!environmentId || !userId) continue;
    const users = (state.environments[environmentId] ??= newDictionary());
    const principal = text(properties, 'apiAccessPrincipalArn');
    // A declared user whose API principal is the admin role is the admin: a superuser already.
    users[userId] =
      principal !== undefined && principal === adminRoleArn
        ? seedUser(
            userId,
            'SUPER_USER',
            text(properties, 'firstName'),
            text(properties, 'lastName'),
            'ENABLED',
            principal,
          )
        : seedUser(userId, 'APP_USER', text(properties, 'firstName'), text(properties, 'lastName'), 'DISABLED');
    if (principal) state.roles[principal] ??= { trusted: ['*'] };
    const externalId = text(properties, 'externalId');
    if (adminRoleArn && externalId) externalIds.set(adminRoleArn, externalId);
    if (adminRoleArn) {
      if (!admins.has(environmentId)) admins.set(environmentId, new Set());
      admins.get(environmentId)?.add(adminRoleArn);
    }
  }
  for (const [environmentId, roles] of admins) {
    const users = state.environments[environmentId];
    for (const roleArn of roles) {
      const externalId = externalIds.get(roleArn);
      state.roles[roleArn] = {
        trusted: [LOCAL_HANDLER_CREDENTIALS.principalArn],
        ...(externalId ? { externalId } : {}),
      };
      const mapped = Object.values(users).some((u) => u.type === 'SUPER_USER' && u.apiAccessPrincipalArn === roleArn);
      if (!mapped) {
        const userId = adminUserIdFor(roleArn);
        users[userId] = seedUser(userId, 'SUPER_USER', 'Platform', 'Admin', 'ENABLED', roleArn);
      }
    }
  }
  return state;
}
