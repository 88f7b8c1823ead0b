// Lambda entry point of Custom::FinspaceUser: the resources' ServiceToken.
// CloudFormation invokes it (asynchronously) and waits for the answer at the
// event's ResponseURL, so every path ends in a response: an answer that is
// never sent holds the stack until the resource's service timeout. State kept
// across warm invocations: the network clients, the FinSpace credentials and
// when the stack's current phase began (no names, nothing secret).
import { FinspaceCredentialsCache } from '../finspace/credentials';
import {
  type CloudFormationEvent,
  type CloudFormationResponse,
  failedResponse,
  responseUrlProblem,
  successResponse,
} from './cfn-response';
import { ADMIN_ROLES_ENV } from './consts';
import { refuseForeignEvent } from './event-guard';
import { failureReason, logGroupOf } from './failure-reason';
import { lazyOutbound, type Outbound, putResponse } from './outbound';
import { adminRoleArnsFrom } from './principal';
import { PhaseStarts } from './stack-phase';
import { type InvocationContext, timeBudget } from './time-budget';
import { credentialsFetcher, onEvent, type Outcome } from './user-lifecycle';

let warm: { outbound: Outbound; credentials: FinspaceCredentialsCache; phaseStarts: PhaseStarts } | undefined;

/** Attempts at PUTting the response, and the pause before the first retry (doubled each time). */
const RESPONSE_ATTEMPTS = 4;
const RESPONSE_RETRY_MS = 500;

export async function handler(event: CloudFormationEvent, context?: InvocationContext): Promise<void> {
  const logGroup = logGroupOf();
  // Before anything else: an event that does not come with CloudFormation's ResponseURL gets no call
  // at all, not even its answer (whoever sent it could otherwise point the answer anywhere).
  const urlProblem = responseUrlProblem((event as Partial<CloudFormationEvent> | null)?.ResponseURL);
  if (urlProblem) {
    console.error(JSON.stringify({ outcome: 'refused', reason: `refused: ${urlProblem}` }));
    return;
  }
  let response: CloudFormationResponse;
  try {
    response = await answer(event, context, logGroup);
  } catch {
    // Not reached by any known path; the stack must still not wait for an answer that never comes.
    response = failedResponse(event, failureReason('the handler failed unexpectedly', logGroup));
  }
  await respond(event.ResponseURL, response, context);
}

/** What CloudFormation is told: the lifecycle's result, or FAILED with a reason for any error. */
async function answer(
  event: CloudFormationEvent,
  context: InvocationContext | undefined,
  logGroup: string | undefined,
): Promise<CloudFormationResponse> {
  try {
    // An event of another stack, or not of a FinspaceUser, gets no STS or FinSpace call.
    refuseForeignEvent(event);
  } catch (error) {
    const reason = failureReason((error as Error).message, logGroup);
    console.error(JSON.stringify({ outcome: 'refused', reason }));
    return failedResponse(event, reason);
  }
  if (!warm) {
    const outbound = lazyOutbound();
    warm = {
      outbound,
      credentials: new FinspaceCredentialsCache(credentialsFetcher(outbound)),
      phaseStarts: new PhaseStarts(),
    };
  }
  // Identifiers only: properties hold names, which must never reach a log (nor the ResponseURL, a capability).
  const identifiers = {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: event.PhysicalResourceId,
  };
  const budget = timeBudget(context);
  try {
    const result = await onEvent(event, {
      ...warm,
      signal: budget.signal,
      adminRoleArns: adminRoleArnsFrom(process.env[ADMIN_ROLES_ENV]),
      report: (outcome: Outcome, reason?: string) => console.log(JSON.stringify({ ...identifiers, outcome, reason })),
      notice: (notice: string) => console.log(JSON.stringify({ ...identifiers, notice })),
    });
    return successResponse(event, result);
  } catch (error) {
    const reason = failureReason(error instanceof Error ? error.message : String(error), logGroup);
    console.error(JSON.stringify({ ...identifiers, outcome: 'failed', reason }));
    return failedResponse(event, reason);
  } finally {
    budget.dispose();
  }
}

/**
 * PUTs the response before the invocation's deadline, retrying a network
 * error or a 5xx. If none gets through the invocation fails, and Lambda's
 * retry of the asynchronous invocation runs the event again (the same
 * RequestId: FinSpace applies it once). A 4xx (an expired or altered URL) is
 * final: running the event again would not make the URL valid.
 */
async function respond(url: string, response: CloudFormationResponse, context?: InvocationContext): Promise<void> {
  const body = JSON.stringify(response);
  // The answer may use the margin the time budget kept back, less a fifth (at most a second) for Lambda to finish.
  const remaining = context?.getRemainingTimeInMillis();
  const signal =
    remaining === undefined
      ? undefined
      : AbortSignal.timeout(Math.max(1, remaining - Math.min(1_000, Math.floor(remaining / 5))));
  for (let attempt = 1; ; attempt++) {
    let problem: string;
    let cause: unknown;
    try {
      const status = await putResponse(url, body, signal);
      if (status >= 200 && status < 300) return;
      if (status >= 400 && status < 500) {
        console.error(JSON.stringify({ outcome: 'response-refused', status }));
        return;
      }
      problem = `the response URL answered HTTP ${status}`;
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
      cause = error;
    }
    console.error(JSON.stringify({ outcome: 'response-not-sent', attempt, error: problem }));
    if (attempt >= RESPONSE_ATTEMPTS || signal?.aborted) {
      throw new Error(`the response to CloudFormation was not sent: ${problem}`, { cause });
    }
    await new Promise((resolve) => setTimeout(resolve, RESPONSE_RETRY_MS * 2 ** (attempt - 1)));
  }
}
