// The snapshot table's resource policy (lib/snapshot-table.ts): its items
// are the handler's alone, the table and its policy the deploying role's,
// and nothing in it stands in CloudFormation's way.
import { App, CliCredentialsStackSynthesizer, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceUserProvider, FinspaceUserType } from '../lib';
import { SNAPSHOT_ITEM_ACTIONS, SNAPSHOT_TABLE_ACTIONS, UNGUARDED_POLICY_WARNING } from '../lib/snapshot-table';
import { resolveProperties } from '../toolkit/resolve-properties';
import { denyingStatement, parseResourcePolicy } from '../local/resource-policy';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser } from './support/roles';

function stackWith(props: StackProps = {}, configure?: (stack: Stack) => void): Stack {
  const stack = new Stack(new App(), 'Users', props);
  configure?.(stack);
  declareUser(stack, 'Analyst', {
    environmentId: ENVIRONMENT,
    adminRoleArn: ADMIN_ROLE,
    userId: 'u-quant-analyst',
    type: FinspaceUserType.APP_USER,
  });
  return stack;
}

const tableOf = (template: Template) => Object.values(template.findResources('AWS::DynamoDB::Table'))[0];
const policyOf = (stack: Stack) =>
  tableOf(Template.fromStack(stack)).Properties.ResourcePolicy.PolicyDocument as {
    Statement: { Sid: string; Action: string[]; Condition: unknown }[];
  };

test("the policy: items for the handler's role alone, the table and the policy for the CDK's CloudFormation execution role alone", () => {
  const stack = stackWith();
  // the order of the actions is the CDK's (sorted under @aws-cdk/aws-iam:minimizePolicies)
  const statements = policyOf(stack).Statement.map((s) => ({ ...s, Action: [...s.Action].sort() }));
  expect(statements).toEqual([
    {
      Sid: 'ItemsOnlyForTheHandler',
      Effect: 'Deny',
      Principal: '*',
      Action: [...SNAPSHOT_ITEM_ACTIONS].sort(),
      Resource: '*',
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': { 'Fn::GetAtt': [expect.stringMatching(/^FinspaceUserProviderHandlerRole/), 'Arn'] },
        },
      },
    },
    {
      Sid: 'TableAndPolicyOnlyForTheDeployingRole',
      Effect: 'Deny',
      Principal: '*',
      Action: [...SNAPSHOT_TABLE_ACTIONS].sort(),
      Resource: '*',
      Condition: {
        ArnNotEquals: {
          'aws:PrincipalArn': {
            'Fn::Sub':
              'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
          },
        },
      },
    },
  ]);
  expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('snapshot table'))).toEqual([]);
});

test.each([
  [
    'a stack in a known account and region',
    { env: { account: '111111111111', region: 'eu-west-1' } },
    undefined,
    { 'Fn::Sub': 'arn:${AWS::Partition}:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1' },
  ],
  [
    'a bootstrap qualifier of its own',
    { synthesizer: new DefaultStackSynthesizer({ qualifier: 'finspace' }) },
    undefined,
    {
      'Fn::Sub':
        'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-finspace-cfn-exec-role-${AWS::AccountId}-${AWS::Region}',
    },
  ],
  [
    'an execution role given to the synthesizer',
    { synthesizer: new DefaultStackSynthesizer({ cloudFormationExecutionRole: 'arn:aws:iam::111111111111:role/Cfn' }) },
    undefined,
    'arn:aws:iam::111111111111:role/Cfn',
  ],
  [
    'the deploying role given to configure, over the synthesizer',
    {},
    (stack: Stack) =>
      FinspaceUserProvider.configure(stack, {
        deployingRole: iam.Role.fromRoleArn(stack, 'Deployer', 'arn:aws:iam::111111111111:role/ci/Deployer'),
      }),
    'arn:aws:iam::111111111111:role/ci/Deployer',
  ],
])('the deploying role of %s', (_, props, configure, expected) => {
  const [, table] = policyOf(stackWith(props, configure)).Statement;
  expect(table.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': expected } });
});

test("a synthesizer that deploys with the caller's credentials: the items are still the handler's, and a warning says what is missing", () => {
  const stack = stackWith({ synthesizer: new CliCredentialsStackSynthesizer() });
  expect(policyOf(stack).Statement.map((s) => s.Sid)).toEqual(['ItemsOnlyForTheHandler']);
  Annotations.fromStack(stack).hasWarning(
    '/Users/FinspaceUserProvider/Snapshots',
    Match.stringLikeRegexp(`deployingRole.*\\[ack: ${UNGUARDED_POLICY_WARNING}\\]`),
  );
  // and naming the role puts the second statement back
  const named = stackWith({ synthesizer: new CliCredentialsStackSynthesizer() }, (s) =>
    FinspaceUserProvider.configure(s, {
      deployingRole: iam.Role.fromRoleArn(s, 'Deployer', 'arn:aws:iam::123456789012:role/Deployer'),
    }),
  );
  expect(policyOf(named).Statement.map((s) => s.Sid)).toEqual([
    'ItemsOnlyForTheHandler',
    'TableAndPolicyOnlyForTheDeployingRole',
  ]);
  expect(Annotations.fromStack(named).findWarning('*', Match.stringLikeRegexp('deployingRole'))).toEqual([]);
});

describe('judged as IAM would, the synthesized policy', () => {
  const HANDLER = 'arn:aws:iam::123456789012:role/Users-HandlerRole';
  const CLOUDFORMATION = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1';
  const DEVELOPER = 'arn:aws:iam::123456789012:role/Developer';
  const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/Users-Snapshots';
  const template = Template.fromStack(stackWith()).toJSON();
  const { policy } = resolveProperties({ policy: policyOf(stackWith()) }, template, {
    region: 'us-east-1',
    accountId: '123456789012',
    serviceToken: '',
    stackName: 'Users',
  });
  // The handler role's ARN as CloudFormation resolves it (here a deterministic name).
  const resolved = JSON.parse(JSON.stringify(policy).replace(/arn:aws:iam::123456789012:role\/Users-[^"]+/, HANDLER));
  const deniedTo = (principalArn: string, action: string) =>
    denyingStatement(parseResourcePolicy(resolved), { action, resourceArn: TABLE, principalArn })?.sid;

  // What CloudFormation does to an AWS::DynamoDB::Table as it creates, updates and deletes it: the table's
  // control plane, never an item.
  const CLOUDFORMATION_ACTIONS = [
    'dynamodb:ImportTable',
    'dynamodb:DescribeImport',
    'dynamodb:DescribeTable',
    'dynamodb:UpdateTable',
    'dynamodb:DeleteTable',
    'dynamodb:DescribeTimeToLive',
    'dynamodb:UpdateTimeToLive',
    'dynamodb:TagResource',
    'dynamodb:UntagResource',
    'dynamodb:ListTagsOfResource',
    'dynamodb:GetResourcePolicy',
    'dynamodb:PutResourcePolicy',
    'dynamodb:DeleteResourcePolicy',
    'dynamodb:DescribeContinuousBackups',
    'dynamodb:UpdateContinuousBackups',
    'dynamodb:DescribeKinesisStreamingDestination',
    'dynamodb:EnableKinesisStreamingDestination',
    'dynamodb:DisableKinesisStreamingDestination',
    'dynamodb:DescribeContributorInsights',
    'dynamodb:UpdateContributorInsights',
  ];

  test('never stands in the way of CloudFormation deploying, updating or deleting the stack', () => {
    for (const action of CLOUDFORMATION_ACTIONS)
      expect([action, deniedTo(CLOUDFORMATION, action)]).toEqual([action, undefined]);
  });

  test("lets the handler do with the items what it does, and no one else, CloudFormation's role included", () => {
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem']) {
      expect(deniedTo(HANDLER, action)).toBeUndefined();
      expect(deniedTo(DEVELOPER, action)).toBe('ItemsOnlyForTheHandler');
      expect(deniedTo(CLOUDFORMATION, action)).toBe('ItemsOnlyForTheHandler');
    }
    for (const copy of [
      'dynamodb:Scan',
      'dynamodb:PartiQLSelect',
      'dynamodb:CreateBackup',
      'dynamodb:BatchWriteItem',
    ]) {
      expect(deniedTo(DEVELOPER, copy)).toBe('ItemsOnlyForTheHandler');
    }
  });

  test('lets no one but the deploying role change the table or its policy, the handler included', () => {
    for (const action of SNAPSHOT_TABLE_ACTIONS) {
      expect(deniedTo(HANDLER, action)).toBe('TableAndPolicyOnlyForTheDeployingRole');
      expect(deniedTo(DEVELOPER, action)).toBe('TableAndPolicyOnlyForTheDeployingRole');
    }
    // reading what it is stays open to whoever IAM allows
    expect(deniedTo(DEVELOPER, 'dynamodb:DescribeTable')).toBeUndefined();
    expect(deniedTo(DEVELOPER, 'dynamodb:GetResourcePolicy')).toBeUndefined();
  });

  test("is far within DynamoDB's 20 KB", () => {
    expect(Buffer.byteLength(JSON.stringify(resolved))).toBeLessThan(2_000);
  });
});

test('no point-in-time recovery, on purpose: acknowledged for cdk-nag 3 (Validations) and for cdk-nag 2 (cdk_nag metadata)', () => {
  const stack = stackWith();
  const table = tableOf(Template.fromStack(stack));
  expect(table.Properties.PointInTimeRecoverySpecification).toBeUndefined();
  expect(table.Metadata.cdk_nag).toEqual({
    rules_to_suppress: [
      { id: 'AwsSolutions-DDB3', reason: expect.stringMatching(/point-in-time recovery would keep copies/) },
    ],
  });
});
