// Which resource of a stack holds a FinSpace user. When a user moves to
// another resource of the same stack (its construct renamed, or adopted by
// an imported module), CloudFormation creates the new resource, then deletes
// the old one in its cleanup: that Delete must not disable a user the stack
// still declares. A Create (or a replacement) records its resource as the
// user's holder, in the snapshot table, before it writes; a DESTROY Delete of
// any other resource leaves the user alone.
import { createHash } from 'node:crypto';
import type { UserDeclaration } from '../finspace/constraints';
import { SNAPSHOT_TTL_SECONDS } from './consts';
import type { Outbound } from './outbound';
import { serviceCall } from './stack-status';
import type { LifecycleEvent } from './user-lifecycle';

/** A user's holder: the logical id of the resource whose forward event last wrote it. */
export interface UserClaim {
  readonly key: string;
  readonly holder: string;
  /** Epoch seconds: a claim needs to outlive one stack operation, no more (the table's time to live). */
  readonly expiresAt: number;
}

type ClaimDeps = { readonly outbound: Outbound; readonly signal?: AbortSignal; readonly now?: () => number };
type ClaimEvent = Pick<LifecycleEvent, 'StackId' | 'LogicalResourceId'>;
type ClaimedUser = Pick<UserDeclaration, 'environmentId' | 'userId'>;

/** One key per user of the stack; the `claim` tag keeps it apart from every snapshot key. */
export function claimKey(stackId: string, user: ClaimedUser): string {
  return createHash('sha256')
    .update(JSON.stringify(['claim', stackId, user.environmentId, user.userId]))
    .digest('hex');
}

/** Before the first write of a user to this resource: it holds the user now. */
export async function claimUser(event: ClaimEvent, user: ClaimedUser, deps: ClaimDeps): Promise<void> {
  const nowSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
  const claim = {
    key: claimKey(event.StackId, user),
    holder: event.LogicalResourceId,
    expiresAt: nowSeconds + SNAPSHOT_TTL_SECONDS,
  };
  await serviceCall('PutItem', `claim of ${user.userId}`, () => deps.outbound.putClaim(claim, deps.signal));
}

/** The other resource of the stack that holds the user now, if any. */
export async function otherHolder(event: ClaimEvent, user: ClaimedUser, deps: ClaimDeps): Promise<string | undefined> {
  const claim = await serviceCall('GetItem', `claim of ${user.userId}`, () =>
    deps.outbound.getClaim(claimKey(event.StackId, user), deps.signal),
  );
  const live = claim !== undefined && claim.expiresAt * 1000 > (deps.now ?? Date.now)();
  return live && claim.holder !== event.LogicalResourceId ? claim.holder : undefined;
}

/** When a rollback deletes the resource the failed deploy created: it no longer holds the user. */
export async function releaseClaim(event: ClaimEvent, user: ClaimedUser, deps: ClaimDeps): Promise<void> {
  const key = claimKey(event.StackId, user);
  const claim = await serviceCall('GetItem', `claim of ${user.userId}`, () => deps.outbound.getClaim(key, deps.signal));
  if (claim?.holder !== event.LogicalResourceId) return;
  await serviceCall('DeleteItem', `claim of ${user.userId}`, () => deps.outbound.deleteClaim(key, deps.signal));
}
