// The local FinSpace's state: environments, users, IAM principals and roles,
// issued credentials and idempotency records. Plain JSON, so that a file can
// hold it between runs (`.finspace-local/emulator.json`, owner-only, without
// expired credentials). Its maps have no prototype: ids such as `__proto__` or
// `constructor` come from callers and must be ordinary keys.
import { existsSync, readFileSync } from 'node:fs';
import type { ApiAccess, UserType } from '../finspace/constraints';
import { writePrivateFile } from './private-files';

export type UserStatus = 'CREATING' | 'ENABLED' | 'DISABLED';

export interface UserRecord {
  userId: string;
  status: UserStatus;
  firstName?: string;
  lastName?: string;
  emailAddress?: string;
  type: UserType;
  apiAccess: ApiAccess;
  apiAccessPrincipalArn?: string;
  createTime: number;
  lastEnabledTime: number;
  lastDisabledTime: number;
  lastModifiedTime: number;
  lastLoginTime: number;
}

/** An access key the emulator accepts: long-term IAM, STS session, or FinSpace-issued. */
export interface AccessKeyRecord {
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms; undefined for long-term keys. */
  expiresAt?: number;
  kind: 'iam' | 'finspace';
  /** IAM keys: the IAM role (or user) ARN the key acts as. */
  principalArn?: string;
  /** STS session keys: the session name given to AssumeRole (what CloudTrail shows of the caller). */
  sessionName?: string;
  /**
   * IAM keys: the roles the key also stands for here. The local handler's key
   * acts as the handler role of each stack the app has (whose ARN the
   * templates and trust policies name), since one key serves every stack.
   */
  actsAs?: string[];
  /** FinSpace keys: the environment and user they were issued for. */
  environmentId?: string;
  userId?: string;
}

export interface IdempotencyRecord {
  fingerprint: string;
  response: unknown;
  at: number;
}

/** A DynamoDB table of the local endpoint: its key schema, time to live, and items sealed at rest (at-rest.ts). */
export interface LocalTable {
  keyAttributes: string[];
  ttlAttribute?: string;
  /** By the JSON of the item's key values. */
  items: Record<string, { sealed: string; expiresAt?: number }>;
  /** Its resource-based policy (local/resource-policy.ts), as attached, and that version's revision id. */
  resourcePolicy?: { document: string; revisionId: string };
}

export interface EmulatorState {
  region: string;
  accountId: string;
  /** Users by environment id, then user id. */
  environments: Record<string, Record<string, UserRecord>>;
  /** Roles that may be assumed, by ARN, each with its trust policy. */
  roles: Record<string, RoleRecord>;
  accessKeys: Record<string, AccessKeyRecord>;
  idempotency: Record<string, IdempotencyRecord>;
  /** DynamoDB tables by name (the handler's snapshot tables). */
  dynamodb?: Record<string, LocalTable>;
  /**
   * What was seeded from the app's declarations (local/seed.ts), so that each
   * run seeds only what it never seeded before: something you remove from this
   * file stays removed. `false` for a state started from a seed file
   * (`--seed`), which says all that FinSpace holds: declarations add nothing to it.
   * @default - nothing recorded: whatever is declared and missing is seeded
   */
  seededFromDeclarations?: SeededRecord | false;
}

/** A role, as AssumeRole judges a caller by it. */
export interface RoleRecord {
  /**
   * Its trust policy (an `AssumeRolePolicyDocument`), evaluated as IAM does
   * for AssumeRole (local/iam-policy.ts): Principal, Action, Condition.
   */
  trustPolicy?: unknown;
  /** The older, shorter form, without `trustPolicy`: the principal ARNs it trusts (`*`: any)... */
  trusted?: string[];
  /** ...and the external id it requires (`sts:ExternalId`), if any. */
  externalId?: string;
}

/** The environments, users (by environment) and roles seeded from declarations. */
export interface SeededRecord {
  environments: string[];
  /** `[environmentId, userId]` pairs. */
  users: [string, string][];
  roles: string[];
}

/** Idempotency tokens expire after ten minutes (the model's documentation). */
export const CLIENT_TOKEN_TTL_MS = 10 * 60_000;

/** The local endpoint's one region and account. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';

/** Credentials the local deploy runner hands the handler: they act as the handler's Lambda role. */
export const LOCAL_HANDLER_CREDENTIALS = {
  accessKeyId: 'AKIALOCALHANDLER0001',
  secretAccessKey: 'local-handler-secret-not-a-real-key',
  principalArn: 'arn:aws:iam::123456789012:role/FinspaceUserHandlerRole',
} as const;

/**
 * Credentials the local deploy acts with where CloudFormation would (it
 * creates a stack's tables and sets their policies): they stand for the
 * role that deploys the stack, which a table's policy names.
 */
export const LOCAL_DEPLOYER_CREDENTIALS = {
  accessKeyId: 'AKIALOCALDEPLOYER001',
  secretAccessKey: 'local-deployer-secret-not-a-real-key',
  principalArn: 'arn:aws:iam::123456789012:role/FinspaceUserLocalDeployer',
} as const;

/** The long-term keys every local account has: the handler's and the deployer's. */
function builtInKeys(): Record<string, AccessKeyRecord> {
  return Object.fromEntries(
    [LOCAL_HANDLER_CREDENTIALS, LOCAL_DEPLOYER_CREDENTIALS].map((c) => [
      c.accessKeyId,
      { secretAccessKey: c.secretAccessKey, kind: 'iam' as const, principalArn: c.principalArn },
    ]),
  );
}

/** When seeded users were created and enabled. */
export const EPOCH_2026 = Date.UTC(2026, 0, 5, 9, 0, 0);

export function seedUser(
  userId: string,
  type: UserType,
  firstName: string | undefined,
  lastName: string | undefined,
  apiAccess: ApiAccess,
  apiAccessPrincipalArn?: string,
): UserRecord {
  return {
    userId,
    status: 'ENABLED',
    firstName,
    lastName,
    emailAddress: `${userId}@example.com`,
    type,
    apiAccess,
    apiAccessPrincipalArn,
    createTime: EPOCH_2026,
    lastEnabledTime: EPOCH_2026,
    lastDisabledTime: 0,
    lastModifiedTime: EPOCH_2026,
    lastLoginTime: 0,
  };
}

/** A map keyed by caller-chosen ids: no prototype, so that no id reaches Object.prototype. */
export function newDictionary<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/**
 * Takes the prototype off every map of `state`, in place (so that references
 * to it stay valid); what JSON.parse or a seed function made is then safe to index.
 */
export function hardenState(state: EmulatorState): EmulatorState {
  state.idempotency ??= {};
  // A state file from before the deployer's key gets it.
  for (const [id, key] of Object.entries(builtInKeys())) state.accessKeys[id] ??= key;
  for (const map of [state.environments, state.roles, state.accessKeys, state.idempotency]) {
    Object.setPrototypeOf(map, null);
  }
  for (const users of Object.values(state.environments)) Object.setPrototypeOf(users, null);
  return state;
}

/** An account with no environment yet: the handler's and the deployer's credentials exist, nothing else. */
export function emptyState(): EmulatorState {
  return {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    environments: newDictionary(),
    roles: newDictionary(),
    accessKeys: newDictionary(builtInKeys()),
    idempotency: newDictionary(),
  };
}

const expired = (key: AccessKeyRecord, now: number) => key.expiresAt !== undefined && key.expiresAt <= now;

/**
 * `state` without the credentials that have expired and the idempotency
 * records past their ten minutes: what a file keeps. (A running endpoint still
 * knows its expired keys, to answer ExpiredToken as AWS does.)
 */
export function withoutExpired(state: EmulatorState, now: number): EmulatorState {
  return {
    ...state,
    accessKeys: newDictionary(Object.fromEntries(Object.entries(state.accessKeys).filter(([, k]) => !expired(k, now)))),
    idempotency: newDictionary(
      Object.fromEntries(Object.entries(state.idempotency).filter(([, r]) => now - r.at <= CLIENT_TOKEN_TTL_MS)),
    ),
  };
}

/** The state kept in `file` (expired credentials dropped), or `seed` (by default an empty account) when there is none yet. */
export function loadState(
  file: string,
  seed: () => EmulatorState = emptyState,
  now: number = Date.now(),
): EmulatorState {
  if (!existsSync(file)) return hardenState(seed());
  return withoutExpired(hardenState(JSON.parse(readFileSync(file, 'utf8')) as EmulatorState), now);
}

/** Written owner-only, whole or not at all, without what has expired. */
export function saveState(file: string, state: EmulatorState, now: number = Date.now()): void {
  writePrivateFile(file, `${JSON.stringify(withoutExpired(state, now), null, 2)}\n`);
}
