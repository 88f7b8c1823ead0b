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

/**
 * How long a snapshot of a user's before-values is kept: far longer than a
 * deploy and its rollback take (each event has 5 minutes), short enough that
 * names do not linger. A snapshot is deleted as soon as it is used, too.
 */
export const SNAPSHOT_TTL_SECONDS = 24 * 60 * 60;

/**
 * FinspaceUser resources one stack holds: CloudFormation's 500 resources, less
 * the shared provider's 6 (the handler function, its role, policy and log
 * group, the snapshot table, CDK metadata). test/scale.test.ts synthesizes
 * both sides of it.
 */
export const USERS_PER_STACK = 494;

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
