// The answer to CloudFormation. CloudFormation invokes the handler directly
// (it is the custom resources' ServiceToken) and waits for a response at the
// event's ResponseURL: SUCCESS with the physical id and attributes, or FAILED
// with a reason. Pure: the PUT itself is outbound.ts's.
import type { LifecycleEvent, LifecycleResponse } from './user-lifecycle';

/** The event as CloudFormation sends it to the function. */
export interface CloudFormationEvent extends LifecycleEvent {
  /** A pre-signed S3 URL, valid for about two hours: whoever holds it can answer for this resource. */
  readonly ResponseURL: string;
  readonly ServiceToken?: string;
}

/** The response object CloudFormation reads from the ResponseURL. */
export interface CloudFormationResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/**
 * The physical id of a Create that failed. It is not one the handler issues
 * (physical-id.ts): the Delete CloudFormation sends when it rolls the Create
 * back disables nothing, and undoes only what the Create may have written
 * before it failed, from its change record (user-lifecycle.ts).
 */
export const CREATE_FAILED_PHYSICAL_ID = 'finspace-user:create-failed';

type EventIds = Pick<
  LifecycleEvent,
  'RequestType' | 'StackId' | 'RequestId' | 'LogicalResourceId' | 'PhysicalResourceId'
>;

export function successResponse(event: EventIds, response: LifecycleResponse): CloudFormationResponse {
  return {
    Status: 'SUCCESS',
    PhysicalResourceId: response.PhysicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    ...(response.Data ? { Data: response.Data } : {}),
  };
}

/** A failure keeps the resource's physical id: an Update or Delete that fails changes nothing CloudFormation tracks. */
export function failedResponse(event: EventIds, reason: string): CloudFormationResponse {
  const kept = event.RequestType === 'Create' ? undefined : event.PhysicalResourceId;
  return {
    Status: 'FAILED',
    Reason: reason,
    // CloudFormation takes physical ids of up to 1 KB; a longer one is not of a resource it made.
    PhysicalResourceId:
      typeof kept === 'string' && kept !== '' && kept.length <= 1024 ? kept : CREATE_FAILED_PHYSICAL_ID,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
}

/**
 * CloudFormation's bucket for custom resource responses in `region`
 * (`cloudformation-custom-resource-response-useast1`), with or without the
 * dashes the region name has.
 */
function responseBuckets(region: string): string[] {
  const prefix = 'cloudformation-custom-resource-response-';
  return [`${prefix}${region.replace(/-/g, '')}`, `${prefix}${region}`];
}

/** The S3 endpoints a pre-signed URL of `region` may name. */
function s3Hosts(region: string): string[] {
  return ['s3.amazonaws.com', `s3.${region}.amazonaws.com`, `s3-${region}.amazonaws.com`];
}

/**
 * Why the handler will not PUT to `url`, or undefined when it will: an HTTPS
 * URL of CloudFormation's response bucket in the handler's region (virtual-
 * hosted or path style), or of the CloudFormation endpoint the environment
 * configures the way the SDK reads it (the local deploy engine). Whoever
 * invokes the handler cannot have it send its answer anywhere else, not even
 * to a bucket of their own on S3.
 */
export function responseUrlProblem(url: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (typeof url !== 'string' || url === '') return 'the event has no ResponseURL';
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return "the event's ResponseURL is not a URL";
  }
  if (target.username !== '' || target.password !== '') return "the event's ResponseURL carries credentials";
  const ignoreConfigured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true';
  const configured = ignoreConfigured ? undefined : (env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? env.AWS_ENDPOINT_URL);
  if (configured && URL.canParse(configured) && new URL(configured).origin === target.origin) return undefined;
  const region = env.AWS_REGION;
  if (target.protocol === 'https:' && target.port === '' && region) {
    const buckets = responseBuckets(region);
    const hosts = s3Hosts(region);
    const virtualHosted = buckets.some((bucket) => hosts.some((host) => target.hostname === `${bucket}.${host}`));
    const pathStyle = hosts.includes(target.hostname) && buckets.some((b) => target.pathname.startsWith(`/${b}/`));
    if (virtualHosted || pathStyle) return undefined;
  }
  return `the event's ResponseURL is not CloudFormation's response bucket in ${region ?? '(AWS_REGION unset)'} (${target.protocol}//${target.host})`;
}
