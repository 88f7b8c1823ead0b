// Which resource of a stack holds a FinSpace user. When a user moves to
// another resource of the same stack (its construct renamed, or adopted by
// an imported module), CloudFormation creates the new resource, then deletes
// the old one in its cleanup: that Delete must not disable a user the stack
// still declares. A Create (or a replacement) records its resource as the
// user's holder, in the snapshot table, before it writes. The claim is only a
// pointer: the old resource's DESTROY Delete leaves the user alone only when
// CloudFormation confirms that the holder is a FinspaceUser of the stack,
// issued for that same user and not being deleted. A claim anyone else wrote
// (`{holder: "Ghost"}`) stops no offboarding.
import { createHash } from 'node:crypto';
import type { UserDeclaration } from '../finspace/constraints';
import { CLAIM_TTL_SECONDS, SNAPSHOT_KEY_ATTRIBUTE, SNAPSHOT_TTL_ATTRIBUTE } from './consts';
import type { Outbound, StoredItem } from './outbound';
import { physicalIdOf } from './physical-id';
import { RESOURCE_TYPE } from './resource-properties';
import { serviceCall } from './stack-status';
import type { LifecycleEvent } from './user-lifecycle';

type ClaimDeps = {
  readonly outbound: Outbound;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly notice?: (message: string) => void;
};
type ClaimEvent = Pick<LifecycleEvent, 'StackId' | 'LogicalResourceId'>;
type ClaimedUser = Pick<UserDeclaration, 'environmentId' | 'userId'>;

const KIND = 'claim';
/** CloudFormation's logical ids: alphanumeric, at most 255 characters. */
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
/** A resource in these states stands in the stack (in an update's cleanup, every kept one is). */
const HOLDING_STATUSES: ReadonlySet<string> = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
const CLOCK_SKEW_SECONDS = 300;

/** One key per user of the stack; the `claim` tag keeps it apart from every change record's key. */
export function claimKey(stackId: string, user: ClaimedUser): string {
  return createHash('sha256')
    .update(JSON.stringify([KIND, stackId, user.environmentId, user.userId]))
    .digest('hex');
}

/** Before the first write of a user to this resource: it holds the user now. */
export async function claimUser(event: ClaimEvent, user: ClaimedUser, deps: ClaimDeps): Promise<void> {
  const nowSeconds = Math.floor((deps.now ?? Date.now)() / 1000);
  const item: StoredItem = {
    [SNAPSHOT_KEY_ATTRIBUTE]: claimKey(event.StackId, user),
    kind: KIND,
    holder: event.LogicalResourceId,
    [SNAPSHOT_TTL_ATTRIBUTE]: String(nowSeconds + CLAIM_TTL_SECONDS),
  };
  await serviceCall(
    'PutItem',
    `claim of ${user.userId}`,
    () => deps.outbound.putItem(item, undefined, deps.signal),
    deps.signal,
  );
}

/** The holder a stored claim names, or why it names none (a rule, never a value). */
function claimHolder(item: StoredItem, key: string, nowMs: number): { holder?: string; problem?: string } {
  const names = Object.keys(item).sort().join();
  if (names !== [SNAPSHOT_KEY_ATTRIBUTE, SNAPSHOT_TTL_ATTRIBUTE, 'holder', 'kind'].sort().join()) {
    return { problem: 'not the attributes of a claim' };
  }
  if (item[SNAPSHOT_KEY_ATTRIBUTE] !== key || item.kind !== KIND) return { problem: 'not a claim of this key' };
  if (!LOGICAL_ID.test(item.holder)) return { problem: 'holder: not a logical id' };
  const expiresAt = Number(item[SNAPSHOT_TTL_ATTRIBUTE]);
  const now = Math.floor(nowMs / 1000);
  if (!Number.isInteger(expiresAt) || expiresAt > now + CLAIM_TTL_SECONDS + CLOCK_SKEW_SECONDS) {
    return { problem: `${SNAPSHOT_TTL_ATTRIBUTE}: not a time the handler sets` };
  }
  if (expiresAt <= now) return {};
  return { holder: item.holder };
}

/**
 * The other resource of the stack that holds the user now, if any: the
 * claim's holder, if CloudFormation says it is a FinspaceUser of this stack,
 * issued for the same user, and standing (not being deleted).
 */
export async function otherHolder(event: ClaimEvent, user: ClaimedUser, deps: ClaimDeps): Promise<string | undefined> {
  const key = claimKey(event.StackId, user);
  const item = await serviceCall(
    'GetItem',
    `claim of ${user.userId}`,
    () => deps.outbound.getItem(key, deps.signal),
    deps.signal,
  );
  if (!item) return undefined;
  const { holder, problem } = claimHolder(item, key, (deps.now ?? Date.now)());
  if (problem) deps.notice?.(`a stored claim was set aside as absent: ${problem}`);
  if (holder === undefined || holder === event.LogicalResourceId) return undefined;
  const resource = await serviceCall(
    'DescribeStackResource',
    holder,
    () => deps.outbound.stackResource(event.StackId, holder, deps.signal),
    deps.signal,
  );
  const why =
    resource === undefined
      ? 'is no resource of the stack'
      : resource.resourceType !== RESOURCE_TYPE
        ? `is not a ${RESOURCE_TYPE}`
        : resource.physicalResourceId !== physicalIdOf(user)
          ? 'was not issued for this user'
          : !HOLDING_STATUSES.has(resource.resourceStatus)
            ? `is ${resource.resourceStatus}`
            : undefined;
  if (why === undefined) return holder;
  deps.notice?.(`a stored claim does not count: its holder ${why}`);
  return undefined;
}
