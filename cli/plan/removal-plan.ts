// What a deploy does to the FinSpace users of resources it removes: a
// resource gone from the app, and the old side of a replacement (its user or
// environment changed). CloudFormation decides first whether the handler
// gets a Delete at all (DeletionPolicy for a removal, UpdateReplacePolicy for
// a replacement); then the handler decides, as lambda/user-lifecycle.ts does:
// RETAIN leaves the user as it is, DESTROY disables it, unless another
// resource of the stack declares the same user (it moved: it stays).
import type { GetUserOutput } from '../../finspace/client';
import { deleteTarget } from '../../lambda/delete-target';
import { parsePhysicalId } from '../../lambda/physical-id';
import { PROPERTY_NAMES } from '../../lambda/resource-properties';
import { failure, LifecycleError } from '../../lambda/user-lifecycle';
import { type StackUsers, type UserResource, usersOf } from '../../toolkit/cloud-assembly';
import { retainingPolicy } from '../../toolkit/deletion-policy';
import type { FinspaceReader } from '../../toolkit/finspace-reader';
import { resolveProperties, UnresolvableError } from '../../toolkit/resolve-properties';
import type { DeployedStack } from './deployed-stacks';
import { declaredProperties, type PlanContext } from './user-plan';

/**
 * disabled: DESTROY, the handler disables the user. retained: RETAIN, left as it is.
 * moved: DESTROY, but another resource of the stack declares the user: it stays.
 * kept-by-cloudformation: the DeletionPolicy (a removal) or UpdateReplacePolicy (a replacement)
 * is Retain: CloudFormation sends no Delete, the user is left as it is.
 * nothing: the resource never held a user (its Create failed). fails: the handler cannot act
 * on the Delete (the deploy reports it; the user is left as it is). unknown: a value only the deploy knows.
 */
export type RemovalOutcome =
  'disabled' | 'retained' | 'moved' | 'kept-by-cloudformation' | 'nothing' | 'fails' | 'unknown';

export interface RemovalPlan {
  readonly stackName: string;
  /** The removed resource's construct path, as deployed. */
  readonly path: string;
  readonly logicalId: string;
  /** removed: gone from the app; replaced: its user or environment changed (the old one is deleted). */
  readonly cause: 'removed' | 'replaced';
  /** The user the Delete acts on (from the physical id the handler issued), when known. */
  readonly environmentId?: string;
  readonly userId?: string;
  readonly outcome: RemovalOutcome;
  /** For kept-by-cloudformation: the attribute that keeps it (`DeletionPolicy Retain`, say). */
  readonly keptBy?: string;
  /** For moved: the construct path of the resource that declares the user now. */
  readonly movedTo?: string;
  /** For fails: the handler's reason. */
  readonly reason?: string;
  /** The user's status in FinSpace now, when it could be read. */
  readonly liveStatus?: string;
  /** Why it could not be read (the removal stands either way). */
  readonly statusError?: string;
}

interface UserKey {
  readonly environmentId: string;
  readonly userId: string;
}

/** The (environment, user) each declared resource of the stack holds after the deploy, where known. */
function declaredUsers(stack: StackUsers, context: PlanContext): { resource: UserResource; user?: UserKey }[] {
  return stack.users.map((resource) => {
    const declared = declaredProperties(stack, resource.properties, context);
    const { environmentId, userId } = declared;
    return typeof environmentId === 'string' && typeof userId === 'string'
      ? { resource, user: { environmentId, userId } }
      : { resource };
  });
}

/** The deployed properties, resolved against the deployed template, or undefined where a value is the deploy's. */
function resolvedDeployed(
  resource: UserResource,
  deployed: DeployedStack,
  stack: StackUsers,
  context: PlanContext,
): Record<string, unknown> | undefined {
  try {
    return resolveProperties(resource.properties, deployed.template, {
      ...context,
      stackName: context.local ? stack.stackName : undefined,
      serviceToken: '',
    });
  } catch (error) {
    if (error instanceof UnresolvableError) return undefined;
    throw error;
  }
}

export async function planRemovals(
  stacks: readonly StackUsers[],
  deployedStacks: ReadonlyMap<string, DeployedStack | undefined>,
  reader: FinspaceReader,
  context: PlanContext,
): Promise<RemovalPlan[]> {
  const removals: RemovalPlan[] = [];
  for (const stack of stacks) {
    const deployed = deployedStacks.get(stack.stackName);
    if (!deployed) continue;
    const declared = declaredUsers(stack, context);
    const declaredById = new Map(declared.map((d) => [d.resource.logicalId, d]));
    for (const old of usersOf(deployed.template)) {
      const physicalId = deployed.physicalIds.get(old.logicalId);
      if (physicalId === undefined) continue; // not held by the stack: nothing to delete
      const now = declaredById.get(old.logicalId);
      const issued = parsePhysicalId(physicalId);
      let cause: RemovalPlan['cause'];
      let keptBy: string | undefined;
      if (!now) {
        cause = 'removed';
        keptBy = retainingPolicy(old, 'removed');
      } else {
        // A replacement: the handler's physical id names the user; a new one is a new physical resource.
        if (!issued || !now.user) continue; // never created, or the new user is the deploy's to know
        if (issued.environmentId === now.user.environmentId && issued.userId === now.user.userId) continue;
        cause = 'replaced';
        // CloudFormation applies the template it deploys: the new resource's UpdateReplacePolicy.
        keptBy = retainingPolicy(now.resource, 'replaced');
      }
      const base = { stackName: stack.stackName, path: old.path, logicalId: old.logicalId, cause, ...issued };
      const resolved = resolvedDeployed(old, deployed, stack, context);
      let removal: RemovalPlan;
      if (keptBy !== undefined) {
        removal = { ...base, outcome: 'kept-by-cloudformation', keptBy };
      } else if (!issued) {
        removal = { ...base, outcome: 'nothing' };
      } else {
        removal = { ...base, ...outcomeOf(physicalId, old, resolved, issued, declared) };
      }
      removals.push(await withLiveStatus(removal, resolved, reader));
    }
  }
  return removals;
}

/** The handler's decision on the Delete (lambda/delete-target.ts, and the move check of user-lifecycle.ts). */
function outcomeOf(
  physicalId: string,
  old: UserResource,
  resolved: Record<string, unknown> | undefined,
  issued: UserKey,
  declared: readonly { resource: UserResource; user?: UserKey }[],
): Pick<RemovalPlan, 'outcome' | 'movedTo' | 'reason'> {
  // Where the deployed properties hold values only the deploy knew (an admin role's attribute), the
  // removal policy, a literal the construct writes, still decides.
  const policy = resolved?.[PROPERTY_NAMES.removalPolicy] ?? old.properties[PROPERTY_NAMES.removalPolicy];
  if (resolved) {
    const target = deleteTarget(physicalId, resolved);
    if (target.kind === 'cannot-act') return { outcome: 'fails', reason: target.reason };
  }
  if (policy === 'retain') return { outcome: 'retained' };
  if (policy !== 'destroy') return { outcome: 'unknown' };
  const holder = declared.find(
    (d) =>
      d.resource.logicalId !== old.logicalId &&
      d.user?.environmentId === issued.environmentId &&
      d.user.userId === issued.userId,
  );
  return holder ? { outcome: 'moved', movedTo: holder.resource.path } : { outcome: 'disabled' };
}

/** The removed user's status now, read through the deployed admin role (when it can be: the removal stands either way). */
async function withLiveStatus(
  removal: RemovalPlan,
  resolved: Record<string, unknown> | undefined,
  reader: FinspaceReader,
): Promise<RemovalPlan> {
  const adminRoleArn = resolved?.[PROPERTY_NAMES.adminRoleArn];
  const externalId = resolved?.[PROPERTY_NAMES.externalId];
  if (removal.environmentId === undefined || removal.userId === undefined || typeof adminRoleArn !== 'string') {
    return removal;
  }
  let live: GetUserOutput;
  try {
    live = await reader.getUser(
      {
        environmentId: removal.environmentId,
        adminRoleArn,
        ...(typeof externalId === 'string' ? { externalId } : {}),
      },
      removal.userId,
    );
  } catch (error) {
    const reason = error instanceof LifecycleError ? error.message : failure('GetUser', removal.userId, error).message;
    return { ...removal, statusError: reason };
  }
  return live.status === undefined ? removal : { ...removal, liveStatus: live.status };
}
