// What the handler keeps of a user before it writes to it, so that a
// rollback can put back exactly the values the failed deploy replaced: the
// user's FinSpace fields, read just before the first write of a forward
// event, keyed by the stack, the resource and the properties being applied
// (a rollback event names those properties as its OldResourceProperties, a
// rollback Delete as its ResourceProperties).
import { createHash } from 'node:crypto';
import type { GetUserOutput } from '../finspace/client';
import type { UserDeclaration } from '../finspace/constraints';
import { PROPERTY_NAMES } from './resource-properties';

/** The user's FinSpace fields before the deploy; names are personal data: never logged. */
export type UserBefore = Pick<
  GetUserOutput,
  'userId' | 'type' | 'firstName' | 'lastName' | 'apiAccess' | 'apiAccessPrincipalArn'
>;

export interface Snapshot {
  readonly key: string;
  /** The forward event that took it: a redelivery of that event keeps it rather than re-reading its own write. */
  readonly requestId: string;
  /** Epoch seconds; the store's time to live removes it after that, and a read treats it as gone. */
  readonly expiresAt: number;
  readonly user: UserBefore;
}

/** Stable in the declaration's values, whatever order CloudFormation lists the properties in. */
export function snapshotKey(stackId: string, logicalId: string, declaration: UserDeclaration): string {
  const values = Object.keys(PROPERTY_NAMES).map((field) => declaration[field as keyof UserDeclaration] ?? null);
  return createHash('sha256')
    .update(JSON.stringify([stackId, logicalId, values]))
    .digest('hex');
}

/** Only the fields a FinspaceUser may write: not the e-mail address, not the times. */
export function userBefore(user: GetUserOutput): UserBefore {
  return {
    userId: user.userId,
    type: user.type,
    firstName: user.firstName,
    lastName: user.lastName,
    apiAccess: user.apiAccess,
    apiAccessPrincipalArn: user.apiAccessPrincipalArn,
  };
}

export function isExpired(snapshot: Snapshot, nowMs: number): boolean {
  return snapshot.expiresAt * 1000 <= nowMs;
}
