// Realistic CloudFormation events for Custom::FinspaceUser, as the handler's
// lifecycle sees them, with the ResponseURL that says when CloudFormation sent them.
import type { LifecycleEvent } from '../../lambda/user-lifecycle';

export const STACK_ID =
  'arn:aws:cloudformation:us-east-1:123456789012:stack/FinspaceUsers/5b6e2a30-9e5f-11f0-8de9-0a1b2c3d4e5f';
export const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
export const ENVIRONMENT = 'demoenvironment0000000001';

/** Resource properties; an override of `undefined` leaves the property out, as JSON would. */
export function properties(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const all: Record<string, unknown> = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:FinspaceUsers-FinspaceUserProviderHandler',
    EnvironmentId: ENVIRONMENT,
    UserId: 'u-quant-analyst',
    Type: 'APP_USER',
    FirstName: 'Ada',
    LastName: 'Lovelace',
    ApiAccess: 'DISABLED',
    AdminRoleArn: ADMIN_ROLE,
    RemovalPolicy: 'retain',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/** When the events below say CloudFormation sent them, unless a test says otherwise (`sentAt`). */
export const SENT_AT = Date.UTC(2026, 5, 1);

/** Where the ResponseURLs of the events below point (a run of the bundled handler answers at its own endpoint instead). */
export const EVENTS_RESPONSE_BUCKET = 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/';

/** A ResponseURL as CloudFormation pre-signs it (SigV4) as it sends an event at `at` (epoch ms). */
export function responseUrlSentAt(at: number, region = 'us-east-1'): string {
  const amzDate = new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const bucket = `cloudformation-custom-resource-response-${region.replace(/-/g, '')}`;
  const query = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Date': amzDate,
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Expires': '7199',
    'X-Amz-Credential': `AKIAEXAMPLE/${amzDate.slice(0, 8)}/${region}/s3/aws4_request`,
    'X-Amz-Signature': '0'.repeat(64),
  });
  return `https://${bucket}.s3.amazonaws.com/${encodeURIComponent(STACK_ID)}%7CQuantAnalyst12EC49D4%7Crequest?${query}`;
}

/** The event as CloudFormation would have sent it at `at` (epoch ms): its ResponseURL signed then. */
export function sentAt<E extends LifecycleEvent>(event: E, at: number): E {
  return { ...event, ResponseURL: responseUrlSentAt(at) };
}

let counter = 0;
function requestId(): string {
  counter += 1;
  return `0f5b1c9e-8d4a-4c36-9a57-${String(counter).padStart(12, '0')}`;
}

const common = () => ({
  RequestId: requestId(),
  StackId: STACK_ID,
  LogicalResourceId: 'QuantAnalyst12EC49D4',
  ResourceType: 'Custom::FinspaceUser',
  ResponseURL: responseUrlSentAt(SENT_AT),
});

export function createEvent(props = properties()): LifecycleEvent {
  return { ...common(), RequestType: 'Create', ResourceProperties: props };
}

export function updateEvent(
  physicalId: string,
  props: Record<string, unknown>,
  old: Record<string, unknown>,
): LifecycleEvent {
  return {
    ...common(),
    RequestType: 'Update',
    PhysicalResourceId: physicalId,
    ResourceProperties: props,
    OldResourceProperties: old,
  };
}

export function deleteEvent(physicalId: string, props = properties()): LifecycleEvent {
  return { ...common(), RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: props };
}
