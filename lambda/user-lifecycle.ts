// What a FinspaceUser does on each CloudFormation lifecycle event. Pure logic:
// all I/O goes through `Outbound`, all credentials through the cache.
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentity } from '@smithy/types';
import { FINSPACE_FIELDS, formatViolations, type UserDeclaration } from '../finspace/constraints';
import {
  CREDENTIALS_DURATION_MINUTES,
  type FinspaceCredentialsCache,
  type IssuedCredentials,
} from '../finspace/credentials';
import type { Outbound } from './outbound';
import { ATTRIBUTES, parseResourceProperties } from './resource-properties';
import { type FinspaceRunner, forgetUser, inRollback, rememberUser, restoreUser } from './rollback';

/** The event as the provider framework hands it to its onEvent handler. */
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
 */
export type Outcome =
  | 'updated'
  | 'replaced'
  | 'unchanged'
  | 'disabled'
  | 'retained'
  | 'already-gone'
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
}

/** A failure whose message is safe for the CloudFormation reason and the log. */
export class LifecycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LifecycleError';
  }
}

/** Stable and injective in (environment, user): a change of either is a replacement. */
export function physicalIdOf(declaration: Pick<UserDeclaration, 'environmentId' | 'userId'>): string {
  return `${encodeURIComponent(declaration.environmentId)}/${encodeURIComponent(declaration.userId)}`;
}

/** The same event (a redelivery) gives the same token, so FinSpace applies it once. */
export function clientTokenFor(event: LifecycleEvent, operation: string): string {
  return createHash('sha256')
    .update([event.StackId, event.LogicalResourceId, event.RequestId, operation].join('\n'))
    .digest('hex');
}

export async function onEvent(event: LifecycleEvent, deps: LifecycleDeps): Promise<LifecycleResponse> {
  const report = deps.report ?? (() => undefined);
  const parsed = parseResourceProperties(event.ResourceProperties);

  if (event.RequestType === 'Delete') {
    const physicalId = event.PhysicalResourceId ?? event.RequestId;
    // Properties that never validated were never applied, and a physical id we
    // did not issue is a Create that failed: either way FinSpace has nothing of ours.
    if (!parsed.ok || physicalIdOf(parsed.declaration) !== physicalId) {
      report('skipped');
      return { PhysicalResourceId: physicalId };
    }
    const declaration = parsed.declaration;
    const finspace: FinspaceRunner = (operation, call) => withFinspace(operation, declaration, deps, call);
    // A rollback deletes what the failed deploy created: the user goes back to its before-values, whatever the policy.
    if (await inRollback(event, deps)) {
      report(await restoreUser(event, declaration, deps, finspace, clientTokenFor(event, 'UpdateUser')));
      return { PhysicalResourceId: physicalId };
    }
    await forgetUser(event, declaration, deps);
    if (declaration.removalPolicy === 'retain') {
      report('retained');
      return { PhysicalResourceId: physicalId };
    }
    const gone = await withFinspace('DisableUser', declaration, deps, async (credentials) => {
      try {
        await deps.outbound.disableUser(
          credentials,
          { userId: declaration.userId, clientToken: clientTokenFor(event, 'DisableUser') },
          deps.signal,
        );
        return false;
      } catch (error) {
        // The user is already gone: there is nothing left to disable.
        if ((error as Error).name === 'ResourceNotFoundException') return true;
        throw error;
      }
    });
    report(gone ? 'already-gone' : 'disabled');
    return { PhysicalResourceId: physicalId };
  }

  if (!parsed.ok) {
    throw new LifecycleError(`Invalid FinspaceUser properties: ${formatViolations(parsed.violations)}`);
  }
  const declaration = parsed.declaration;
  const physicalId = physicalIdOf(declaration);
  const response = { PhysicalResourceId: physicalId, Data: attributesOf(declaration) };
  const finspace: FinspaceRunner = (operation, call) => withFinspace(operation, declaration, deps, call);

  // The declaration this in-place Update replaces (in a rollback: the failed one).
  const old = parseResourceProperties(event.OldResourceProperties ?? {});
  const previous =
    event.RequestType === 'Update' && event.PhysicalResourceId === physicalId && old.ok ? old.declaration : undefined;
  if (previous) {
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

  await rememberUser(event, declaration, deps, finspace);
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
  declaration: UserDeclaration,
  deps: LifecycleDeps,
  call: (credentials: AwsCredentialIdentity) => Promise<T>,
): Promise<T> {
  const { adminRoleArn, environmentId } = declaration;
  const { credentials, reused } = await deps.credentials.get(adminRoleArn, environmentId, deps.signal);
  try {
    try {
      return await call(credentials);
    } catch (error) {
      if (!reused || (error as Error).name !== 'AccessDeniedException') throw error;
      deps.credentials.invalidate(adminRoleArn, environmentId);
    }
    const fresh = await deps.credentials.get(adminRoleArn, environmentId, deps.signal);
    return await call(fresh.credentials);
  } catch (error) {
    throw error instanceof LifecycleError ? error : failure(operation, declaration.userId, error, declaration);
  }
}

/** Fetches FinSpace credentials for the cache: assume the admin role, then exchange its IAM credentials. */
export function credentialsFetcher(outbound: Outbound, now: () => number = Date.now) {
  return async (adminRoleArn: string, environmentId: string, signal?: AbortSignal): Promise<IssuedCredentials> => {
    let iam: AwsCredentialIdentity;
    try {
      iam = await outbound.assumeRole(adminRoleArn, signal);
    } catch (error) {
      throw failure('AssumeRole', adminRoleArn, error);
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
