// The handler's own stack, read once per event (CloudFormation DescribeStacks):
// its status tells a rollback from a forward change (rollback.ts), and whether
// CloudFormation is deploying the stack at all; its times, when the current
// phase of the operation began (stack-phase.ts). CloudFormation
// sends custom resource events only while a stack operation is in progress;
// an event at any other time did not come from it, however well formed, and
// gets no FinSpace call.
import type { Outbound, StackDescription } from './outbound';
import type { LifecycleEvent } from './user-lifecycle';

type RequestType = LifecycleEvent['RequestType'];

/**
 * The requests CloudFormation sends a custom resource in each status where it
 * sends any. A Create only while it creates resources (a stack's creation, an
 * update's new resources and replacements); an Update in an update, and back in
 * its rollback; a Delete in an update's cleanup (removed resources, replaced
 * ones), a stack's deletion, and the rollbacks (of a failed creation: what it
 * made; of a failed update: in its cleanup, what the update made). A Delete
 * while an update rolls back is documented neither way: the rollback path
 * writes only restores it can trust, so it is taken rather than failing the rollback.
 */
export const REQUEST_TYPES_BY_STATUS: ReadonlyMap<string, ReadonlySet<RequestType>> = new Map<
  string,
  ReadonlySet<RequestType>
>([
  ['CREATE_IN_PROGRESS', new Set(['Create'])],
  ['UPDATE_IN_PROGRESS', new Set(['Create', 'Update'])],
  ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', new Set(['Delete'])],
  ['DELETE_IN_PROGRESS', new Set(['Delete'])],
  ['ROLLBACK_IN_PROGRESS', new Set(['Delete'])],
  ['UPDATE_ROLLBACK_IN_PROGRESS', new Set(['Update', 'Delete'])],
  ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', new Set(['Delete'])],
]);

/** The statuses in which CloudFormation sends a custom resource its events. */
export const DEPLOYING_STATUSES: ReadonlySet<string> = new Set(REQUEST_TYPES_BY_STATUS.keys());

/** The event's stack (its status and times), asked of CloudFormation on first use and kept for the rest of the event. */
export type StackOf = () => Promise<StackDescription>;

export function stackOnce(
  event: Pick<LifecycleEvent, 'StackId'>,
  outbound: Pick<Outbound, 'describeStack'>,
  signal?: AbortSignal,
): StackOf {
  let stack: Promise<StackDescription> | undefined;
  return () => {
    stack ??= serviceCall('DescribeStacks', event.StackId, () => outbound.describeStack(event.StackId, signal), signal);
    return stack;
  };
}

/**
 * Runs a call to the handler's own stack services, its failure named by the
 * operation and subject (`DescribeStacks arn:...: AccessDenied: ...`):
 * CloudFormation's and DynamoDB's errors carry no item values, so there are
 * no names to mask. A call the
 * signal abandoned says why (the handler's time budget), not just that it was.
 */
export async function serviceCall<T>(
  operation: string,
  subject: string,
  run: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const reason: unknown = signal?.aborted ? signal.reason : error;
    const name = reason instanceof Error ? reason.name : 'Error';
    const message = reason instanceof Error ? reason.message : String(reason);
    throw new Error(`${operation} ${subject}: ${name}: ${message}`, { cause: error });
  }
}

/** Why the handler will not call FinSpace for this event, or undefined while CloudFormation deploys the stack. */
export function notDeployingReason(status: string): string | undefined {
  if (DEPLOYING_STATUSES.has(status)) return undefined;
  return (
    `refused: the stack is ${status}, not being deployed; CloudFormation sends events only while it deploys ` +
    'the stack, so this one did not come from it'
  );
}
