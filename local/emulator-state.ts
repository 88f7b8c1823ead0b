// The local FinSpace's state: environments, users, IAM principals and roles,
// issued credentials and idempotency records. Plain JSON, so that a file can
// hold it between runs (`.finspace-local/emulator.json`).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ApiAccess, UserType } from '../finspace/constraints';

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
}

export interface EmulatorState {
  region: string;
  accountId: string;
  /** Users by environment id, then user id. */
  environments: Record<string, Record<string, UserRecord>>;
  /** Roles that may be assumed, with the principal ARNs each trusts (`*`: any). */
  roles: Record<string, { trusted: string[] }>;
  accessKeys: Record<string, AccessKeyRecord>;
  idempotency: Record<string, IdempotencyRecord>;
  /** DynamoDB tables by name (the handler's snapshot tables). */
  dynamodb?: Record<string, LocalTable>;
}

/** The local endpoint's one region and account. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';

/** Credentials the local deploy runner hands the handler: they act as the handler's Lambda role. */
export const LOCAL_HANDLER_CREDENTIALS = {
  accessKeyId: 'AKIALOCALHANDLER0001',
  secretAccessKey: 'local-handler-secret-not-a-real-key',
  principalArn: 'arn:aws:iam::123456789012:role/FinspaceUserHandlerRole',
} as const;

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

/** An account with no environment yet: the handler's credentials exist, nothing else. */
export function emptyState(): EmulatorState {
  return {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    environments: {},
    roles: {},
    accessKeys: {
      [LOCAL_HANDLER_CREDENTIALS.accessKeyId]: {
        secretAccessKey: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
        kind: 'iam',
        principalArn: LOCAL_HANDLER_CREDENTIALS.principalArn,
      },
    },
    idempotency: {},
  };
}

/** The state kept in `file`, or `seed` (by default an empty account) when there is none yet. */
export function loadState(file: string, seed: () => EmulatorState = emptyState): EmulatorState {
  if (!existsSync(file)) return seed();
  return JSON.parse(readFileSync(file, 'utf8')) as EmulatorState;
}

/** Written to a temporary file and renamed, so a crash never leaves half a file. */
export function saveState(file: string, state: EmulatorState): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}
