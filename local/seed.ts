// The local FinSpace `finspace-user local` starts from, made from the app's
// own declarations: each environment it names exists, each declared user
// exists as someone might have set it up by hand (an app user without API
// access, with the declared names), and each admin role is mapped to a
// superuser with API access, and trusts the handler role of the stacks that
// use it the way the README recommends (the account as principal, narrowed
// by `aws:PrincipalArn`): edit that trust in emulator.json to see a deploy
// fail as it would in AWS. A later run
// seeds what the app declares that was never seeded before, and changes
// nothing that is there: a user a deploy changed keeps its values.
import { createHash } from 'node:crypto';
import { PROPERTY_NAMES } from '../lambda/resource-properties';
import {
  emptyState,
  type EmulatorState,
  LOCAL_ACCOUNT,
  LOCAL_HANDLER_CREDENTIALS,
  newDictionary,
  type SeededRecord,
  seedUser,
  type UserRecord,
} from './emulator-state';

/** Resolved properties of the declared Custom::FinspaceUser resources. */
export type DeclaredProperties = Record<string, unknown>;

/** A declared user, and the role of the handler that deploys it. */
export interface Declaration {
  readonly properties: DeclaredProperties;
  /** Its stack's handler role, which its admin role must trust. @default - the local handler's own principal */
  readonly handlerRoleArn?: string;
}

const text = (properties: DeclaredProperties, field: keyof typeof PROPERTY_NAMES): string | undefined => {
  const value = properties[PROPERTY_NAMES[field]];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** The user id seeded for an admin role no declared user maps: stable, within the model's 26 characters. */
export function adminUserIdFor(adminRoleArn: string): string {
  return `admin-${createHash('sha256').update(adminRoleArn).digest('hex').slice(0, 12)}`;
}

/**
 * The trust policy a role managed elsewhere is seeded with: the one the
 * README recommends, trusting the account's principals whose ARN is one of
 * `handlerRoleArns`, with the external id the declarations send, if any.
 */
export function seededTrustPolicy(handlerRoleArns: readonly string[], externalId?: string): unknown {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'FinspaceUserHandler',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${LOCAL_ACCOUNT}:root` },
        Action: 'sts:AssumeRole',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': handlerRoleArns.length === 1 ? handlerRoleArns[0] : [...handlerRoleArns] },
          ...(externalId === undefined ? {} : { StringEquals: { 'sts:ExternalId': externalId } }),
        },
      },
    ],
  };
}

/** The trust policy of an API principal seeded here: anyone may assume it (it stands for a pipeline's role). */
const ANYONE_MAY_ASSUME = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
};

export function seedFromDeclarations(declared: readonly Declaration[]): EmulatorState {
  const state = emptyState();
  const admins = new Map<string, Set<string>>();
  /** The external id each admin role is declared with: its trust policy requires it. */
  const externalIds = new Map<string, string>();
  /** The handler roles that use each admin role. */
  const handlers = new Map<string, Set<string>>();
  for (const { properties, handlerRoleArn } of declared) {
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
    if (principal) state.roles[principal] ??= { trustPolicy: ANYONE_MAY_ASSUME };
    const externalId = text(properties, 'externalId');
    if (adminRoleArn && externalId) externalIds.set(adminRoleArn, externalId);
    if (adminRoleArn) {
      if (!handlers.has(adminRoleArn)) handlers.set(adminRoleArn, new Set());
      handlers.get(adminRoleArn)?.add(handlerRoleArn ?? LOCAL_HANDLER_CREDENTIALS.principalArn);
      if (!admins.has(environmentId)) admins.set(environmentId, new Set());
      admins.get(environmentId)?.add(adminRoleArn);
    }
  }
  for (const [environmentId, roles] of admins) {
    const users = state.environments[environmentId];
    for (const roleArn of roles) {
      state.roles[roleArn] = {
        trustPolicy: seededTrustPolicy([...(handlers.get(roleArn) ?? [])].sort(), externalIds.get(roleArn)),
      };
      const mapped = Object.values(users).some((u) => u.type === 'SUPER_USER' && u.apiAccessPrincipalArn === roleArn);
      if (!mapped) {
        const userId = adminUserIdFor(roleArn);
        users[userId] = seedUser(userId, 'SUPER_USER', 'Platform', 'Admin', 'ENABLED', roleArn);
      }
    }
  }
  state.seededFromDeclarations = recordOf(state);
  return state;
}

function recordOf(state: EmulatorState): SeededRecord {
  return {
    environments: Object.keys(state.environments),
    users: Object.entries(state.environments).flatMap(([env, users]) =>
      Object.keys(users).map((id): [string, string] => [env, id]),
    ),
    roles: Object.keys(state.roles),
  };
}

/** What a later run seeded, to say so. */
export interface Seeded {
  readonly environments: string[];
  readonly users: { environmentId: string; userId: string }[];
  readonly roles: string[];
}

/**
 * Adds to `state`, in place, what `declared` (seedFromDeclarations of the app
 * now) holds and `state` never had seeded: an environment, a user, an admin
 * role. Nothing there is overwritten, and nothing seeded before is seeded
 * again (whoever removed it from the state file meant it). The admin user
 * seeded for an admin role is left out where a superuser already maps that
 * role. A state from a seed file (`seededFromDeclarations: false`) is left as it is.
 */
export function seedWhatIsNew(state: EmulatorState, declared: EmulatorState): Seeded {
  const added: Seeded = { environments: [], users: [], roles: [] };
  if (state.seededFromDeclarations === false) return added;
  const record: SeededRecord = state.seededFromDeclarations ?? { environments: [], users: [], roles: [] };
  state.seededFromDeclarations = record;
  const seededUser = (env: string, id: string) => record.users.some(([e, u]) => e === env && u === id);
  for (const [environmentId, users] of Object.entries(declared.environments)) {
    const seededBefore = record.environments.includes(environmentId);
    if (!seededBefore) record.environments.push(environmentId);
    if (!(environmentId in state.environments)) {
      // an environment someone removed from the file stays removed, its users with it
      if (seededBefore) continue;
      state.environments[environmentId] = newDictionary();
      added.environments.push(environmentId);
    }
    const existing = state.environments[environmentId];
    for (const [userId, user] of Object.entries(users)) {
      if (seededUser(environmentId, userId)) continue;
      record.users.push([environmentId, userId]);
      if (userId in existing || isAdminAlreadyMapped(user, existing)) continue;
      existing[userId] = structuredClone(user);
      added.users.push({ environmentId, userId });
    }
  }
  for (const [roleArn, role] of Object.entries(declared.roles)) {
    if (record.roles.includes(roleArn)) continue;
    record.roles.push(roleArn);
    if (roleArn in state.roles) continue;
    state.roles[roleArn] = structuredClone(role);
    added.roles.push(roleArn);
  }
  return added;
}

/** The admin user seeded for a role (adminUserIdFor) where a superuser of the environment already maps that role. */
function isAdminAlreadyMapped(user: UserRecord, users: Record<string, UserRecord>): boolean {
  const role = user.apiAccessPrincipalArn;
  if (role === undefined || user.userId !== adminUserIdFor(role)) return false;
  return Object.values(users).some((u) => u.type === 'SUPER_USER' && u.apiAccessPrincipalArn === role);
}
