import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HANDLER_RUNTIMES, nodeMajorOf } from '../lambda/consts';

/** The Node.js runtimes the app's aws-cdk-lib knows (`Runtime.ALL`), deprecated ones included, highest first. */
function knownNodeRuntimes(): lambda.Runtime[] {
  return lambda.Runtime.ALL.filter((runtime) => nodeMajorOf(runtime.name) !== undefined).sort(
    (a, b) => (nodeMajorOf(b.name) as number) - (nodeMajorOf(a.name) as number),
  );
}

/**
 * The highest Node.js runtime the app's aws-cdk-lib knows, whether the
 * handler is tested on it or not. cdk-nag's AwsSolutions-L1 flags every
 * function of the family on a lower one (it reads the same `Runtime.ALL`).
 */
export function latestKnownNodeRuntime(): string | undefined {
  return knownNodeRuntimes()[0]?.name;
}

/**
 * The handler's runtime when the app does not choose one: the highest of
 * HANDLER_RUNTIMES that the app's own aws-cdk-lib knows, read when the app
 * synthesizes, so that the handler is on the newest runtime cdk-nag knows from
 * the oldest aws-cdk-lib we support (2.174.0: nodejs22.x) to the newest.
 * The runtime object is aws-cdk-lib's own.
 */
export function defaultHandlerRuntime(): lambda.Runtime {
  const allowed: readonly string[] = HANDLER_RUNTIMES;
  const known = knownNodeRuntimes().find((runtime) => allowed.includes(runtime.name));
  return known ?? new lambda.Runtime(HANDLER_RUNTIMES[0], lambda.RuntimeFamily.NODEJS);
}

/** Why the handler cannot run on `runtime`, or undefined when it can. */
export function handlerRuntimeProblem(runtime: lambda.Runtime): string | undefined {
  const allowed: readonly string[] = HANDLER_RUNTIMES;
  if (allowed.includes(runtime.name)) return undefined;
  return `must be one of ${HANDLER_RUNTIMES.join(', ')}, the runtimes the prebuilt handler is tested on (got ${JSON.stringify(runtime.name)})`;
}
