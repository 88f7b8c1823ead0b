// Realistic CloudFormation events for Custom::FinspaceUser, as the handler's
// lifecycle sees them (the handler itself also gets a ResponseURL).
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
