// What a deploy would change in live FinSpace, user by user: the declared
// values (from the synthesized template) against what GetUser reads now, and
// whether CloudFormation would send the resource an event at all.
import { FINSPACE_FIELDS } from '../../finspace/constraints';
import type { GetUserOutput } from '../../finspace/client';
import { PROPERTY_NAMES } from '../../lambda/resource-properties';
import { failure, LifecycleError } from '../../lambda/user-lifecycle';
import type { StackUsers, UserResource } from '../../toolkit/cloud-assembly';
import type { FinspaceReader } from '../../toolkit/finspace-reader';
import { SENSITIVE_FIELDS } from '../../toolkit/name-masking';
import { resolveProperties, UnresolvableError } from '../../toolkit/resolve-properties';
import type { DeployedStack } from './deployed-stacks';

/** A value CloudFormation only knows at deploy time (a parameter without default, an attribute). */
export const DEPLOY_TIME: unique symbol = Symbol('resolved at deploy time');
export type Declared = string | typeof DEPLOY_TIME;

/**
 * no-change: FinSpace already holds the declared values; update: the deploy writes them;
 * drift: FinSpace differs, but CloudFormation sends the resource no event (its template did not change),
 * so the deploy leaves FinSpace as it is; unknown: a value only the deploy knows.
 */
export type PlanStatus = 'no-change' | 'update' | 'drift' | 'unknown' | 'missing' | 'unreadable';

/** What CloudFormation does with the resource: create it, update it, nothing (unchanged), or cannot tell. */
export type ResourceChange = 'create' | 'update' | 'none' | 'unknown';

export interface FieldChange {
  readonly field: (typeof FINSPACE_FIELDS)[number];
  readonly live?: string;
  readonly declared: Declared;
  readonly sensitive: boolean;
}

export interface UserPlan {
  readonly stackName: string;
  readonly path: string;
  readonly environmentId: Declared;
  readonly userId: Declared;
  readonly status: PlanStatus;
  readonly resourceChange: ResourceChange;
  /** The user's status in FinSpace (ENABLED, DISABLED, CREATING): a deploy's UpdateUser never changes it. */
  readonly liveStatus?: string;
  /** For update, drift and unknown: the fields that differ (or may). */
  readonly changes: FieldChange[];
  /**
   * A principal FinSpace keeps on record for the user, not declared, that this
   * deploy makes able to get API credentials (it turns API access on).
   */
  readonly dormantPrincipal?: string;
  /** For unreadable: why. */
  readonly reason?: string;
}

export interface PlanContext {
  readonly region: string;
  readonly accountId?: string;
  readonly parameters?: Record<string, string>;
  /** Against the local endpoint: roles of the template have the names the local deploy gave them. */
  readonly local?: boolean;
}

/** Resolves each property on its own, so that one deploy-time value does not hide the others. */
export function declaredProperties(
  stack: Pick<StackUsers, 'stackName' | 'template'>,
  properties: Record<string, unknown>,
  context: PlanContext,
): Record<string, Declared | undefined> {
  const declared: Record<string, Declared | undefined> = {};
  for (const [field, property] of Object.entries(PROPERTY_NAMES)) {
    if (!(property in properties)) continue;
    try {
      const resolved = resolveProperties({ [property]: properties[property] }, stack.template, {
        ...context,
        stackName: context.local ? stack.stackName : undefined,
        serviceToken: '',
      });
      declared[field] = String(resolved[property]);
    } catch (error) {
      if (!(error instanceof UnresolvableError)) throw error;
      declared[field] = DEPLOY_TIME;
    }
  }
  return declared;
}

/** What CloudFormation does with a declared resource, given what the stack has deployed. */
function resourceChangeOf(resource: UserResource, deployed: DeployedStack | undefined): ResourceChange {
  if (!deployed?.physicalIds.has(resource.logicalId)) return 'create';
  const changed = deployed.changed(resource);
  return changed === undefined ? 'unknown' : changed ? 'update' : 'none';
}

/**
 * `deployed`: what each stack has deployed, by stack name (undefined: nothing yet).
 * @default - not read: every resource is taken to be sent an event
 */
export async function planUsers(
  stacks: readonly StackUsers[],
  reader: FinspaceReader,
  context: PlanContext,
  deployed?: ReadonlyMap<string, DeployedStack | undefined>,
): Promise<UserPlan[]> {
  const plans: UserPlan[] = [];
  for (const stack of stacks) {
    for (const resource of stack.users) {
      const declared = declaredProperties(stack, resource.properties, context);
      const base: Pick<UserPlan, 'stackName' | 'path' | 'environmentId' | 'userId' | 'resourceChange'> = {
        stackName: stack.stackName,
        path: resource.path,
        environmentId: declared.environmentId ?? DEPLOY_TIME,
        userId: declared.userId ?? DEPLOY_TIME,
        resourceChange: deployed ? resourceChangeOf(resource, deployed.get(stack.stackName)) : 'unknown',
      };
      const { environmentId, userId, adminRoleArn } = declared;
      if (typeof environmentId !== 'string' || typeof userId !== 'string' || typeof adminRoleArn !== 'string') {
        plans.push({
          ...base,
          status: 'unknown',
          changes: [],
          reason: 'the user, environment or admin role is only known at deploy time',
        });
        continue;
      }
      let live: GetUserOutput;
      try {
        const externalId = typeof declared.externalId === 'string' ? declared.externalId : undefined;
        live = await reader.getUser({ environmentId, adminRoleArn, externalId }, userId);
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') {
          plans.push({ ...base, status: 'missing', changes: [] });
        } else {
          // credential failures arrive formatted already (`AssumeRole <role>: AccessDenied: ...`)
          const reason = error instanceof LifecycleError ? error.message : failure('GetUser', userId, error).message;
          plans.push({ ...base, status: 'unreadable', changes: [], reason });
        }
        continue;
      }
      const changes: FieldChange[] = [];
      for (const field of FINSPACE_FIELDS) {
        const value = declared[field];
        if (value === undefined) continue; // not managed: the deploy leaves it as it is
        const current = live[field];
        if (value === DEPLOY_TIME || value !== current) {
          changes.push({ field, live: current, declared: value, sensitive: SENSITIVE_FIELDS.has(field) });
        }
      }
      const status: PlanStatus = changes.some((c) => c.declared === DEPLOY_TIME)
        ? 'unknown'
        : changes.length === 0
          ? 'no-change'
          : base.resourceChange === 'none'
            ? 'drift'
            : 'update';
      plans.push({
        ...base,
        status,
        changes,
        ...(live.status === undefined ? {} : { liveStatus: live.status }),
        ...dormantPrincipalOf(declared, live, status),
      });
    }
  }
  return plans;
}

/**
 * UpdateUser with API access ENABLED and no principal keeps the principal
 * FinSpace has on record: that role, which nobody declared, can then get credentials.
 */
function dormantPrincipalOf(
  declared: Record<string, Declared | undefined>,
  live: GetUserOutput,
  status: PlanStatus,
): { dormantPrincipal?: string } {
  const turnsOn = declared.apiAccess === 'ENABLED' && live.apiAccess !== 'ENABLED';
  const kept = declared.apiAccessPrincipalArn === undefined ? live.apiAccessPrincipalArn : undefined;
  return (status === 'update' || status === 'unknown') && turnsOn && kept ? { dormantPrincipal: kept } : {};
}

/** 0: nothing would change; 2: something would (or might), a removal included; 1: a user could not be read. */
export function exitCodeOf(plans: readonly UserPlan[], removals: readonly { readonly outcome: string }[] = []): number {
  if (plans.some((p) => p.status === 'unreadable')) return 1;
  return plans.every((p) => p.status === 'no-change') && removals.length === 0 ? 0 : 2;
}
