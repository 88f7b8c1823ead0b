// A failed deploy leaves FinSpace as it was. Before a forward event first
// writes to a user, the handler keeps the user's fields (snapshot-store.ts);
// when CloudFormation undoes that event, it writes them back. Which events
// undo a deploy is the stack's status: CloudFormation says so while it rolls back.
import type { AwsCredentialIdentity } from '@smithy/types';
import type { GetUserOutput, UpdateUserInput } from '../finspace/client';
import { FINSPACE_FIELDS, type UserDeclaration } from '../finspace/constraints';
import { SNAPSHOT_TTL_SECONDS } from './consts';
import type { Outbound } from './outbound';
import { serviceCall, type StackStatusOf, stackStatusOnce } from './stack-status';
import { isExpired, snapshotKey, type UserBefore, userBefore } from './snapshot-store';
import type { LifecycleEvent } from './user-lifecycle';

/** The stack statuses in which CloudFormation sends the Updates and Deletes that undo a failed deploy. */
export const ROLLBACK_STATUSES: ReadonlySet<string> = new Set([
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

/** Runs a FinSpace call with the admin role's FinSpace credentials; a failure is named by `operation` and the user. */
export type FinspaceRunner = <T>(
  operation: string,
  call: (credentials: AwsCredentialIdentity) => Promise<T>,
) => Promise<T>;

export interface RollbackDeps {
  readonly outbound: Outbound;
  readonly signal?: AbortSignal;
  /** The event's stack status, read once. @default - asked of CloudFormation here */
  readonly stackStatus?: StackStatusOf;
  /** @default Date.now */
  readonly now?: () => number;
}

type EventIds = Pick<LifecycleEvent, 'StackId' | 'LogicalResourceId' | 'RequestId'>;

/** True while CloudFormation rolls the handler's own stack back. */
export async function inRollback(event: EventIds, deps: RollbackDeps): Promise<boolean> {
  const stackStatus = deps.stackStatus ?? stackStatusOnce(event, deps.outbound, deps.signal);
  return ROLLBACK_STATUSES.has(await stackStatus());
}

/**
 * Before a forward event's first write: reads the user as it is and keeps it
 * under the properties being applied. Nothing is written to FinSpace unless
 * this succeeded, so whatever a deploy writes, its rollback can undo.
 */
export async function rememberUser(
  event: EventIds,
  applied: UserDeclaration,
  deps: RollbackDeps,
  finspace: FinspaceRunner,
  /** Throws to refuse the write, before anything is kept (the lockout guard). */
  refuse: (live: GetUserOutput) => void = () => undefined,
): Promise<void> {
  const live = await finspace('GetUser', (credentials) =>
    deps.outbound.getUser(credentials, { userId: applied.userId }, deps.signal),
  );
  refuse(live);
  const nowSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
  const snapshot = {
    key: snapshotKey(event.StackId, event.LogicalResourceId, applied),
    requestId: event.RequestId,
    expiresAt: nowSeconds + SNAPSHOT_TTL_SECONDS,
    user: userBefore(live),
  };
  await serviceCall('PutItem', `snapshot of ${applied.userId}`, () => deps.outbound.putSnapshot(snapshot, deps.signal));
}

/** Deletes the snapshot kept for `applied`: the deploy that applied it is over. */
export async function forgetUser(event: EventIds, applied: UserDeclaration, deps: RollbackDeps): Promise<void> {
  const key = snapshotKey(event.StackId, event.LogicalResourceId, applied);
  await serviceCall('DeleteItem', `snapshot of ${applied.userId}`, () =>
    deps.outbound.deleteSnapshot(key, deps.signal),
  );
}

/**
 * What to write back: every field the failed deploy declared, with its value
 * before that deploy. FinSpace cannot unset a name or a principal, so a field
 * that had no value before is left out (see `restoreUser`).
 */
export function restoreInput(
  applied: UserDeclaration,
  before: UserBefore,
): Omit<UpdateUserInput, 'userId' | 'clientToken'> {
  const input: Record<string, string> = {};
  for (const field of FINSPACE_FIELDS) {
    const value = before[field];
    if (applied[field] !== undefined && value !== undefined) input[field] = value;
  }
  return input;
}

export type RestoreOutcome = 'restored' | 'no-snapshot';

/**
 * Undoes a forward event that applied `applied`: writes back the snapshot's
 * values of the fields it declared, then deletes the snapshot. `no-snapshot`
 * when there is none: the forward event never wrote (it failed before its
 * snapshot, or had nothing to change), or the snapshot outlived its time to live.
 */
export async function restoreUser(
  event: EventIds,
  applied: UserDeclaration,
  deps: RollbackDeps,
  finspace: FinspaceRunner,
  clientToken: string,
): Promise<RestoreOutcome> {
  const key = snapshotKey(event.StackId, event.LogicalResourceId, applied);
  const snapshot = await serviceCall('GetItem', `snapshot of ${applied.userId}`, () =>
    deps.outbound.getSnapshot(key, deps.signal),
  );
  if (!snapshot || isExpired(snapshot, (deps.now ?? Date.now)()) || snapshot.user.userId !== applied.userId) {
    return 'no-snapshot';
  }
  const before = snapshot.user;
  const input = restoreInput(applied, before);
  if (Object.keys(input).length > 0) {
    await finspace('UpdateUser', (credentials) =>
      deps.outbound.updateUser(credentials, { userId: applied.userId, ...input, clientToken }, deps.signal),
    );
  }
  // A principal the failed deploy gave a user that had API access and no principal cannot be taken
  // away again (FinSpace has no way to unset it), and that role may now get the user's credentials.
  if (applied.apiAccessPrincipalArn !== undefined && before.apiAccessPrincipalArn === undefined) {
    const live = await finspace('GetUser', (credentials) =>
      deps.outbound.getUser(credentials, { userId: applied.userId }, deps.signal),
    );
    if (live.apiAccess === 'ENABLED' && live.apiAccessPrincipalArn !== undefined) {
      throw new Error(
        `Restore ${applied.userId}: apiAccessPrincipalArn: the user had API access and no principal before this deploy, ` +
          'and FinSpace cannot unset one: remove it (or disable API access) in FinSpace, then continue the rollback',
      );
    }
  }
  await forgetUser(event, applied, deps);
  return 'restored';
}
