import * as cdk from 'aws-cdk-lib';
import { Annotations, Aws, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { SNAPSHOT_KEY_ATTRIBUTE, SNAPSHOT_TTL_ATTRIBUTE } from '../lambda/consts';

/**
 * What reads or changes the table's items, or copies them out of it
 * (backups, exports, restores): only the handler may. CloudFormation calls
 * none of them.
 */
export const SNAPSHOT_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PartiQLSelect',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:CreateBackup',
  'dynamodb:StartAwsBackupJob',
  'dynamodb:ExportTableToPointInTime',
  'dynamodb:RestoreTableToPointInTime',
];

/**
 * What changes the table itself or its policy: CloudFormation does, as the
 * role that deploys the stack; nobody else may. Deleting the table and
 * creating another of the same name would shed the policy; a stream, a
 * replica, a Kinesis destination or point-in-time recovery would copy the
 * items out; without its time to live a snapshot would outlive its day.
 */
export const SNAPSHOT_TABLE_ACTIONS = [
  'dynamodb:PutResourcePolicy',
  'dynamodb:DeleteResourcePolicy',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateTimeToLive',
  'dynamodb:UpdateContinuousBackups',
  'dynamodb:CreateTableReplica',
  'dynamodb:EnableKinesisStreamingDestination',
  'dynamodb:UpdateKinesisStreamingDestination',
];

/** The id of the warning a stack gets when nothing says which role deploys it. */
export const UNGUARDED_POLICY_WARNING = 'finspace-user:snapshot-table-policy-unguarded';

/**
 * The role CloudFormation deploys `scope`'s stack as: the
 * DefaultStackSynthesizer's CloudFormation execution role (the CDK
 * bootstrap's `cdk-<qualifier>-cfn-exec-role-<account>-<region>`, or the
 * one it was given). Another synthesizer (CliCredentialsStackSynthesizer,
 * LegacyStackSynthesizer) has CloudFormation act with the deploying caller's
 * own credentials, which synth cannot know: undefined.
 */
export function synthesizerDeployingRoleArn(scope: Construct): string | undefined {
  // Duck-typed, not `instanceof`: an app may hold another copy of aws-cdk-lib.
  const synthesizer = Stack.of(scope).synthesizer as { readonly cloudFormationExecutionRoleArn?: unknown };
  if (!('cloudFormationExecutionRoleArn' in synthesizer)) return undefined;
  const arn = synthesizer.cloudFormationExecutionRoleArn;
  if (typeof arn !== 'string') return undefined;
  // `arn:${AWS::Partition}:iam::${AWS::AccountId}:role/...`: CloudFormation's own pseudo parameters.
  return arn.includes('${') && !Token.isUnresolved(arn) ? Fn.sub(arn) : arn;
}

/**
 * The table's resource policy: its items are the handler's alone, and only
 * the role that deploys the stack may change the table or this policy
 * (CloudFormation does, with that role, when a deploy changes them).
 * `Resource: "*"` is the table the policy is attached to (its own ARN would
 * be a circular reference); a Deny names every principal and exempts one
 * by `aws:PrincipalArn`, which for a role's session is the role's ARN.
 */
export function snapshotTablePolicy(handlerRoleArn: string, deployingRoleArn: string | undefined): iam.PolicyDocument {
  const denyAllBut = (sid: string, actions: string[], principalArn: string) =>
    new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.StarPrincipal()],
      actions,
      resources: ['*'],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': principalArn } },
    });
  return new iam.PolicyDocument({
    statements: [
      denyAllBut('ItemsOnlyForTheHandler', SNAPSHOT_ITEM_ACTIONS, handlerRoleArn),
      ...(deployingRoleArn === undefined
        ? []
        : [denyAllBut('TableAndPolicyOnlyForTheDeployingRole', SNAPSHOT_TABLE_ACTIONS, deployingRoleArn)]),
    ],
  });
}

/**
 * Where the handler keeps the before-values of the users a deploy writes, so
 * that the deploy's rollback can put them back (lambda/rollback.ts): one table
 * per stack, items that expire (lambda/consts.ts), names encrypted at rest with
 * the account's DynamoDB KMS key. The handler may read and write items of this
 * table (GetItem, PutItem: records are overwritten and expire, never deleted)
 * and describe its own stack, its resources and its events, nothing more; no
 * other principal may touch its items, and only `deployingRole` may change it
 * or its policy (snapshotTablePolicy).
 */
export function snapshotTable(
  scope: Construct,
  id: string,
  handlerRole: iam.IRole,
  deployingRole?: iam.IRole,
): dynamodb.Table {
  const deployingRoleArn = deployingRole?.roleArn ?? synthesizerDeployingRoleArn(scope);
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: SNAPSHOT_KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: SNAPSHOT_TTL_ATTRIBUTE,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // Nothing in it outlives a deploy's rollback: the stack takes it along when deleted.
    removalPolicy: RemovalPolicy.DESTROY,
    resourcePolicy: snapshotTablePolicy(handlerRole.roleArn, deployingRoleArn),
  });
  if (deployingRoleArn === undefined) {
    Annotations.of(table).addWarningV2(
      UNGUARDED_POLICY_WARNING,
      "FinspaceUser: this stack's synthesizer does not say which role deploys it, so the snapshot table's policy " +
        'denies its items to every principal but the handler, and cannot deny changing that policy, or deleting the ' +
        'table, to every principal but the deploying role: name that role with FinspaceUserProvider.configure(stack, ' +
        '{ deployingRole }) (README "The snapshot table").',
    );
  }
  const pointInTimeRecovery = {
    id: 'AwsSolutions-DDB3',
    reason:
      'Snapshots of user names live a day at most; point-in-time recovery would keep copies of them for weeks, and nothing in the table is worth recovering.',
  };
  // cdk-nag 3 reads `Validations` acknowledgements (aws-cdk-lib 2.252 on); cdk-nag 2, which an app may run with
  // any aws-cdk-lib, reads the resource's `cdk_nag` metadata (what its NagSuppressions writes). Both, then.
  if (typeof cdk.Validations?.prototype?.acknowledge === 'function') {
    cdk.Validations.of(table).acknowledge(pointInTimeRecovery);
  }
  (table.node.defaultChild as cdk.CfnResource).addMetadata('cdk_nag', { rules_to_suppress: [pointInTimeRecovery] });
  handlerRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      resources: [table.tableArn],
    }),
  );
  handlerRole.addToPrincipalPolicy(
    // DescribeStackResource: whether a claim's holder stands in the stack (lambda/user-claim.ts). DescribeStackEvents:
    // when the stack's current phase began, which tells a late event of an earlier phase (lambda/stack-phase.ts).
    new iam.PolicyStatement({
      actions: [
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackResource',
        'cloudformation:DescribeStackEvents',
      ],
      resources: [Aws.STACK_ID],
    }),
  );
  return table;
}
