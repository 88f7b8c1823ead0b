// Lambda entry point: the provider framework's onEvent handler for
// Custom::FinspaceUser. State kept across warm invocations: the network
// clients and the FinSpace credentials.
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { refuseForeignEvent } from './event-guard';
import { failureError, failureReason, logGroupOf } from './failure-reason';
import { type InvocationContext, timeBudget } from './time-budget';
import type { Outbound } from './outbound';
import {
  credentialsFetcher,
  type LifecycleEvent,
  type LifecycleResponse,
  onEvent,
  type Outcome,
} from './user-lifecycle';

let warm: { outbound: Outbound; credentials: FinspaceCredentialsCache } | undefined;

/**
 * The network stack (SDK clients, signer, HTTP handler) is loaded by the first
 * call that needs it: a cold start for a no-op update, which calls nothing,
 * never loads it.
 */
function lazyOutbound(): Outbound {
  let real: Promise<Outbound> | undefined;
  // A plain require, kept lazy: a dynamic import would make Node lex the whole file for its exports first.
  const load = () =>
    (real ??= Promise.resolve().then(() => (require('./outbound.js') as typeof import('./outbound.js')).awsOutbound()));
  return {
    assumeRole: async (...args) => (await load()).assumeRole(...args),
    getProgrammaticAccessCredentials: async (...args) => (await load()).getProgrammaticAccessCredentials(...args),
    getUser: async (...args) => (await load()).getUser(...args),
    updateUser: async (...args) => (await load()).updateUser(...args),
    disableUser: async (...args) => (await load()).disableUser(...args),
    stackStatus: async (...args) => (await load()).stackStatus(...args),
    getSnapshot: async (...args) => (await load()).getSnapshot(...args),
    putSnapshot: async (...args) => (await load()).putSnapshot(...args),
    deleteSnapshot: async (...args) => (await load()).deleteSnapshot(...args),
  };
}

export async function handler(event: LifecycleEvent, context?: InvocationContext): Promise<LifecycleResponse> {
  const logGroup = logGroupOf();
  try {
    // Before anything else: an event of another stack, or not of a FinspaceUser, gets no call at all.
    refuseForeignEvent(event);
  } catch (error) {
    const reason = failureReason((error as Error).message, logGroup);
    console.error(JSON.stringify({ outcome: 'refused', reason }));
    throw failureError(reason);
  }
  if (!warm) {
    const outbound = lazyOutbound();
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
    const reason = failureReason(error instanceof Error ? error.message : String(error), logGroup);
    console.error(JSON.stringify({ ...identifiers, outcome: 'failed', reason }));
    throw failureError(reason);
  } finally {
    budget.dispose();
  }
}
