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
import { deleteTarget, type UserTarget } from './delete-target';
import { disableLockoutReason, updateLockoutReason } from './lockout';
import type { Outbound } from './outbound';
import { physicalIdOf } from './physical-id';
import { ATTRIBUTES, parseResourceProperties } from './resource-properties';
import { type FinspaceRunner, forgetUser, inRollback, rememberUser, restoreUser } from './rollback';
import { notDeployingReason, type StackStatusOf, stackStatusOnce } from './stack-status';
import { claimUser, otherHolder, releaseClaim } from './user-claim';

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
}

export interface LifecycleResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/**
 * What the handler did, for its log line: no names, no secrets. In a rollback:
 * `restored` (the before-values written back), `no-snapshot` (nothing of the
 * failed deploy to undo), `reapplied` (no snapshot: the previous declaration written again).
 * `moved`: a DESTROY Delete of a user that another resource of the stack now holds (left enabled).
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
  | 'reapplied';

export interface LifecycleDeps {
  readonly outbound: Outbound;
  readonly credentials: FinspaceCredentialsCache;
  /** Abandons every call once the invocation's time budget is spent. */
  readonly signal?: AbortSignal;
  readonly report?: (outcome: Outcome) => void;
  /** Snapshots expire relative to it. @default Date.now */
  readonly now?: () => number;
  /** The event's stack status, read once. @default - asked of CloudFormation on first need */
  readonly stackStatus?: StackStatusOf;
}

/** What one event's FinSpace calls run with: its stack status is always there, so the deploy guard cannot be skipped. */
type EventDeps = LifecycleDeps & { readonly stackStatus: StackStatusOf };

/** A failure whose message is safe for the CloudFormation reason and the log. */
export class LifecycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LifecycleError';
  }
}

/** The same event (a redelivery) gives the same token, so FinSpace applies it once. */
export function clientTokenFor(event: LifecycleEvent, operation: string): string {
  return createHash('sha256')
    .update([event.StackId, event.LogicalResourceId, event.RequestId, operation].join('\n'))
    .digest('hex');
}

export async function onEvent(event: LifecycleEvent, given: LifecycleDeps): Promise<LifecycleResponse> {
  // One DescribeStacks per event at most, shared by the rollback check and the deploy guard.
  const deps: EventDeps = {
    ...given,
    stackStatus: given.stackStatus ?? stackStatusOnce(event, given.outbound, given.signal),
  };
  const report = deps.report ?? (() => undefined);
  if (event.RequestType === 'Delete') {
    const physicalId = event.PhysicalResourceId ?? event.RequestId;
    const target = deleteTarget(physicalId, event.ResourceProperties);
    // Snapshots and claims are kept under the declaration a forward event applied: properties that no
    // longer parse have none to find, and are deleted as guard decides below.
    const parsed = parseResourceProperties(event.ResourceProperties);
    // A physical id we did not issue is a Create that failed: FinSpace has nothing of ours. It may have
    // claimed the user before its write failed: the claim goes with it.
    if (target.kind === 'not-issued') {
      if (parsed.ok) await releaseClaim(event, parsed.declaration, deps);
      report('skipped');
      return { PhysicalResourceId: physicalId };
    }
    if (parsed.ok) {
      const declaration = parsed.declaration;
      const finspace: FinspaceRunner = (operation, call) => withFinspace(operation, declaration, deps, call);
      // A rollback deletes what the failed deploy created: the user goes back to its before-values, whatever the policy.
      if (await inRollback(event, deps)) {
        // The resource goes whatever the restore does (an operator may skip it): its claim first.
        await releaseClaim(event, declaration, deps);
        report(await restoreUser(event, declaration, deps, finspace, clientTokenFor(event, 'UpdateUser')));
        return { PhysicalResourceId: physicalId };
      }
      await forgetUser(event, declaration, deps);
    }
    if (target.kind === 'retain') {
      report('retained');
      return { PhysicalResourceId: physicalId };
    }
    if (target.kind === 'cannot-act') throw new LifecycleError(target.reason);
    // Renamed, or adopted by another construct: the new resource wrote the user first, and keeps it enabled.
    // Only in an update's cleanup, where the stack stays: when it is deleted, nothing declares the user any more.
    const cleanup = (await deps.stackStatus()) === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS';
    if (cleanup && (await otherHolder(event, target.target, deps)) !== undefined) {
      report('moved');
      return { PhysicalResourceId: physicalId };
    }
    const gone = await disable(event, target.target, deps);
    report(gone ? 'already-gone' : 'disabled');
    return { PhysicalResourceId: physicalId };
  }

  const parsed = parseResourceProperties(event.ResourceProperties);
  if (!parsed.ok) {
    throw new LifecycleError(`Invalid FinspaceUser properties: ${formatViolations(parsed.violations)}`);
  }
  const declaration = parsed.declaration;
  const physicalId = physicalIdOf(declaration);
  const response = { PhysicalResourceId: physicalId, Data: attributesOf(declaration) };
  const finspace: FinspaceRunner = (operation, call) => withFinspace(operation, declaration, deps, call);

  // The declaration this in-place Update replaces (in a rollback: the failed one).
  const old = parseResourceProperties(event.OldResourceProperties ?? {});
  const inPlace = event.RequestType === 'Update' && event.PhysicalResourceId === physicalId;
  const previous = inPlace && old.ok ? old.declaration : undefined;
  // Undoing properties this handler refused: they were refused before any call, so there is nothing to undo.
  if (inPlace && !old.ok && (await inRollback(event, deps))) {
    report('no-snapshot');
    return response;
  }
  if (previous) {
    // Undoing a replacement that failed (to another user): the user it claimed is not this resource's after all.
    if (!sameUser(previous, declaration) && (await inRollback(event, deps))) await releaseClaim(event, previous, deps);
    // Neither this change nor its undoing touches FinSpace: nothing to ask, nothing to write.
    if (!changesFinspace(previous, declaration) && !changesFinspace(declaration, previous)) {
      report('unchanged');
      return response;
    }
    if (await inRollback(event, deps)) {
      const restored = await restoreUser(event, previous, deps, finspace, clientTokenFor(event, 'UpdateUser'));
      if (restored === 'restored' || !changesFinspace(previous, declaration)) {
        report(restored === 'restored' ? 'restored' : 'unchanged');
        return response;
      }
      // No snapshot: write the previous declaration again, as before snapshots existed.
      await applyDeclaration(event, declaration, deps, finspace);
      report('reapplied');
      return response;
    }
    if (!changesFinspace(previous, declaration)) {
      // A field no longer declared is left as FinSpace has it.
      await forgetUser(event, previous, deps);
      report('unchanged');
      return response;
    }
  }

  // One read before the write: it refuses a change that would lock the admin out, and is the snapshot a rollback restores.
  await rememberUser(event, declaration, deps, finspace, (live) => {
    const lockout = updateLockoutReason(live, declaration);
    if (lockout) throw new LifecycleError(`UpdateUser ${declaration.userId}: ${lockout}`);
  });
  // A user new to this physical resource (a Create, a replacement): before the write, it becomes this
  // resource's, so that the old resource of a move, deleted after it, leaves it enabled.
  if (!previous) await claimUser(event, declaration, deps);
  await applyDeclaration(event, declaration, deps, finspace);
  // The snapshot of the last deploy of this resource is of no more use: that deploy is over.
  if (previous) await forgetUser(event, previous, deps);
  report(event.RequestType === 'Update' && event.PhysicalResourceId !== physicalId ? 'replaced' : 'updated');
  return response;
}

/** UpdateUser with the declared fields (and only those). */
async function applyDeclaration(
  event: LifecycleEvent,
  declaration: UserDeclaration,
  deps: LifecycleDeps,
  finspace: FinspaceRunner,
): Promise<void> {
  await finspace('UpdateUser', (credentials) =>
    deps.outbound.updateUser(
      credentials,
      {
        userId: declaration.userId,
        type: declaration.type,
        firstName: declaration.firstName,
        lastName: declaration.lastName,
        apiAccess: declaration.apiAccess,
        apiAccessPrincipalArn: declaration.apiAccessPrincipalArn,
        clientToken: clientTokenFor(event, 'UpdateUser'),
      },
      deps.signal,
    ),
  );
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
    const lockout = disableLockoutReason(live, target);
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

function sameUser(a: UserDeclaration, b: UserDeclaration): boolean {
  return a.environmentId === b.environmentId && a.userId === b.userId;
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
 * `call` other than that are wrapped by `operation`.
 */
async function withFinspace<T>(
  operation: string,
  declaration: UserTarget,
  deps: EventDeps,
  call: (credentials: AwsCredentialIdentity) => Promise<T>,
): Promise<T> {
  // Before the first FinSpace call of an event (and the credentials it needs): only while CloudFormation
  // deploys the stack. Whoever else invokes the handler, with an event of their making, gets no call.
  const refusal = notDeployingReason(await deps.stackStatus());
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
    throw error instanceof LifecycleError ? error : failure(operation, declaration.userId, error, declaration);
  }
}

/** Fetches FinSpace credentials for the cache: assume the admin role, then exchange its IAM credentials. */
export function credentialsFetcher(outbound: Outbound, now: () => number = Date.now) {
  return async (admin: AdminRole, environmentId: string, signal?: AbortSignal): Promise<IssuedCredentials> => {
    let iam: AwsCredentialIdentity;
    try {
      iam = await outbound.assumeRole(admin.roleArn, signal, { externalId: admin.externalId });
    } catch (error) {
      throw failure('AssumeRole', admin.roleArn, error);
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
 * `UpdateUser u-42: ResourceNotFoundException: ...`, with any declared name
 * the service may have echoed masked.
 */
export function failure(
  operation: string,
  subject: string,
  error: unknown,
  declaration?: Pick<UserDeclaration, 'firstName' | 'lastName'>,
): LifecycleError {
  const name = error instanceof Error ? error.name : 'Error';
  let message = error instanceof Error ? error.message : String(error);
  for (const value of [declaration?.firstName, declaration?.lastName]) {
    if (value) message = message.split(value).join('***');
  }
  return new LifecycleError(`${operation} ${subject}: ${name}: ${message}`);
}
