// CloudFormation's lifecycle for a stack's Custom::FinspaceUser resources,
// driven against a handler: Create for new resources, Update with
// OldResourceProperties for changed ones, cleanup Deletes for removed and
// replaced ones, and a rollback like CloudFormation's when anything fails.
// A Delete that the resource's DeletionPolicy or UpdateReplacePolicy retains
// is not sent (DELETE_SKIPPED), as CloudFormation does.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { PROPERTY_NAMES, RESOURCE_TYPE } from '../lambda/resource-properties';
import { CREATE_FAILED_PHYSICAL_ID } from '../lambda/cfn-response';
import type { LifecycleEvent } from '../lambda/user-lifecycle';
import type { HandlerFunction } from '../toolkit/cloud-assembly';
import {
  type DeleteOccasion,
  type DeletionPolicy,
  retainedBecause,
  type UpdateReplacePolicy,
} from '../toolkit/deletion-policy';
import type { Invoke } from './custom-resource-invoke';

export interface DesiredResource {
  readonly logicalId: string;
  readonly path: string;
  /** Resolved properties, as CloudFormation would send them. */
  readonly properties: Record<string, unknown>;
  /** The template's DeletionPolicy attribute, kept with what is deployed: a later removal is governed by it. */
  readonly deletionPolicy?: DeletionPolicy;
  /** The template's UpdateReplacePolicy attribute. */
  readonly updateReplacePolicy?: UpdateReplacePolicy;
}

export interface DeployedResource extends DesiredResource {
  readonly physicalId: string;
}

export interface DeployedStack {
  readonly stackId: string;
  readonly resources: Record<string, DeployedResource>;
  /** The handler the resources were deployed with: it serves their Deletes once the template drops it. */
  readonly handler?: HandlerFunction;
}

export type Phase = 'deploy' | 'cleanup' | 'rollback';

export interface ResourceEvent {
  readonly logicalId: string;
  readonly path: string;
  readonly requestType: LifecycleEvent['RequestType'];
  readonly phase: Phase;
  /** SKIPPED: a Delete CloudFormation does not send, the resource being retained by its policy (DELETE_SKIPPED). */
  readonly status: 'IN_PROGRESS' | 'COMPLETE' | 'FAILED' | 'SKIPPED';
  readonly physicalId?: string;
  readonly reason?: string;
  readonly startedAt: number;
  readonly durationMs?: number;
}

export interface DeploymentOptions {
  readonly desired: readonly DesiredResource[];
  readonly deployed: DeployedStack;
  readonly invoke: Invoke;
  /** Events in flight at once (CloudFormation works on independent resources in parallel). @default 4 */
  readonly concurrency?: number;
  readonly onEvent?: (event: ResourceEvent) => void;
  /** The stack's status as CloudFormation would report it (DescribeStacks), at each change. */
  readonly onStackStatus?: (status: string) => void;
}

export interface DeploymentResult {
  /** UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, UPDATE_ROLLBACK_FAILED, or NO_CHANGES. */
  readonly status: 'COMPLETE' | 'ROLLBACK_COMPLETE' | 'ROLLBACK_FAILED' | 'NO_CHANGES';
  readonly events: ResourceEvent[];
  /** What is deployed now: the new declaration on success, the previous one after a rollback. */
  readonly deployed: DeployedStack;
  /** The first failure's reason, as CloudFormation would show it. */
  readonly reason?: string;
}

interface Step {
  readonly requestType: LifecycleEvent['RequestType'];
  readonly phase: Phase;
  readonly logicalId: string;
  readonly path: string;
  readonly properties: Record<string, unknown>;
  readonly oldProperties?: Record<string, unknown>;
  readonly physicalId?: string;
  readonly deletionPolicy?: DeletionPolicy;
  readonly updateReplacePolicy?: UpdateReplacePolicy;
  /** A Delete's occasion: which policy governs it. */
  readonly occasion?: DeleteOccasion;
}

/** Runs `work` over `items` with at most `limit` at once; stops starting new ones once `stop()` says so. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  stop: () => boolean,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !stop()) await work(items[next++]);
  });
  await Promise.all(runners);
}

export function newStackId(stackName: string): string {
  return `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/${randomUUID()}`;
}

export async function deployStack(options: DeploymentOptions): Promise<DeploymentResult> {
  const { deployed, invoke } = options;
  const concurrency = options.concurrency ?? 4;
  const events: ResourceEvent[] = [];
  const emit = (event: ResourceEvent) => {
    events.push(event);
    options.onEvent?.(event);
  };

  const run = async (
    step: Step,
  ): Promise<{ ok: true; physicalId: string } | { ok: false; reason: string; physicalId: string }> => {
    const startedAt = Date.now();
    const base = {
      logicalId: step.logicalId,
      path: step.path,
      requestType: step.requestType,
      phase: step.phase,
      startedAt,
    };
    const retained = step.occasion && retainedBecause(step, step.occasion);
    if (retained) {
      const physicalId = step.physicalId as string;
      emit({ ...base, status: 'SKIPPED', physicalId, reason: `${retained}; ${whatItMeans(step)}` });
      return { ok: true, physicalId };
    }
    emit({ ...base, status: 'IN_PROGRESS', physicalId: step.physicalId });
    const event: LifecycleEvent = {
      RequestType: step.requestType,
      RequestId: randomUUID(),
      StackId: deployed.stackId,
      LogicalResourceId: step.logicalId,
      ResourceType: RESOURCE_TYPE,
      ResourceProperties: step.properties,
      ...(step.physicalId === undefined ? {} : { PhysicalResourceId: step.physicalId }),
      ...(step.oldProperties === undefined ? {} : { OldResourceProperties: step.oldProperties }),
    };
    let outcome: { ok: true; physicalId: string } | { ok: false; reason: string; physicalId: string };
    try {
      const response = await invoke(event);
      outcome =
        response.Status === 'SUCCESS'
          ? { ok: true, physicalId: response.PhysicalResourceId }
          : { ok: false, reason: response.Reason ?? 'no reason given', physicalId: response.PhysicalResourceId };
    } catch (error) {
      // No answer: a Create that failed so has no physical resource.
      const reason = error instanceof Error ? error.message : String(error);
      const physicalId =
        step.requestType === 'Create' ? CREATE_FAILED_PHYSICAL_ID : (step.physicalId ?? CREATE_FAILED_PHYSICAL_ID);
      outcome = { ok: false, reason, physicalId };
    }
    const durationMs = Date.now() - startedAt;
    if (outcome.ok) emit({ ...base, status: 'COMPLETE', physicalId: outcome.physicalId, durationMs });
    else emit({ ...base, status: 'FAILED', physicalId: outcome.physicalId, reason: outcome.reason, durationMs });
    return outcome;
  };

  // Deploy phase: creates and updates. A resource whose properties did not change gets no event.
  const desiredIds = new Set(options.desired.map((d) => d.logicalId));
  const changes: Step[] = [];
  for (const resource of options.desired) {
    const current = deployed.resources[resource.logicalId];
    if (!current) {
      changes.push({ requestType: 'Create', phase: 'deploy', ...resource });
    } else if (!isDeepStrictEqual(current.properties, resource.properties)) {
      changes.push({
        requestType: 'Update',
        phase: 'deploy',
        ...resource,
        oldProperties: current.properties,
        physicalId: current.physicalId,
      });
    }
  }
  const removed = Object.values(deployed.resources).filter((r) => !desiredIds.has(r.logicalId));
  if (changes.length === 0 && removed.length === 0) {
    // A change of policies alone sends no event; the stack keeps the new ones for its next Deletes.
    const resources = Object.fromEntries(
      options.desired.map((r) => [r.logicalId, { ...r, physicalId: deployed.resources[r.logicalId].physicalId }]),
    );
    return { status: 'NO_CHANGES', events, deployed: { ...deployed, resources } };
  }
  const stackStatus = options.onStackStatus ?? (() => undefined);
  // A stack with nothing deployed yet is being created: its rollback deletes everything (ROLLBACK_*).
  const creating = Object.keys(deployed.resources).length === 0;
  stackStatus(creating ? 'CREATE_IN_PROGRESS' : 'UPDATE_IN_PROGRESS');

  const completed: { step: Step; physicalId: string }[] = [];
  let failure: { step: Step; reason: string; physicalId: string } | undefined;
  await pool(
    changes,
    concurrency,
    async (step) => {
      const outcome = await run(step);
      if (outcome.ok) completed.push({ step, physicalId: outcome.physicalId });
      else failure ??= { step, reason: outcome.reason, physicalId: outcome.physicalId };
    },
    () => failure !== undefined,
  );

  if (failure) {
    // Rollback, newest first: a Create is deleted, an Update is updated back (a
    // replacement's new resource is deleted: the old one was never touched).
    const undo: Step[] = [];
    const failedStep = failure.step;
    undo.push(
      failedStep.requestType === 'Create'
        ? rollbackOfCreate(failedStep, failure.physicalId)
        : rollbackOfUpdate(failedStep, failedStep.physicalId as string),
    );
    for (const { step, physicalId } of [...completed].reverse()) {
      // a Create, or the new side of a replacement, is deleted; an in-place Update is updated back
      const inPlace = step.requestType === 'Update' && physicalId === step.physicalId;
      undo.push(inPlace ? rollbackOfUpdate(step, physicalId) : rollbackOfCreate(step, physicalId));
    }
    // As CloudFormation: first the Updates back, then (in the cleanup of the rollback) the Deletes of what the
    // failed deploy created; the handler tells a rollback from a deliberate change by these statuses.
    let rollbackFailed = false;
    stackStatus(creating ? 'ROLLBACK_IN_PROGRESS' : 'UPDATE_ROLLBACK_IN_PROGRESS');
    for (const step of undo.filter((s) => s.requestType === 'Update')) {
      if (!(await run(step)).ok) rollbackFailed = true;
    }
    if (!creating) stackStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    for (const step of undo.filter((s) => s.requestType === 'Delete')) {
      if (!(await run(step)).ok) rollbackFailed = true;
    }
    const prefix = creating ? 'ROLLBACK' : 'UPDATE_ROLLBACK';
    stackStatus(`${prefix}_${rollbackFailed ? 'FAILED' : 'COMPLETE'}`);
    return {
      status: rollbackFailed ? 'ROLLBACK_FAILED' : 'ROLLBACK_COMPLETE',
      events,
      deployed,
      reason: failure.reason,
    };
  }

  // Cleanup phase: removed resources, and the old side of each replacement.
  // A removed resource's Delete follows the policy it was deployed with; a replaced one's, the new template's.
  const cleanup: Step[] = removed.map((r) => ({
    ...r,
    requestType: 'Delete' as const,
    phase: 'cleanup' as const,
    occasion: 'removed' as const,
  }));
  for (const { step, physicalId } of completed) {
    if (step.requestType === 'Update' && physicalId !== step.physicalId) {
      cleanup.push({
        ...step,
        requestType: 'Delete',
        phase: 'cleanup',
        properties: step.oldProperties ?? {},
        oldProperties: undefined,
        physicalId: step.physicalId,
        occasion: 'replaced',
      });
    }
  }
  const completedIds = new Map(completed.map((c) => [c.step.logicalId, c.physicalId]));
  const resources: Record<string, DeployedResource> = {};
  for (const resource of options.desired) {
    const physicalId = completedIds.get(resource.logicalId) ?? deployed.resources[resource.logicalId].physicalId;
    resources[resource.logicalId] = { ...resource, physicalId };
  }
  // A Delete that fails in cleanup does not roll the stack back (CloudFormation
  // reports it and moves on); the resource is kept so the next deploy retries it.
  let cleanupFailure: string | undefined;
  if (cleanup.length > 0) stackStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  await pool(
    cleanup,
    concurrency,
    async (step) => {
      const outcome = await run(step);
      if (outcome.ok) return;
      cleanupFailure ??= outcome.reason;
      if (!desiredIds.has(step.logicalId)) {
        resources[step.logicalId] = {
          logicalId: step.logicalId,
          path: step.path,
          properties: step.properties,
          physicalId: step.physicalId as string,
          ...(step.deletionPolicy === undefined ? {} : { deletionPolicy: step.deletionPolicy }),
          ...(step.updateReplacePolicy === undefined ? {} : { updateReplacePolicy: step.updateReplacePolicy }),
        };
      }
    },
    () => false,
  );
  stackStatus(creating ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE');
  return { status: 'COMPLETE', events, deployed: { stackId: deployed.stackId, resources }, reason: cleanupFailure };
}

/** Undoing a Create (or the new side of a replacement): a Delete of what it made. */
function rollbackOfCreate(step: Step, physicalId: string): Step {
  const occasion = step.requestType === 'Create' ? 'rollback-of-create' : 'rollback-of-replacement';
  return { ...step, requestType: 'Delete', phase: 'rollback', physicalId, oldProperties: undefined, occasion };
}

/** What a skipped Delete means for the FinSpace user: the handler's own RemovalPolicy never runs. */
function whatItMeans(step: Step): string {
  if (step.phase === 'rollback') {
    return 'the rollback does not restore the FinSpace user: it keeps what this deploy wrote to it, if anything';
  }
  const destroy = String(step.properties[PROPERTY_NAMES.removalPolicy]).toLowerCase() === 'destroy';
  return destroy
    ? 'the FinSpace user stays as it is: its RemovalPolicy destroy is not applied'
    : 'the FinSpace user stays as it is';
}

function rollbackOfUpdate(step: Step, physicalId: string): Step {
  return {
    ...step,
    requestType: 'Update',
    phase: 'rollback',
    properties: step.oldProperties ?? {},
    oldProperties: step.properties,
    physicalId,
  };
}
