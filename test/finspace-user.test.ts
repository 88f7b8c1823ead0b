import { App, CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FinspaceApiAccess, FinspaceUserType } from '../lib';
import { declareUser, type UserSpec } from './support/roles';

const ADMIN = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
const BASE: UserSpec = {
  environmentId: 'demoenvironment0000000001',
  userId: 'u-quant-analyst',
  type: FinspaceUserType.APP_USER,
  adminRoleArn: ADMIN,
};

function stackWith(...users: Partial<UserSpec>[]): Stack {
  const stack = new Stack(new App(), 'Test');
  users.forEach((props, i) => declareUser(stack, `User${i}`, { ...BASE, ...props }));
  return stack;
}

describe('resources', () => {
  test('a Custom::FinspaceUser carrying the declared properties, retained by default', () => {
    const template = Template.fromStack(
      stackWith({
        firstName: 'Ada',
        lastName: 'Lovelace',
        apiAccess: FinspaceApiAccess.ENABLED,
        apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/Pipeline',
      }),
    );
    template.hasResourceProperties('Custom::FinspaceUser', {
      // CloudFormation invokes the handler itself: no provider framework in between
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FinspaceUserProviderHandler[0-9A-F]{8}$'), 'Arn'] },
      ServiceTimeout: '720',
      EnvironmentId: 'demoenvironment0000000001',
      UserId: 'u-quant-analyst',
      Type: 'APP_USER',
      FirstName: 'Ada',
      LastName: 'Lovelace',
      ApiAccess: 'ENABLED',
      ApiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/Pipeline',
      AdminRoleArn: ADMIN,
      RemovalPolicy: 'retain',
    });
  });

  test('undeclared optional fields are absent, not empty', () => {
    const template = Template.fromStack(stackWith({}));
    const [resource] = Object.values(template.findResources('Custom::FinspaceUser'));
    expect(Object.keys(resource.Properties).sort()).toEqual([
      'AdminRoleArn',
      'EnvironmentId',
      'RemovalPolicy',
      'ServiceTimeout',
      'ServiceToken',
      'Type',
      'UserId',
    ]);
  });

  test('DESTROY is passed to the handler; the CloudFormation resource itself is always deleted', () => {
    const template = Template.fromStack(stackWith({ removalPolicy: RemovalPolicy.DESTROY }));
    template.hasResource('Custom::FinspaceUser', {
      Properties: Match.objectLike({ RemovalPolicy: 'destroy' }),
      DeletionPolicy: 'Delete',
    });
  });

  test('three users share one handler Lambda, its role, policy and log group, and one snapshot table', () => {
    const template = Template.fromStack(stackWith({ userId: 'a' }, { userId: 'b' }, { userId: 'c' }));
    template.resourceCountIs('Custom::FinspaceUser', 3);
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(Object.keys(template.toJSON().Resources)).toHaveLength(3 + 6);
  });

  test('each stack gets its own provider', () => {
    const app = new App();
    for (const name of ['One', 'Two']) declareUser(new Stack(app, name), 'User', { ...BASE, userId: `u-${name}` });
    const functions = (name: string) =>
      Object.keys(Template.fromStack(app.node.findChild(name) as Stack).findResources('AWS::Lambda::Function'));
    expect(functions('One')).toHaveLength(1);
    expect(functions('Two')).toHaveLength(1);
  });

  test('the handler: the newest Node.js runtime aws-cdk-lib 2.278.0 knows, arm64, bounded logs kept after the stack', () => {
    const template = Template.fromStack(stackWith({}));
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs26.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: { Variables: { AWS_MAX_ATTEMPTS: '10', AWS_RETRY_MODE: 'adaptive' } },
    });
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { RetentionInDays: 30 } });
  });

  test('userId and environmentId are attributes of the resource', () => {
    const stack = new Stack(new App(), 'Test');
    const user = declareUser(stack, 'User', BASE);
    expect(stack.resolve(user.userId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^User/), 'UserId'] });
    expect(stack.resolve(user.environmentId)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^User/), 'EnvironmentId'],
    });
  });
});

describe('least privilege', () => {
  const handlerPolicy = (template: Template) => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('HandlerRole') }] },
    });
    const list = Object.values(policies);
    expect(list).toHaveLength(1);
    return list[0].Properties.PolicyDocument.Statement;
  };

  const assumeRoleStatement = (statements: { Action: unknown }[]) =>
    statements.find((s) => s.Action === 'sts:AssumeRole');

  test('the handler may write its own logs, use its own snapshot table, read its own stack, and assume exactly the declared admin role', () => {
    const statements = handlerPolicy(Template.fromStack(stackWith({ userId: 'a' }, { userId: 'b' })));
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/HandlerLogs/), 'Arn'] },
      },
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/Snapshots/), 'Arn'] },
      },
      {
        Action: [
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeStackResource',
          'cloudformation:DescribeStackEvents',
        ],
        Effect: 'Allow',
        Resource: { Ref: 'AWS::StackId' },
      },
      { Action: 'sts:AssumeRole', Effect: 'Allow', Resource: ADMIN },
    ]);
  });

  test('the snapshot table: one per stack, on demand, items expire, encrypted with the DynamoDB KMS key, deleted with the stack', () => {
    const template = Template.fromStack(stackWith({ userId: 'a' }, { userId: 'b' }));
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        // SSEEnabled without a key of ours: the account's aws/dynamodb KMS key
        SSESpecification: { SSEEnabled: true },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { SNAPSHOT_TABLE_NAME: { Ref: Match.stringLikeRegexp('Snapshots') } } },
    });
  });

  test('two admin roles: both, and nothing else', () => {
    const other = 'arn:aws:iam::123456789012:role/OtherAdmin';
    const statements = handlerPolicy(
      Template.fromStack(stackWith({ userId: 'a' }, { userId: 'b', adminRoleArn: other })),
    );
    expect(assumeRoleStatement(statements)).toEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: [ADMIN, other],
    });
  });

  test('the handler has no resource policy: no other account or service may invoke it', () => {
    const template = Template.fromStack(stackWith({}));
    // CloudFormation invokes it with the deploying principal's own permissions
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  test('the handler has no managed policy', () => {
    const template = Template.fromStack(stackWith({}));
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });
});

describe('synth-time validation', () => {
  test.each([
    [{ firstName: 'A'.repeat(51) }, 'firstName: must be 1 to 50 characters long, is 51'],
    [{ adminRoleArn: 'arn:aws:iam::1:role' }, 'adminRole.roleArn: must be 20 to 2048 characters long, is 19'],
    [{ adminRoleArn: 'arn:aws:iam::123:role/Admin' }, 'adminRole.roleArn: must match the pattern'],
    [{ adminRoleArn: 'arn:aws:iam::1234567890123:role/Admin' }, 'adminRole.roleArn: must match the pattern'],
    [
      { apiAccessPrincipalArn: 'not-an-arn-at-all-really', apiAccess: FinspaceApiAccess.ENABLED },
      'apiAccessPrincipal.roleArn: must match the pattern',
    ],
    [{ userId: '' }, 'userId: must be 1 to 26 characters long, is 0'],
    [{ environmentId: 'e'.repeat(27) }, 'environmentId: must be 1 to 26 characters long, is 27'],
    [{ type: 'ROOT' as FinspaceUserType }, 'type: must be one of SUPER_USER, APP_USER (got "ROOT")'],
    [{ userId: '..' }, 'userId: must not be "." or "..": it is a URL path segment (got "..")'],
    [{ lastName: 'Love\uDC00lace' }, 'lastName: must be well-formed Unicode text (a lone surrogate at index 4)'],
    [{ externalId: 'x' }, 'externalId: must be 2 to 1224 characters long, is 1'],
    [{ removalPolicy: RemovalPolicy.SNAPSHOT }, 'removalPolicy: must be one of retain, destroy (got "snapshot")'],
  ])('%o fails naming the construct path and the field', (props, message) => {
    expect(() => stackWith(props as Partial<UserSpec>)).toThrow(`FinspaceUser Test/User0: ${message}`);
  });

  test('a FinSpace user declared twice in one stack fails, naming both declarations', () => {
    expect(() => stackWith({ userId: 'u-twice' }, { userId: 'u-other' }, { userId: 'u-twice' })).toThrow(
      "FinspaceUser Test/User2: userId 'u-twice' of environment 'demoenvironment0000000001' is already declared by Test/User0",
    );
  });

  test('a FinSpace user declared in two stacks of one app fails; the same user id in another environment does not', () => {
    const app = new App();
    declareUser(new Stack(app, 'One'), 'User', BASE);
    declareUser(new Stack(app, 'Other'), 'User', { ...BASE, environmentId: 'otherenvironment000000001' });
    expect(() => declareUser(new Stack(app, 'Two'), 'User', BASE)).toThrow(
      /^FinspaceUser Two\/User: .* already declared by One\/User/,
    );
  });

  test('user ids known only at deploy time are not compared at synth', () => {
    const stack = new Stack(new App(), 'Test');
    const userId = new CfnParameter(stack, 'UserIdParam').valueAsString;
    declareUser(stack, 'One', { ...BASE, userId });
    expect(() => declareUser(stack, 'Two', { ...BASE, userId })).not.toThrow();
  });

  test('a sensitive value is not echoed', () => {
    expect(() => stackWith({ firstName: 'Secretname'.repeat(6) })).toThrow(/^(?!.*Secretname).*firstName/);
  });

  test('tokens pass synth and reach the template unresolved', () => {
    const stack = new Stack(new App(), 'Test');
    const userId = new CfnParameter(stack, 'UserIdParam').valueAsString;
    const role = new CfnParameter(stack, 'RoleParam').valueAsString;
    declareUser(stack, 'User', {
      ...BASE,
      userId,
      adminRoleArn: role,
      firstName: new CfnParameter(stack, 'Name').valueAsString,
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::FinspaceUser', {
      UserId: { Ref: 'UserIdParam' },
      AdminRoleArn: { Ref: 'RoleParam' },
      FirstName: { Ref: 'Name' },
    });
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('HandlerRole') }] },
      }),
    );
    const statements = policy.Properties.PolicyDocument.Statement as { Action: unknown }[];
    expect(statements.find((s) => s.Action === 'sts:AssumeRole')).toEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: { Ref: 'RoleParam' },
    });
  });
});
