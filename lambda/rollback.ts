// A failed deploy leaves FinSpace as it was. Before a forward event writes to
// a user it keeps a change record (change-record.ts, forward-write.ts); when
// CloudFormation undoes that event, the handler writes the record's
// before-values back. While the stack rolls back, that is the only write it
// makes: an event it cannot match to a record it trusts writes nothing and
// succeeds (a failed answer would leave the stack UPDATE_ROLLBACK_FAILED).
// CloudFormation events carry no id of the stack operation, and a forward
// event may run late (Lambda's retries) or still run when CloudFormation has
// cancelled it and rolls back: so a rollback Update matches only the record of
// the change whose applied properties are its OldResourceProperties and whose
// replaced properties are its ResourceProperties, a rollback Delete only the
// record of a change that made the resource; and every rollback event leaves
// its request id (and a new revision) in the record, so that a forward run that
// has not written yet finds its condition broken, and a redelivery of the
// rollback event in a later deploy is recognised.
import type { AwsCredentialIdentity } from '@smithy/types';
import type { UpdateUserInput } from '../finspace/client';
import { FINSPACE_FIELDS, type UserDeclaration } from '../finspace/constraints';
import {
  type Before,
  beforeFitsDeclaration,
  type ChangeRecord,
  changeKey,
  type ForwardChange,
  handledWith,
  newRevision,
} from './change-record';
import { readChange, type StoreDeps, writeChange } from './change-store';
import { REDELIVERY_WINDOW_SECONDS } from './consts';
import { LifecycleError } from './lifecycle-error';
import { protectedRoles, updateLockoutReason } from './lockout';
import type { LifecycleEvent } from './user-lifecycle';

/** The stack statuses in which CloudFormation sends the Updates and Deletes that undo a failed deploy. */
export const ROLLBACK_STATUSES: ReadonlySet<string> = new Set([
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

/**
 * Runs a FinSpace call with the admin role's FinSpace credentials; a failure is
 * named by `operation` and the user, with the names of the runner's declaration
 * and every value in `masked` masked.
 */
export type FinspaceRunner = <T>(
  operation: string,
  call: (credentials: AwsCredentialIdentity) => Promise<T>,
  masked?: readonly (string | null | undefined)[],
) => Promise<T>;

export interface RestoreDeps extends StoreDeps {
  /** The admin roles of every resource of the stack, whose users a write must not lock out. */
  readonly adminRoleArns?: readonly string[];
}

type EventIds = Pick<LifecycleEvent, 'StackId' | 'LogicalResourceId' | 'RequestId'>;

/** What a rollback event says it undoes. */
export type Undo =
  /** A rollback Update: `applied` is its OldResourceProperties (parsed), the hashes those of its old and new properties. */
  | {
      readonly kind: 'update';
      readonly applied: UserDeclaration;
      readonly appliedHash: string;
      readonly replacedHash: string;
    }
  /** A rollback Delete of a resource the failed deploy made: `applied` is its properties. */
  | { readonly kind: 'delete'; readonly applied: UserDeclaration; readonly appliedHash: string };

/** Why `change` is not the one `undo` undoes, or undefined when it is. */
function mismatch(change: ForwardChange | undefined, undo: Undo): string | undefined {
  if (change === undefined) return 'no change of this resource to this user is kept (none was written, or it expired)';
  if (change.applied !== undo.appliedHash) return 'the kept change applied other properties than this event undoes';
  if (undo.kind === 'update' && change.replaced !== undo.replacedHash) {
    return 'the kept change replaced other properties than this event goes back to';
  }
  if (undo.kind === 'delete' && change.operation !== 'create') {
    return 'the kept change updated the resource in place; it did not make it';
  }
  if (!beforeFitsDeclaration(change.before, undo.applied)) {
    return 'the kept change holds fields its properties do not declare';
  }
  return undefined;
}

export type UndoResult =
  | { readonly outcome: 'restored' }
  /** Nothing written: why, in words without names. */
  | { readonly outcome: 'no-snapshot'; readonly reason: string };

/**
 * A rollback event: records it in the change record of the user it undoes
 * (and, when given, in `alsoKey`'s), and writes the record's before-values back
 * when the record is of the change it undoes. Whether it matches or not, every
 * run of the event leaves the record with a new revision, so that a forward
 * event of that change which has not yet stored its record can no longer store it.
 */
export async function undoChange(
  event: EventIds,
  undo: Undo,
  deps: RestoreDeps,
  finspace: FinspaceRunner,
  clientToken: string,
  alsoKey?: string,
): Promise<UndoResult> {
  const applied = undo.applied;
  const key = changeKey(event.StackId, event.LogicalResourceId, applied);
  let change: ForwardChange | undefined;
  let problem: string | undefined;
  // A conditional write that loses to another run (a forward event storing its record) reads again.
  for (let attempt = 1; ; attempt++) {
    const stored = await readChange(key, applied.userId, deps);
    change = stored.record?.change;
    problem = mismatch(change, undo);
    const nowMs = (deps.now ?? Date.now)();
    const next: ChangeRecord = {
      key,
      change: change && !problem ? { ...change, state: 'restored', restoredBy: event.RequestId } : change,
      handled: handledWith(stored.record?.handled ?? [], event.RequestId, nowMs),
      rev: newRevision(),
      // Long enough for a redelivery of this event to find it; never shortened.
      expiresAt: Math.max(stored.record?.expiresAt ?? 0, Math.floor(nowMs / 1000) + REDELIVERY_WINDOW_SECONDS),
    };
    if (await writeChange(next, stored.rev, applied.userId, deps)) break;
    // An item the handler cannot use, whose revision it cannot even match: nothing of it is used, and it
    // must not fail the rollback either.
    if (stored.exists && stored.record === undefined) break;
    if (attempt >= 3) {
      throw new LifecycleError(`Restore ${applied.userId}: its change record kept changing while this event ran`);
    }
  }
  if (alsoKey !== undefined && alsoKey !== key) await recordHandled(alsoKey, event, applied.userId, deps);
  if (problem !== undefined || change === undefined) {
    return { outcome: 'no-snapshot', reason: problem ?? 'no change is kept' };
  }
  await writeBack(applied, change.before, deps, finspace, clientToken);
  return { outcome: 'restored' };
}

/** Leaves the event's request id in the record under `key` (made if there is none), keeping what it holds. */
export async function recordHandled(key: string, event: EventIds, userId: string, deps: StoreDeps): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const stored = await readChange(key, userId, deps);
    const nowMs = (deps.now ?? Date.now)();
    const next: ChangeRecord = {
      key,
      change: stored.record?.change,
      handled: handledWith(stored.record?.handled ?? [], event.RequestId, nowMs),
      rev: newRevision(),
      expiresAt: Math.max(stored.record?.expiresAt ?? 0, Math.floor(nowMs / 1000) + REDELIVERY_WINDOW_SECONDS),
    };
    if (await writeChange(next, stored.rev, userId, deps)) return;
    if (stored.exists && stored.record === undefined) return;
  }
  throw new LifecycleError(`Restore ${userId}: its change record kept changing while this event ran`);
}

/**
 * What to write back: every field the change declared and altered, with its
 * value before. FinSpace cannot unset a name or a principal, so a field that
 * had no value before is left out (see `writeBack`).
 */
export function restoreInput(
  applied: UserDeclaration,
  before: Before,
): Omit<UpdateUserInput, 'userId' | 'clientToken'> {
  const input: Record<string, string> = {};
  for (const field of FINSPACE_FIELDS) {
    const value = before[field];
    if (applied[field] !== undefined && typeof value === 'string') input[field] = value;
  }
  return input;
}

/**
 * Writes `before` back to the user `applied` declared, after the same lockout
 * guard as a forward write (a before-value must not demote an admin role's user
 * either). Used by a rollback event, and by a forward event whose change a
 * rollback undid while it ran.
 */
export async function writeBack(
  applied: UserDeclaration,
  before: Before,
  deps: RestoreDeps,
  finspace: FinspaceRunner,
  clientToken: string,
): Promise<void> {
  const input = restoreInput(applied, before);
  // An error that echoes a name must not carry it: the names written back, and the ones written over.
  const names = [before.firstName, before.lastName, applied.firstName, applied.lastName];
  await finspace(
    'UpdateUser',
    async (credentials) => {
      const live = await deps.outbound.getUser(credentials, { userId: applied.userId }, deps.signal);
      const roles = protectedRoles(applied.adminRoleArn, deps.adminRoleArns);
      const lockout = updateLockoutReason(live, input, roles, applied.environmentId, 'restore');
      if (lockout) throw new LifecycleError(`Restore ${applied.userId}: ${lockout}`);
      if (Object.keys(input).length > 0) {
        await deps.outbound.updateUser(credentials, { userId: applied.userId, ...input, clientToken }, deps.signal);
      }
      // A principal the change gave a user that had API access and no principal cannot be taken away
      // again (FinSpace has no way to unset it), and that role may now get the user's credentials.
      const after = { ...live, ...input };
      if (before.apiAccessPrincipalArn === null && after.apiAccess === 'ENABLED' && after.apiAccessPrincipalArn) {
        throw new LifecycleError(
          `Restore ${applied.userId}: apiAccessPrincipalArn: the user had API access and no principal before this deploy, ` +
            'and FinSpace cannot unset one: remove it (or disable API access) in FinSpace, then continue the rollback',
        );
      }
    },
    names,
  );
}
