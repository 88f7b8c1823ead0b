// What a FinspaceUser does on each CloudFormation lifecycle event. Pure logic:
// all I/O goes through `Outbound`, all credentials through the cache.
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import { FINSPACE_FIELDS, formatViolations, type UserDeclaration } from '../finspace/constraints';
import {
  type AdminRole,
  CREDENTIALS_DURATION_MINUTES,
  type FinspaceCredentialsCache,
  type IssuedCredentials,
} from '../finspace/credentials';
import { changeKey, hasHandled, propertiesHash } from './change-record';
import { readChange } from './change-store';
import { deleteTarget, type UserTarget } from './delete-target';
import { applyForward } from './forward-write';
import { LifecycleError } from './lifecycle-error';
import { disableLockoutReason, protectedRoles } from './lockout';
import type { Outbound, StackDescription } from './outbound';
import { physicalIdOf } from './physical-id';
import { ATTRIBUTES, parseResourceProperties } from './resource-properties';
import { type FinspaceRunner, recordHandled, ROLLBACK_STATUSES, undoChange } from './rollback';
import { notOfPhaseReason, type PhaseStarts, requestTypeProblem } from './stack-phase';
import { notDeployingReason, type StackOf, stackOnce } from './stack-status';
import { otherHolder } from './user-claim';

export { LifecycleError } from './lifecycle-error';
export { physicalIdOf } from './physical-id';

/** A CloudFormation event, as far as the lifecycle reads it (cfn-response.ts has the whole of it). */
export interface LifecycleEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly RequestId: string;
  readonly StackId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  /** CloudFormation's pre-signed answer URL: it also says when CloudFormation sent the event (stack-phase.ts). */
  readonly ResponseURL?: string;
}

export interface LifecycleResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/**
 * What the handler did, for its log line: no names, no secrets. In a rollback:
 * `restored` (the before-values written back), `no-snapshot` (no kept change
 * this event undoes: nothing written; the log says why). `late`: an event of
 * an earlier phase of the stack's operation, run late (nothing written; in a
 * rollback it answers SUCCESS, elsewhere FAILED). `moved`: a DESTROY
 * Delete of a user that another resource of the stack now holds (left
 * enabled). `skipped`: nothing to do (a Delete, outside a rollback, of a
 * Create that failed; a redelivery).
 */
export type Outcome =
  | 'updated'
  | 'replaced'
  | 'unchanged'
  | 'disabled'
  | 'retained'
  | 'already-gone'
  | 'moved'
  | 'skipped'
  | 'restored'
  | 'no-snapshot'
  | 'late';

export interface LifecycleDeps {
  readonly outbound: Outbound;
  readonly credentials: FinspaceCredentialsCache;
  /** Abandons every call once the invocation's time budget is spent. */
  readonly signal?: AbortSignal;
  /** The outcome, and why for one that wrote nothing it might have (words without names). */
  readonly report?: (outcome: Outcome, reason?: string) => void;
  /** What the handler noticed and set aside along the way (a stored item it cannot use, say). */
  readonly notice?: (message: string) => void;
  /** Change records and claims expire relative to it. @default Date.now */
  readonly now?: () => number;
  /** The event's stack, read once. @default - asked of CloudFormation on first need */
  readonly stack?: StackOf;
  /** When each phase of the stack began, kept by a warm instance (stack-phase.ts). @default - none kept */
  readonly phaseStarts?: PhaseStarts;
  /**
   * The admin roles of every FinspaceUser of the stack (the function's environment,
   * lambda/consts.ts ADMIN_ROLES_ENV): their FinSpace users are never locked out.
   * The event's own admin role is protected in any case. @default none
   */
  readonly adminRoleArns?: readonly string[];
}

/** What one event's FinSpace calls run with: its stack is always there, so the deploy guard cannot be skipped. */
type EventDeps = LifecycleDeps & { readonly stack: StackOf };

/** The same event (a redelivery) gives the same token, so FinSpace applies it once. */
export function clientTokenFor(event: LifecycleEvent, operation: string): string {
  return createHash('sha256')
    .update([event.StackId, event.LogicalResourceId, event.RequestId, operation].join('\n'))
    .digest('hex');
}

export async function onEvent(event: LifecycleEvent, given: LifecycleDeps): Promise<LifecycleResponse> {
  // One DescribeStacks per event at most: the deploy guard, which also tells a rollback and the phase's start.
  const deps: EventDeps = {
    ...given,
    stack: given.stack ?? stackOnce(event, given.outbound, given.signal),
  };
  return event.RequestType === 'Delete' ? onDelete(event, deps) : onCreateOrUpdate(event, deps);
}

/**
 * The stack's status, once CloudFormation is deploying it: the first call of
 * every event that calls anything, before any DynamoDB, STS or FinSpace call.
 * Whoever else invokes the handler, with an event of their making, gets no other call.
 */
async function deployingStack(deps: EventDeps): Promise<StackDescription> {
  const stack = await deps.stack();
  const refusal = notDeployingReason(stack.status);
  if (refusal) throw new LifecycleError(refusal);
  return stack;
}

/**
 * An event of an earlier phase (stack-phase.ts) writes nothing. While the stack
 * rolls back it answers SUCCESS (a FAILED answer would leave the rollback
 * failed); elsewhere FAILED: CloudFormation no longer waits for it, and an event
 * taken for a late one by mistake then fails its deploy rather than skip a
 * reviewed change unseen.
 */
function writeNothingLate(reason: string, status: string, deps: EventDeps): void {
  if (!ROLLBACK_STATUSES.has(status)) throw new LifecycleError(`refused: ${reason}. Nothing was written.`);
  deps.report?.('late', reason);
}

async function onCreateOrUpdate(event: LifecycleEvent, deps: EventDeps): Promise<LifecycleResponse> {
  const report = deps.report ?? (() => undefined);
  const parsed = parseResourceProperties(event.ResourceProperties);
  if (!parsed.ok) {
    throw new LifecycleError(`Invalid FinspaceUser properties: ${formatViolations(parsed.violations)}`);
  }
  const declaration = parsed.declaration;
  const physicalId = physicalIdOf(declaration);
  const response = { PhysicalResourceId: physicalId, Data: attributesOf(declaration) };
  const finspace: FinspaceRunner = (operation, call, masked) =>
    withFinspace(operation, declaration, deps, call, masked);

  // The declaration this Update replaces (in a rollback: the failed one).
  const old = event.RequestType === 'Update' ? parseResourceProperties(event.OldResourceProperties ?? {}) : undefined;
  const inPlace = event.RequestType === 'Update' && event.PhysicalResourceId === physicalId;
  const previous = inPlace && old?.ok ? old.declaration : undefined;
  // Neither this change nor its undoing touches FinSpace: nothing to ask, nothing to write.
  if (previous && !changesFinspace(previous, declaration) && !changesFinspace(declaration, previous)) {
    report('unchanged');
    return response;
  }

  const stack = await deployingStack(deps);
  const late = await notOfPhaseReason(event, stack, deps);
  if (late) {
    writeNothingLate(late, stack.status, deps);
    return response;
  }

  if (ROLLBACK_STATUSES.has(stack.status)) {
    // While the stack rolls back, only the before-values of a kept change this event undoes are written.
    const ownKey = changeKey(event.StackId, event.LogicalResourceId, declaration);
    if (!old?.ok) {
      // Refused before any call, so there is nothing to undo; recorded against a late run of this event.
      await recordHandled(ownKey, event, declaration.userId, deps);
      report('no-snapshot', 'the properties it undoes were refused before any write');
      return response;
    }
    const applied = old.declaration;
    // The restore goes through the admin role of the declaration it goes back to: its user is protected too.
    const adminRoleArns = [...(deps.adminRoleArns ?? []), declaration.adminRoleArn];
    // A FinSpace error may echo a name of the failed declaration too.
    const undoRunner: FinspaceRunner = (operation, call, masked = []) =>
      withFinspace(operation, declaration, deps, call, [applied.firstName, applied.lastName, ...masked]);
    const result = await undoChange(
      event,
      {
        kind: 'update',
        applied,
        appliedHash: propertiesHash(event.OldResourceProperties),
        replacedHash: propertiesHash(event.ResourceProperties),
      },
      { ...deps, adminRoleArns },
      undoRunner,
      clientTokenFor(event, 'UpdateUser'),
      // Undoing a replacement that failed: a late run of this event would look in the record of the user it goes back to.
      ownKey,
    );
    report(result.outcome, result.outcome === 'no-snapshot' ? result.reason : undefined);
    return response;
  }

  if (previous && !changesFinspace(previous, declaration)) {
    // Only a field no longer declared: it is left as FinSpace has it.
    report('unchanged');
    return response;
  }
  const replacement = event.RequestType === 'Update' && !inPlace;
  const result = await applyForward(event, declaration, deps, finspace, {
    creates: event.RequestType === 'Create' || replacement,
    // A user new to this physical resource (a Create, a replacement) becomes this resource's before the write,
    // so that the old resource of a move, deleted after it, leaves it enabled.
    claim: previous === undefined,
    clientToken: clientTokenFor(event, 'UpdateUser'),
    undoClientToken: clientTokenFor(event, 'UndoUpdateUser'),
  });
  if (result.outcome === 'skipped') report('skipped', result.reason);
  else report(replacement ? 'replaced' : 'updated');
  return response;
}

async function onDelete(event: LifecycleEvent, deps: EventDeps): Promise<LifecycleResponse> {
  const report = deps.report ?? (() => undefined);
  const physicalId = event.PhysicalResourceId ?? event.RequestId;
  const response = { PhysicalResourceId: physicalId };
  const stack = await deployingStack(deps);
  const status = stack.status;

  if (ROLLBACK_STATUSES.has(status)) {
    const late = await notOfPhaseReason(event, stack, deps);
    if (late) {
      writeNothingLate(late, status, deps);
      return response;
    }
    // Undoing a Create (or a replacement's new side) of the failed deploy: the user goes back to its
    // before-values, whatever the removal policy, and is never disabled. A Create that failed may have
    // written before it failed: its physical id is not one we issued, but its record is found all the same.
    const parsed = parseResourceProperties(event.ResourceProperties);
    if (!parsed.ok) {
      report('no-snapshot', 'its properties do not parse, so no change was kept for them');
      return response;
    }
    const applied = parsed.declaration;
    const finspace: FinspaceRunner = (operation, call, masked) => withFinspace(operation, applied, deps, call, masked);
    const result = await undoChange(
      event,
      { kind: 'delete', applied, appliedHash: propertiesHash(event.ResourceProperties) },
      deps,
      finspace,
      clientTokenFor(event, 'UpdateUser'),
    );
    report(result.outcome, result.outcome === 'no-snapshot' ? result.reason : undefined);
    return response;
  }

  // Refused before anything else: CloudFormation sends no Delete in this status.
  const notSent = requestTypeProblem(event.RequestType, status);
  if (notSent) throw new LifecycleError(`refused: ${notSent}. Nothing was written.`);
  const target = deleteTarget(physicalId, event.ResourceProperties);
  // A physical id we did not issue is a Create that failed. Its rollback's Delete (above) undid what it may have
  // written; outside a rollback there is nothing of this resource to act on.
  if (target.kind === 'not-issued') {
    report('skipped');
    return response;
  }
  if (target.kind === 'retain') {
    report('retained');
    return response;
  }
  if (target.kind === 'cannot-act') throw new LifecycleError(target.reason);
  // Before the first call that could disable: a Delete of an earlier cleanup, run late, must not disable the user
  // a later deploy declares again.
  const late = await notOfPhaseReason(event, stack, deps);
  if (late) throw new LifecycleError(`refused: ${late}. Nothing was written.`);
  // A rollback Delete of this resource that Lambda runs again after the rollback undid a Create: it must not disable.
  const key = changeKey(event.StackId, event.LogicalResourceId, target.target);
  const { record } = await readChange(key, target.target.userId, deps);
  if (hasHandled(record, event.RequestId, (deps.now ?? Date.now)())) {
    report('skipped', 'a redelivery of an event this resource has already handled');
    return response;
  }
  // Renamed, or adopted by another construct: the new resource wrote the user first, and keeps it enabled.
  // Only in an update's cleanup, where the stack stays: when it is deleted, nothing declares the user any more.
  const cleanup = status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
  if (cleanup && (await otherHolder(event, target.target, deps)) !== undefined) {
    report('moved');
    return response;
  }
  const gone = await disable(event, target.target, deps);
  report(gone ? 'already-gone' : 'disabled');
  return response;
}

/** DisableUser, unless the user is the admin's own; true when the user no longer exists. */
function disable(event: LifecycleEvent, target: UserTarget, deps: EventDeps): Promise<boolean> {
  const notFound = (error: unknown) => (error as Error).name === 'ResourceNotFoundException';
  return withFinspace('DisableUser', target, deps, async (credentials) => {
    let live;
    try {
      live = await deps.outbound.getUser(credentials, { userId: target.userId }, deps.signal);
    } catch (error) {
      // The user is already gone: there is nothing left to disable.
      if (notFound(error)) return true;
      throw error;
    }
    const roles = protectedRoles(target.adminRoleArn, deps.adminRoleArns);
    const lockout = disableLockoutReason(live, roles, target.environmentId);
    if (lockout) throw new LifecycleError(`DisableUser ${target.userId}: ${lockout}`);
    try {
      await deps.outbound.disableUser(
        credentials,
        { userId: target.userId, clientToken: clientTokenFor(event, 'DisableUser') },
        deps.signal,
      );
      return false;
    } catch (error) {
      if (notFound(error)) return true;
      throw error;
    }
  });
}

function attributesOf(declaration: UserDeclaration): Record<string, string> {
  return { [ATTRIBUTES.userId]: declaration.userId, [ATTRIBUTES.environmentId]: declaration.environmentId };
}

/** True when FinSpace would see a difference: a field now declared with another value (a field no longer declared is left as FinSpace has it). */
export function changesFinspace(old: UserDeclaration, next: UserDeclaration): boolean {
  return FINSPACE_FIELDS.some((field) => next[field] !== undefined && next[field] !== old[field]);
}

/**
 * Runs `call` with FinSpace credentials for the declaration's admin role and
 * environment. Reused credentials that FinSpace refuses (revoked, or expired
 * early) are dropped and the call is made once more with fresh ones. Errors of
 * `call` other than that are wrapped by `operation`, with the declaration's
 * names and every value in `masked` (names the call writes or reads back) masked.
 */
async function withFinspace<T>(
  operation: string,
  declaration: UserTarget,
  deps: EventDeps,
  call: (credentials: AwsCredentialIdentity) => Promise<T>,
  masked: readonly (string | null | undefined)[] = [],
): Promise<T> {
  // Before the first FinSpace call of an event (and the credentials it needs): only while CloudFormation
  // deploys the stack. Whoever else invokes the handler, with an event of their making, gets no call.
  const refusal = notDeployingReason((await deps.stack()).status);
  if (refusal) throw new LifecycleError(refusal);
  const { environmentId } = declaration;
  const admin = { roleArn: declaration.adminRoleArn, externalId: declaration.externalId };
  const { credentials, reused } = await deps.credentials.get(admin, environmentId, deps.signal);
  try {
    try {
      return await call(credentials);
    } catch (error) {
      if (!reused || (error as Error).name !== 'AccessDeniedException') throw error;
      deps.credentials.invalidate(admin, environmentId);
    }
    const fresh = await deps.credentials.get(admin, environmentId, deps.signal);
    return await call(fresh.credentials);
  } catch (error) {
    throw error instanceof LifecycleError
      ? error
      : failure(operation, declaration.userId, error, [declaration.firstName, declaration.lastName, ...masked]);
  }
}

/** Fetches FinSpace credentials for the cache: assume the admin role, then exchange its IAM credentials. */
export function credentialsFetcher(outbound: Outbound, now: () => number = Date.now) {
  return async (admin: AdminRole, environmentId: string, signal?: AbortSignal): Promise<IssuedCredentials> => {
    let iam: AwsCredentialIdentity;
    try {
      iam = await outbound.assumeRole(admin.roleArn, signal, { externalId: admin.externalId });
    } catch (error) {
      // An abandoned call says why: the handler's time budget (the SDK says only that it was aborted).
      throw failure('AssumeRole', admin.roleArn, signal?.aborted ? signal.reason : error);
    }
    const requestedAt = now();
    let issued;
    try {
      issued = await outbound.getProgrammaticAccessCredentials(
        iam,
        environmentId,
        CREDENTIALS_DURATION_MINUTES,
        signal,
      );
    } catch (error) {
      throw failure('GetProgrammaticAccessCredentials', environmentId, error);
    }
    const c = issued.credentials;
    if (!c?.accessKeyId || !c.secretAccessKey) {
      throw new LifecycleError(
        `GetProgrammaticAccessCredentials ${environmentId}: the response carried no credentials`,
      );
    }
    const minutes = issued.durationInMinutes ?? CREDENTIALS_DURATION_MINUTES;
    return {
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
      expiresAt: requestedAt + minutes * 60_000,
    };
  };
}

/**
 * `UpdateUser u-42: ResourceNotFoundException: ...`, with every value of
 * `masked` (the names the call wrote, went back to or read) that the service may
 * have echoed masked, the longest first (so that no part of one is left).
 */
export function failure(
  operation: string,
  subject: string,
  error: unknown,
  masked: readonly (string | null | undefined)[] = [],
): LifecycleError {
  const name = error instanceof Error ? error.name : 'Error';
  let message = error instanceof Error ? error.message : String(error);
  const values = masked.filter((v): v is string => typeof v === 'string' && v !== '');
  for (const value of values.sort((a, b) => b.length - a.length)) message = message.split(value).join('***');
  return new LifecycleError(`${operation} ${subject}: ${name}: ${message}`);
}
