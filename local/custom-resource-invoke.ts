// How CloudFormation calls a Lambda-backed custom resource: it invokes the
// function with the event and a ResponseURL, and takes the outcome from what
// the function PUTs there, not from what it returns. A function that fails,
// or returns, without answering leaves CloudFormation waiting until the
// resource's ServiceTimeout; here that is reported at once.
import type { CloudFormationResponse } from '../lambda/cfn-response';
import type { LifecycleEvent } from '../lambda/user-lifecycle';
import type { CloudFormationEndpoint } from './cloudformation-endpoint';
import type { LambdaHost } from './lambda-host';

/** One lifecycle event through the custom resource: its response, or a throw when none came. */
export type Invoke = (event: LifecycleEvent) => Promise<CloudFormationResponse>;

/** The largest answer CloudFormation reads. */
const MAX_RESPONSE_BYTES = 4096;

/** Why CloudFormation would not take `value` as the answer to `event`, or undefined when it would. */
function responseProblem(value: unknown, bytes: number, event: LifecycleEvent): string | undefined {
  const r = value as Partial<CloudFormationResponse> | null;
  if (bytes > MAX_RESPONSE_BYTES) return `the answer is ${bytes} bytes, over CloudFormation's ${MAX_RESPONSE_BYTES}`;
  if (typeof r !== 'object' || r === null) return 'the answer is not a JSON object';
  if (r.Status !== 'SUCCESS' && r.Status !== 'FAILED') return 'Status must be SUCCESS or FAILED';
  if (r.Status === 'FAILED' && typeof r.Reason !== 'string') return 'a FAILED answer needs a Reason';
  if (typeof r.PhysicalResourceId !== 'string' || r.PhysicalResourceId === '' || r.PhysicalResourceId.length > 1024) {
    return 'PhysicalResourceId must be a string of 1 to 1024 characters';
  }
  for (const field of ['StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (r[field] !== event[field]) return `${field} must be the event's`;
  }
  return undefined;
}

export function customResourceInvoke(
  host: Pick<LambdaHost, 'invoke'>,
  cloudformation: Pick<CloudFormationEndpoint, 'openResponse'>,
  serviceToken: string,
): Invoke {
  return async (event) => {
    const channel = cloudformation.openResponse();
    try {
      let failure: string | undefined;
      await host
        .invoke({ ...event, ServiceToken: serviceToken, ResponseURL: channel.url })
        .catch((error: Error) => (failure = error.message));
      const bytes = channel.receivedBytes();
      if (bytes !== undefined) {
        const response = channel.received();
        const problem = responseProblem(response, bytes, event);
        if (problem) throw new Error(`Invalid response object: ${problem}`);
        return response as CloudFormationResponse;
      }
      throw new Error(
        `CloudFormation did not receive a response from the custom resource (it waits until the resource's ServiceTimeout): ` +
          (failure === undefined ? 'the function returned without answering' : `the function failed: ${failure}`),
      );
    } finally {
      channel.close();
    }
  };
}
