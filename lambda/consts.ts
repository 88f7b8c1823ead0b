// Names and numbers the runtime and the construct must agree on.

/** Attempts per FinSpace or STS call when AWS_MAX_ATTEMPTS is not set: the SDK's 3 cannot ride out a burst of a hundred users deploying at once. */
export const DEFAULT_MAX_ATTEMPTS = 10;

/** Milliseconds one HTTP request may take before it is abandoned and retried. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Session name of AssumeRole calls that act for no stack (the plan); the
 * handler's sessions are `finspace-user@<stack name>` (lambda/role-session.ts).
 */
export const ROLE_SESSION_NAME = 'finspace-user-handler';

/**
 * The handler function's environment variable holding the id (ARN) of the
 * stack it serves, `AWS::StackId` resolved by CloudFormation: the handler
 * acts on events of that stack only.
 */
export const STACK_ID_ENV = 'FINSPACE_USER_STACK_ID';

/** The handler function's environment variable naming its log group, which failure reasons point to. */
export const LOG_GROUP_ENV = 'FINSPACE_USER_LOG_GROUP';

/** The handler function's entry point (file lambda/handler.ts, export `handler`). */
export const HANDLER_EXPORT = 'handler';

/**
 * The network stack's module, bundled into a file of its own beside the
 * handler's, so that a cold start parses it only when a call needs it.
 */
export const NETWORK_MODULE = './aws-clients.js';

/** The handler's environment variable naming its stack's snapshot table (the construct sets it). */
export const SNAPSHOT_TABLE_ENV = 'SNAPSHOT_TABLE_NAME';

/** The snapshot table's partition key and its time-to-live attribute (epoch seconds). */
export const SNAPSHOT_KEY_ATTRIBUTE = 'key';
export const SNAPSHOT_TTL_ATTRIBUTE = 'expiresAt';
/** The attribute a conditional write of the snapshot table compares: a new random value at each write. */
export const SNAPSHOT_REVISION_ATTRIBUTE = 'rev';

/**
 * The handler function's environment variable listing the ARNs of every
 * admin role the stack's FinspaceUsers use, separated by ADMIN_ROLES_SEPARATOR
 * (the construct joins them; CloudFormation resolves each): the lockout guard
 * protects the FinSpace user of each, not only the event's own admin role.
 */
export const ADMIN_ROLES_ENV = 'FINSPACE_USER_ADMIN_ROLES';
/** A space: a role ARN cannot hold one (its pattern has no whitespace), though it may hold a comma. */
export const ADMIN_ROLES_SEPARATOR = ' ';

// How late an event can run, and so how long what the handler stores must last. Lambda invokes the
// handler asynchronously for CloudFormation and may run an event again: after a failed invocation
// (RETRY_ATTEMPTS times, a minute then two apart), after throttling, or once more because its queue
// is eventually consistent. Every such run starts while the event is at most MAX_EVENT_AGE_SECONDS
// old (Lambda discards it after that, retry or not) and ends HANDLER_TIMEOUT_SECONDS later at the
// latest. lib/finspace-user-provider.ts sets these on the function and its EventInvokeConfig.

/** The handler function's timeout. */
export const HANDLER_TIMEOUT_SECONDS = 5 * 60;
/** Lambda's maximum age of one of the function's asynchronous events (60 s to 6 h; default 6 h). */
export const MAX_EVENT_AGE_SECONDS = 6 * 60;
/** Lambda's retries of an event whose invocation failed (0 to 2; the handler fails one only when its answer could not be sent). */
export const RETRY_ATTEMPTS = 2;

/** The longest after CloudFormation sends an event that a run of it may still act: 11 minutes. */
export const REDELIVERY_WINDOW_SECONDS = MAX_EVENT_AGE_SECONDS + HANDLER_TIMEOUT_SECONDS;

/**
 * How long CloudFormation waits for a FinspaceUser's answer (the custom
 * resource's `ServiceTimeout`; 1 to 3600 s, default 3600): longer than the
 * redelivery window, so a run of an event that CloudFormation still waits
 * for can always answer it, and shorter than an hour, so a handler that never
 * answers fails the stack in minutes.
 */
export const SERVICE_TIMEOUT_SECONDS = REDELIVERY_WINDOW_SECONDS + 60;

/**
 * What we allow for the rest of a stack operation between a FinspaceUser's
 * forward event and the rollback event that undoes it: 12 hours. CloudFormation
 * bounds no stack update as a whole: each resource waits up to its own limit
 * (a custom resource its ServiceTimeout, at most an hour; a CreationPolicy or a
 * WaitCondition at most 12 hours, the longest wait a template can ask for),
 * and a failed update's rollback waits for the other resources' updates back
 * before it reaches ours. The stack's TimeoutInMinutes is not used: it bounds
 * only a stack's creation, not an update nor the rollback after it. Longer
 * would keep the before-values longer, names among them (only declared fields
 * that a deploy changes); shorter would leave a slow stack's failed deploy in
 * FinSpace. A rollback event that comes later finds the record expired: it
 * writes nothing, logs `no-snapshot` and answers SUCCESS, so the stack's
 * rollback completes with the failed deploy's values left in FinSpace.
 */
export const OPERATION_ALLOWANCE_SECONDS = 12 * 60 * 60;

/**
 * How long a change record (lambda/change-record.ts: the before-values a
 * rollback writes back) is kept: a late run of the forward event that wrote
 * it, the rest of the operation, then the late runs of the rollback event
 * that uses it. 12 hours 22 minutes; the handler treats an older record as
 * absent, and DynamoDB deletes it within about two days of that (its TTL is
 * best effort). A later write of the user through the same resource replaces it sooner.
 */
export const RECORD_TTL_SECONDS = REDELIVERY_WINDOW_SECONDS + OPERATION_ALLOWANCE_SECONDS + REDELIVERY_WINDOW_SECONDS;

/**
 * How long a claim (lambda/user-claim.ts) is kept. It holds no names (a key
 * hash and a logical id) and counts only after CloudFormation confirms its
 * holder, so it may outlast one operation: a day.
 */
export const CLAIM_TTL_SECONDS = 24 * 60 * 60;

/**
 * FinspaceUser resources one stack holds: CloudFormation's 500 resources, less
 * the shared provider's 7 (the handler function, its event invoke
 * configuration, role, policy and log group, the snapshot table, CDK metadata). test/scale.test.ts synthesizes
 * both sides of it.
 */
export const USERS_PER_STACK = 493;

/**
 * The Lambda runtimes the prebuilt handler is built for and tested on
 * (test/handler-runtimes.test.ts runs it on each, with that Node.js
 * version's own binary), lowest first: the bundle targets the first, the
 * construct picks the highest the app's aws-cdk-lib knows. nodejs20.x is
 * deprecated by Lambda. Adding one means adding its Node.js binary to
 * scripts/node-runtimes/package.json.
 */
export const HANDLER_RUNTIMES = ['nodejs22.x', 'nodejs24.x', 'nodejs26.x'] as const;
export type HandlerRuntimeName = (typeof HANDLER_RUNTIMES)[number];

/** The Node.js major version of a Lambda runtime name (`nodejs24.x` is 24), or undefined for another family. */
export function nodeMajorOf(runtimeName: string): number | undefined {
  const match = /^nodejs(\d+)\.x$/.exec(runtimeName);
  return match === null ? undefined : Number(match[1]);
}
