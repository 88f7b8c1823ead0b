// Lambda entry point of Custom::FinspaceUser: the resources' ServiceToken.
// CloudFormation invokes it (asynchronously) and waits for the answer at the
// event's ResponseURL, so every path ends in a response: an answer that is
// never sent holds the stack until the resource's service timeout. State kept
// across warm invocations: the network clients and the FinSpace credentials.
import { FinspaceCredentialsCache } from '../finspace/credentials';
import {
  type CloudFormationEvent,
  type CloudFormationResponse,
  failedResponse,
  responseUrlProblem,
  successResponse,
} from './cfn-response';
import { refuseForeignEvent } from './event-guard';
import { failureReason, logGroupOf } from './failure-reason';
import { lazyOutbound, type Outbound, putResponse } from './outbound';
import { type InvocationContext, timeBudget } from './time-budget';
import { credentialsFetcher, onEvent, type Outcome } from './user-lifecycle';

let warm: { outbound: Outbound; credentials: FinspaceCredentialsCache } | undefined;

/** Attempts at PUTting the response, and the pause before the first retry (doubled each time). */
const RESPONSE_ATTEMPTS = 4;
const RESPONSE_RETRY_MS = 500;

export async function handler(event: CloudFormationEvent, context?: InvocationContext): Promise<void> {
  const logGroup = logGroupOf();
  // Before anything else: an event that does not come with a CloudFormation ResponseURL gets no call
  // at all, not even its answer (whoever sent it could otherwise point the answer anywhere).
  const urlProblem = responseUrlProblem((event as Partial<CloudFormationEvent> | null)?.ResponseURL);
  if (urlProblem) {
    console.error(JSON.stringify({ outcome: 'refused', reason: `refused: ${urlProblem}` }));
    return;
  }
  const response = await answer(event, context, logGroup);
  await respond(event.ResponseURL, response);
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
    warm = { outbound, credentials: new FinspaceCredentialsCache(credentialsFetcher(outbound)) };
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
      report: (outcome: Outcome) => console.log(JSON.stringify({ ...identifiers, outcome })),
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
 * PUTs the response, retrying a transient failure. If every attempt fails the
 * invocation fails, and Lambda's retry of the asynchronous invocation runs
 * the event again (the same RequestId: FinSpace applies it once).
 */
async function respond(url: string, response: CloudFormationResponse): Promise<void> {
  const body = JSON.stringify(response);
  for (let attempt = 1; ; attempt++) {
    try {
      await putResponse(url, body);
      return;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(JSON.stringify({ outcome: 'response-not-sent', attempt, error: message }));
      if (attempt >= RESPONSE_ATTEMPTS) {
        throw new Error(`the response to CloudFormation was not sent: ${message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, RESPONSE_RETRY_MS * 2 ** (attempt - 1)));
    }
  }
}
