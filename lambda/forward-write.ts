// A forward event's write to a user, so that its rollback can undo it
// whenever that comes (change-record.ts, rollback.ts):
//   1. read the resource's change record: a redelivery of an event already
//      handled (in this deploy or an earlier one) writes nothing again;
//   2. read the user (GetUser) and refuse a change that would lock an admin
//      role out (lockout.ts);
//   3. store the change record (the before-values of the fields this change
//      declares and alters), on condition that nothing else wrote it since 1:
//      nothing is written to FinSpace unless it is stored. If the condition
//      fails because another run of this same event (Lambda delivers at least
//      once, and may run two at a time) stored it, go on as that run's redelivery;
//   4. claim the user for this resource (a Create or a replacement), then
//      UpdateUser with the declared fields;
//   5. mark the record applied, on condition that nothing wrote it since 3. If
//      a rollback event did (CloudFormation cancels an event that has not
//      answered and rolls back while it still runs), the write is undone here
//      too, from the before-values this run read itself.
import type { GetUserOutput } from '../finspace/client';
import type { UserDeclaration } from '../finspace/constraints';
import {
  beforeOf,
  type ChangeRecord,
  changeKey,
  type ForwardChange,
  handledWith,
  hasHandled,
  newRevision,
  propertiesHash,
  recordExpiry,
} from './change-record';
import { readChange, type StoredChange, writeChange } from './change-store';
import { LifecycleError } from './lifecycle-error';
import { protectedRoles, updateLockoutReason } from './lockout';
import { type FinspaceRunner, type RestoreDeps, writeBack } from './rollback';
import { claimUser } from './user-claim';
import type { LifecycleEvent } from './user-lifecycle';

export type ForwardOutcome =
  | { readonly outcome: 'written' }
  /** Nothing written: why, in words without names. */
  | { readonly outcome: 'skipped'; readonly reason: string };

export interface ForwardOptions {
  /** This resource makes the user its own: a Create or a replacement (its rollback is a Delete). */
  readonly creates: boolean;
  /** Claim the user for this resource before writing (lambda/user-claim.ts). */
  readonly claim: boolean;
  /** The client token of this event's UpdateUser; a redelivery has the same. */
  readonly clientToken: string;
  /** The client token of undoing it, if a rollback undid the change while this event ran. */
  readonly undoClientToken: string;
}

export async function applyForward(
  event: LifecycleEvent,
  declaration: UserDeclaration,
  deps: RestoreDeps,
  finspace: FinspaceRunner,
  options: ForwardOptions,
): Promise<ForwardOutcome> {
  const { userId } = declaration;
  const key = changeKey(event.StackId, event.LogicalResourceId, declaration);
  const stored = await readChange(key, userId, deps);
  const mine = stored.record?.change?.requestId === event.RequestId ? stored.record.change : undefined;
  if (mine === undefined && hasHandled(stored.record, event.RequestId, (deps.now ?? Date.now)())) {
    return { outcome: 'skipped', reason: 'a redelivery of an event this resource has already handled' };
  }
  if (mine?.state === 'restored') return { outcome: 'skipped', reason: 'a rollback has undone its change already' };
  // A redelivery of this event after its write: done.
  if (mine?.state === 'applied') return { outcome: 'written' };

  const roles = protectedRoles(declaration.adminRoleArn, deps.adminRoleArns);
  const live = await finspace('GetUser', (credentials) => deps.outbound.getUser(credentials, { userId }, deps.signal));
  const lockout = updateLockoutReason(live, declaration, roles, declaration.environmentId);
  if (lockout) throw new LifecycleError(`UpdateUser ${userId}: ${lockout}`);
  // A redelivery of this event before it marked its write: the record it stored stands.
  const kept = mine !== undefined && stored.record !== undefined ? stored.record : undefined;
  let record = kept ?? (await storeChange(event, declaration, live, stored, deps, options));
  if (record === undefined) {
    // Something wrote the record since step 1: a rollback, or another run of this very event.
    const again = (await readChange(key, userId, deps)).record;
    if (again?.change?.requestId !== event.RequestId) {
      throw new LifecycleError(
        `UpdateUser ${userId}: the change record of this resource changed while this event ran (a rollback, or ` +
          'another event of this resource); nothing was written',
      );
    }
    if (again.change.state === 'restored')
      return { outcome: 'skipped', reason: 'a rollback has undone its change already' };
    if (again.change.state === 'applied') return { outcome: 'written' };
    record = again;
  }
  const change = record.change as ForwardChange;

  if (options.claim) await claimUser(event, declaration, deps);
  await finspace(
    'UpdateUser',
    (credentials) =>
      deps.outbound.updateUser(
        credentials,
        {
          userId,
          type: declaration.type,
          firstName: declaration.firstName,
          lastName: declaration.lastName,
          apiAccess: declaration.apiAccess,
          apiAccessPrincipalArn: declaration.apiAccessPrincipalArn,
          clientToken: options.clientToken,
        },
        deps.signal,
      ),
    // The names written over may be echoed too.
    [live.firstName, live.lastName],
  );

  const applied: ChangeRecord = { ...record, change: { ...change, state: 'applied' }, rev: newRevision() };
  if (await writeChange(applied, record.rev, userId, deps)) return { outcome: 'written' };
  const now = (await readChange(key, userId, deps)).record?.change;
  if (now?.requestId !== event.RequestId || now.state !== 'restored') {
    // Another run of this event marked it (or a later change took the record): nothing to undo here.
    return { outcome: 'written' };
  }
  await writeBack(declaration, change.before, deps, finspace, options.undoClientToken);
  throw new LifecycleError(
    `UpdateUser ${userId}: the stack began rolling back while this event ran; its write was undone ` +
      '(the values before it were written back)',
  );
}

/**
 * Step 3: the change record of this event, stored on condition that the record
 * read in step 1 is still there; undefined when it is not (nothing stored).
 */
async function storeChange(
  event: LifecycleEvent,
  declaration: UserDeclaration,
  live: GetUserOutput,
  stored: StoredChange,
  deps: RestoreDeps,
  options: ForwardOptions,
): Promise<ChangeRecord | undefined> {
  const { before, unkept } = beforeOf(live, declaration);
  if (unkept.length > 0) {
    deps.notice?.(`before-values that break the model are not kept (no rollback writes them): ${unkept.join(', ')}`);
  }
  const nowMs = (deps.now ?? Date.now)();
  const next: ChangeRecord = {
    key: changeKey(event.StackId, event.LogicalResourceId, declaration),
    change: {
      requestId: event.RequestId,
      operation: options.creates ? 'create' : 'update',
      applied: propertiesHash(event.ResourceProperties),
      replaced: event.RequestType === 'Update' ? propertiesHash(event.OldResourceProperties) : undefined,
      before,
      state: 'applying',
    },
    handled: handledWith(stored.record?.handled ?? [], event.RequestId, nowMs),
    rev: newRevision(),
    expiresAt: recordExpiry(nowMs),
  };
  return (await writeChange(next, stored.rev, declaration.userId, deps)) ? next : undefined;
}
