// Whether an event belongs to the phase of the stack operation CloudFormation
// is in now. CloudFormation events carry no id of the operation, and Lambda may
// run one late (a retry, a queued invocation, up to the function's maximum
// event age): a forward Update of a failed deploy that runs while the stack
// rolls back has the shape of a rollback of the deploy before it, and one that
// runs in the next deploy has the shape of a forward change. Two things tell
// them apart: the kinds of request CloudFormation sends in each status, and the
// time CloudFormation sent the event (its pre-signed ResponseURL, sent-time.ts)
// against the time the current phase began (CloudFormation's own record of it).
import type { Outbound, StackDescription } from './outbound';
import { latestSendTime } from './sent-time';
import { REQUEST_TYPES_BY_STATUS, serviceCall } from './stack-status';
import type { LifecycleEvent } from './user-lifecycle';

type RequestType = LifecycleEvent['RequestType'];

/**
 * How far the time CloudFormation signs a ResponseURL at may be behind the
 * time it records a phase's start at (two clocks of one service): an event is
 * taken for an earlier phase's only when it was sent more than this before.
 */
export const CLOCK_TOLERANCE_MS = 1_000;

/** The stack's own events are of this type, with the stack's id as physical id. */
const STACK_RESOURCE_TYPE = 'AWS::CloudFormation::Stack';
/** Pages of DescribeStackEvents read at most (100 events each): beyond them the phase's start is taken from DescribeStacks. */
const MAX_EVENT_PAGES = 30;
/** Phase starts kept by a warm instance (it serves one stack: a few phases). */
const MAX_CACHED_PHASES = 16;

/**
 * When each phase of the stack began, as found: kept across the invocations of
 * a warm instance, so that the events of one phase read the stack's events once.
 * Keyed by the stack, its status and the time of its operation, so that the
 * same status in a later operation is looked up again.
 */
export class PhaseStarts {
  private readonly starts = new Map<string, number>();

  get(key: string): number | undefined {
    return this.starts.get(key);
  }

  set(key: string, startedAt: number): void {
    this.starts.set(key, startedAt);
    if (this.starts.size > MAX_CACHED_PHASES) this.starts.delete(this.starts.keys().next().value as string);
  }
}

export interface PhaseDeps {
  readonly outbound: Pick<Outbound, 'stackEvents'>;
  readonly signal?: AbortSignal;
  /** @default - nothing kept across events */
  readonly phaseStarts?: PhaseStarts;
  readonly notice?: (message: string) => void;
}

/** Why CloudFormation would not send this request in this status, or undefined when it does. */
export function requestTypeProblem(requestType: RequestType, status: string): string | undefined {
  if (REQUEST_TYPES_BY_STATUS.get(status)?.has(requestType)) return undefined;
  return `CloudFormation sends no ${requestType} while the stack is ${status}, so this is a late run of an event of an earlier phase`;
}

/**
 * When the stack's current phase began (epoch milliseconds), as DescribeStacks
 * says it without another call: the stack's creation for its first operation
 * and that operation's rollback (no earlier phase sent a Create, nor a Delete),
 * an update's LastUpdatedTime; undefined for the other phases.
 */
function describedPhaseStart(stack: StackDescription): number | undefined {
  if (stack.status === 'CREATE_IN_PROGRESS' || stack.status === 'ROLLBACK_IN_PROGRESS') return stack.creationTime ?? 0;
  if (stack.status === 'UPDATE_IN_PROGRESS') return stack.lastUpdatedTime;
  return undefined;
}

/**
 * When the stack's current phase began (epoch milliseconds): CloudFormation
 * sent none of its events earlier. From the stack's own event of its status;
 * where that cannot be found (not visible yet, say), an earlier time: an event
 * is then taken for the current phase's rather than refused.
 */
async function phaseStartFromEvents(stackId: string, stack: StackDescription, deps: PhaseDeps): Promise<number> {
  const operationTime = stack.lastUpdatedTime ?? stack.creationTime ?? 0;
  const key = [stackId, stack.status, operationTime].join('\n');
  const cached = deps.phaseStarts?.get(key);
  if (cached !== undefined) return cached;
  const found = await statusEvent(stackId, stack.status, deps);
  if (found?.exact) {
    deps.phaseStarts?.set(key, found.at);
    return found.at;
  }
  deps.notice?.(
    `the stack's ${stack.status} event was not found among its recent events: the phase is taken to have begun ` +
      (found ? 'at the stack event before it' : "at the operation's start"),
  );
  return found?.at ?? operationTime;
}

/**
 * The newest event of the stack itself in `status` (exact), or failing that the
 * newest of its events that began an earlier phase (not exact: the phase began
 * after it), reading the stack's events newest first, only as far as needed.
 */
async function statusEvent(
  stackId: string,
  status: string,
  deps: PhaseDeps,
): Promise<{ at: number; exact: boolean } | undefined> {
  let token: string | undefined;
  for (let page = 1; page <= MAX_EVENT_PAGES; page++) {
    const { events, nextToken } = await serviceCall(
      'DescribeStackEvents',
      stackId,
      () => deps.outbound.stackEvents(stackId, token, deps.signal),
      deps.signal,
    );
    for (const event of events) {
      if (event.resourceType !== STACK_RESOURCE_TYPE || event.physicalResourceId !== stackId) continue;
      if (event.resourceStatus === status) return { at: event.timestamp, exact: true };
      if (event.resourceStatus?.endsWith('_IN_PROGRESS')) return { at: event.timestamp, exact: false };
    }
    if (!nextToken) return undefined;
    token = nextToken;
  }
  return undefined;
}

/**
 * Why the event is not of the stack's current phase (words without names), or
 * undefined when it is: a request CloudFormation does not send in this status,
 * or one it sent before this phase began.
 */
export async function notOfPhaseReason(
  event: Pick<LifecycleEvent, 'RequestType' | 'StackId' | 'ResponseURL'>,
  stack: StackDescription,
  deps: PhaseDeps,
): Promise<string | undefined> {
  const problem = requestTypeProblem(event.RequestType, stack.status);
  if (problem) return problem;
  const sentBy = latestSendTime(event.ResponseURL);
  if (sentBy === undefined) {
    return "its ResponseURL carries no signing time (X-Amz-Date or Expires), so it cannot be told from a late run of an earlier phase's event";
  }
  const described = describedPhaseStart(stack);
  if (described !== undefined && sentBy + CLOCK_TOLERANCE_MS >= described) return undefined;
  // Refused only on the stack's own record of the phase's start: an update's LastUpdatedTime (which documents
  // only "the time the stack was last updated") is trusted to let an event through, not to refuse one.
  const began =
    described !== undefined && stack.status !== 'UPDATE_IN_PROGRESS'
      ? described
      : await phaseStartFromEvents(event.StackId, stack, deps);
  if (sentBy + CLOCK_TOLERANCE_MS >= began) return undefined;
  return (
    `CloudFormation sent it by ${new Date(sentBy).toISOString()}, before the stack's current phase ` +
    `(${stack.status}) began at ${new Date(began).toISOString()}: a late run of an earlier phase's event, ` +
    'which CloudFormation no longer waits for'
  );
}
