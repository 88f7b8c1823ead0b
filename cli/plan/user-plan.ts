// What a deploy would change in live FinSpace, user by user: the declared
// values (from the synthesized template) against what GetUser reads now.
import { FINSPACE_FIELDS } from '../../finspace/constraints';
import type { GetUserOutput } from '../../finspace/client';
import { PROPERTY_NAMES } from '../../lambda/resource-properties';
import { failure, LifecycleError } from '../../lambda/user-lifecycle';
import type { StackUsers } from '../../toolkit/cloud-assembly';
import type { FinspaceReader } from '../../toolkit/finspace-reader';
import { SENSITIVE_FIELDS } from '../../toolkit/name-masking';
import { resolveProperties, UnresolvableError } from '../../toolkit/resolve-properties';

/** A value CloudFormation only knows at deploy time (a parameter without default, an attribute). */
export const DEPLOY_TIME: unique symbol = Symbol('resolved at deploy time');
export type Declared = string | typeof DEPLOY_TIME;

export type PlanStatus = 'no-change' | 'update' | 'unknown' | 'missing' | 'unreadable';

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
  /** For update and unknown: the fields that differ (or may). */
  readonly changes: FieldChange[];
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
function declaredProperties(
  stack: StackUsers,
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

export async function planUsers(
  stacks: readonly StackUsers[],
  reader: FinspaceReader,
  context: PlanContext,
): Promise<UserPlan[]> {
  const plans: UserPlan[] = [];
  for (const stack of stacks) {
    for (const resource of stack.users) {
      const declared = declaredProperties(stack, resource.properties, context);
      const base: Pick<UserPlan, 'stackName' | 'path' | 'environmentId' | 'userId'> = {
        stackName: stack.stackName,
        path: resource.path,
        environmentId: declared.environmentId ?? DEPLOY_TIME,
        userId: declared.userId ?? DEPLOY_TIME,
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
        : changes.length > 0
          ? 'update'
          : 'no-change';
      plans.push({ ...base, status, changes });
    }
  }
  return plans;
}

/** 0: nothing would change; 2: something would (or might); 1: a user could not be read. */
export function exitCodeOf(plans: readonly UserPlan[]): number {
  if (plans.some((p) => p.status === 'unreadable')) return 1;
  return plans.every((p) => p.status === 'no-change') ? 0 : 2;
}
