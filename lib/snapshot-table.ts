import * as cdk from 'aws-cdk-lib';
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SNAPSHOT_KEY_ATTRIBUTE, SNAPSHOT_TTL_ATTRIBUTE } from '../lambda/consts';

/**
 * Where the handler keeps the before-values of the users a deploy writes, so
 * that the deploy's rollback can put them back (lambda/rollback.ts): one table
 * per stack, items that expire within a day, names encrypted at rest with the
 * account's DynamoDB KMS key. The handler may read, write and delete items of
 * this table and ask CloudFormation for its own stack's status (is this event
 * a rollback?), nothing more.
 */
export function snapshotTable(scope: Construct, id: string, handlerRole: iam.IRole): dynamodb.Table {
  const table = new dynamodb.Table(scope, id, {
    partitionKey: { name: SNAPSHOT_KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: SNAPSHOT_TTL_ATTRIBUTE,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // Nothing in it outlives a deploy's rollback: the stack takes it along when deleted.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // `acknowledge` exists from aws-cdk-lib 2.252 on; with an older aws-cdk-lib there is nothing to acknowledge to.
  if (typeof cdk.Validations?.prototype?.acknowledge === 'function') {
    cdk.Validations.of(table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Snapshots of user names live a day at most; point-in-time recovery would keep copies of them for weeks, and nothing in the table is worth recovering.',
    });
  }
  handlerRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resources: [table.tableArn],
    }),
  );
  handlerRole.addToPrincipalPolicy(
    // DescribeStackResource: whether a claim's holder stands in the stack (lambda/user-claim.ts).
    new iam.PolicyStatement({
      actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackResource'],
      resources: [Aws.STACK_ID],
    }),
  );
  return table;
}
