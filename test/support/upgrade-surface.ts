// What an upgrade must keep of a synthesized stack: every resource's logical
// id and type (CloudFormation replaces a resource whose logical id changes),
// and each Custom::FinspaceUser's properties and policies (a changed property
// sends the handler an Update; a changed UserId or EnvironmentId, a replacement).
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceApiAccess, FinspaceUser, FinspaceUserType } from '../../lib';
import { FinspaceUsersStack } from '../../bin/example-stack';

export interface StackSurface {
  /** logical id -> resource type, for every resource */
  readonly resources: Record<string, string>;
  /** logical id -> the Custom::FinspaceUser as synthesized (Properties, DeletionPolicy, UpdateReplacePolicy) */
  readonly users: Record<string, unknown>;
}

export function surfaceOf(stack: Stack): StackSurface {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<
      string,
      { Type: string; Properties?: unknown; DeletionPolicy?: string; UpdateReplacePolicy?: string }
    >;
  };
  const resources: Record<string, string> = {};
  const users: Record<string, unknown> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    resources[id] = resource.Type;
    if (resource.Type === 'Custom::FinspaceUser') {
      const { Properties, DeletionPolicy, UpdateReplacePolicy } = resource;
      users[id] = { Properties, DeletionPolicy, UpdateReplacePolicy };
    }
  }
  return { resources, users };
}

/** The README's Usage stack with an admin role of the same stack: roles of the app as admin role and API principal. */
export class OwnedRolesStack extends Stack {
  constructor(scope: App, id: string) {
    super(scope, id);
    const adminRole = new iam.Role(this, 'FinspaceAdmin', { assumedBy: new iam.AccountRootPrincipal() });
    const pipelineRole = new iam.Role(this, 'DataPipeline', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const environmentId = 'a1b2c3d4e5f6g7h8i9j0k1l2m3';
    new FinspaceUser(this, 'QuantAnalyst', {
      environmentId,
      adminRole,
      userId: 'uFyBGyNbbD8e0QwBr7xDgA',
      type: FinspaceUserType.APP_USER,
      firstName: 'Ada',
      lastName: 'Lovelace',
      apiAccess: FinspaceApiAccess.DISABLED,
    });
    new FinspaceUser(this, 'DataEngineer', {
      environmentId,
      adminRole,
      userId: 'uQ3tRbYh2bT9cKx0mZp1Lw',
      type: FinspaceUserType.SUPER_USER,
      apiAccess: FinspaceApiAccess.ENABLED,
      apiAccessPrincipal: pipelineRole,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

/** The apps the upgrade is checked with, by name: the example app (environment-agnostic, roles by ARN) and one with roles of its own. */
export function upgradeSurfaces(): Record<string, StackSurface> {
  return {
    example: surfaceOf(new FinspaceUsersStack(new App(), 'FinspaceUsers')),
    ownedRoles: surfaceOf(new OwnedRolesStack(new App(), 'OwnedRoles')),
  };
}
