// Lambda entry point: the provider framework's onEvent handler for
// Custom::FinspaceUser. State kept across warm invocations: the network
// clients and the FinSpace credentials.
import { FinspaceCredentialsCache } from './finspace-credentials';
import { awsOutbound, type Outbound } from './outbound';
import {
  credentialsFetcher,
  type LifecycleEvent,
  type LifecycleResponse,
  onEvent,
  type Outcome,
} from './user-lifecycle';

let warm: { outbound: Outbound; credentials: FinspaceCredentialsCache } | undefined;

export async function handler(event: LifecycleEvent): Promise<LifecycleResponse> {
  if (!warm) {
    const outbound = awsOutbound();
    warm = { outbound, credentials: new FinspaceCredentialsCache(credentialsFetcher(outbound)) };
  }
  // Identifiers only: properties hold names, which must never reach a log.
  const context = {
    requestType: event.RequestType,
    logicalResourceId: event.LogicalResourceId,
    physicalResourceId: event.PhysicalResourceId,
  };
  try {
    const response = await onEvent(event, {
      ...warm,
      report: (outcome: Outcome) => console.log(JSON.stringify({ ...context, outcome })),
    });
    return response;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(JSON.stringify({ ...context, outcome: 'failed', reason }));
    throw error instanceof Error ? error : new Error(reason);
  }
}
