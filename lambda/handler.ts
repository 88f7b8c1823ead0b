// Lambda entry point: the provider framework's onEvent handler for
// Custom::FinspaceUser. State kept across warm invocations: the network
// clients and the FinSpace credentials.
import { FinspaceCredentialsCache } from './finspace-credentials';
import { type InvocationContext, timeBudget } from './time-budget';
import { awsOutbound, type Outbound } from './outbound';
import {
  credentialsFetcher,
  type LifecycleEvent,
  type LifecycleResponse,
  onEvent,
  type Outcome,
} from './user-lifecycle';

let warm: { outbound: Outbound; credentials: FinspaceCredentialsCache } | undefined;

export async function handler(event: LifecycleEvent, context?: InvocationContext): Promise<LifecycleResponse> {
  if (!warm) {
    const outbound = awsOutbound();
    warm = { outbound, credentials: new FinspaceCredentialsCache(credentialsFetcher(outbound)) };
  }
  // Identifiers only: properties hold names, which must never reach a log.
  const identifiers = {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: event.PhysicalResourceId,
  };
  const budget = timeBudget(context);
  try {
    return await onEvent(event, {
      ...warm,
      signal: budget.signal,
      report: (outcome: Outcome) => console.log(JSON.stringify({ ...identifiers, outcome })),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(JSON.stringify({ ...identifiers, outcome: 'failed', reason }));
    throw error instanceof Error ? error : new Error(reason);
  } finally {
    budget.dispose();
  }
}
