import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { FinspaceApiAccess, FinspaceUser, FinspaceUserType } from '../lib';

/** What the example app reads from CDK context (`-c key=value` or cdk.json), with harmless defaults. */
export interface ExampleSettings {
  readonly environmentId: string;
  readonly adminRoleArn: string;
  readonly analystUserId: string;
  readonly engineerUserId: string;
  readonly contractorUserId: string;
  /** The IAM role the data engineer's pipelines use to call the FinSpace API. */
  readonly pipelineRoleArn: string;
}

export const EXAMPLE_DEFAULTS: ExampleSettings = {
  environmentId: 'demoenvironment0000000001',
  adminRoleArn: 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin',
  analystUserId: 'u-quant-analyst',
  engineerUserId: 'u-data-engineer',
  contractorUserId: 'u-contractor',
  pipelineRoleArn: 'arn:aws:iam::123456789012:role/DataPipeline',
};

export function exampleSettings(scope: Construct): ExampleSettings {
  const read = (key: keyof ExampleSettings): string => {
    const value: unknown = scope.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : EXAMPLE_DEFAULTS[key];
  };
  return {
    environmentId: read('environmentId'),
    adminRoleArn: read('adminRoleArn'),
    analystUserId: read('analystUserId'),
    engineerUserId: read('engineerUserId'),
    contractorUserId: read('contractorUserId'),
    pipelineRoleArn: read('pipelineRoleArn'),
  };
}

/** Three users of one FinSpace environment, as a platform team would declare them. */
export class FinspaceUsersStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = exampleSettings(this);
    // The admin role and the pipeline role are managed elsewhere: referenced by ARN.
    const adminRole = iam.Role.fromRoleArn(this, 'AdminRole', settings.adminRoleArn, { mutable: false });
    const pipelineRole = iam.Role.fromRoleArn(this, 'PipelineRole', settings.pipelineRoleArn, { mutable: false });
    const common = { environmentId: settings.environmentId, adminRole };

    new FinspaceUser(this, 'QuantAnalyst', {
      ...common,
      userId: settings.analystUserId,
      type: FinspaceUserType.APP_USER,
      firstName: 'Ada',
      lastName: 'Lovelace',
      apiAccess: FinspaceApiAccess.DISABLED,
    });

    new FinspaceUser(this, 'DataEngineer', {
      ...common,
      userId: settings.engineerUserId,
      type: FinspaceUserType.SUPER_USER,
      firstName: 'Grace',
      lastName: 'Hopper',
      apiAccess: FinspaceApiAccess.ENABLED,
      apiAccessPrincipal: pipelineRole,
    });

    // Disabled in FinSpace when removed from the stack.
    new FinspaceUser(this, 'Contractor', {
      ...common,
      userId: settings.contractorUserId,
      type: FinspaceUserType.APP_USER,
      firstName: 'Alan',
      lastName: 'Turing',
      apiAccess: FinspaceApiAccess.DISABLED,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
