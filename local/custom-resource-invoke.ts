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

function isResponse(value: unknown): value is CloudFormationResponse {
  const r = value as Partial<CloudFormationResponse> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    (r.Status === 'SUCCESS' || r.Status === 'FAILED') &&
    typeof r.PhysicalResourceId === 'string' &&
    r.PhysicalResourceId !== ''
  );
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
      const response = channel.received();
      if (isResponse(response)) return response;
      if (response !== undefined)
        throw new Error('Invalid response object: the handler answered without a Status or a PhysicalResourceId');
      throw new Error(
        `CloudFormation did not receive a response from the custom resource (it waits until the resource's ServiceTimeout): ` +
          (failure === undefined ? 'the function returned without answering' : `the function failed: ${failure}`),
      );
    } finally {
      channel.close();
    }
  };
}
