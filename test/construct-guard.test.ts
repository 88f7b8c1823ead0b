// The construct's side of issue 10: the handler knows its stack and its log
// group, its roles can be found by policy, its role's ARN can be exported,
// CloudFormation waits minutes rather than an hour, the audit log outlives the
// stack, and only what UpdateUser refuses is refused.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceApiAccess, FinspaceUser, FinspaceUserProvider, FinspaceUserType } from '../lib';
import { ADMIN_ROLES_ENV, LOG_GROUP_ENV, REDELIVERY_WINDOW_SECONDS, STACK_ID_ENV } from '../lambda/consts';
import { adminRoleArnsFrom } from '../lambda/principal';
import { declareUser, type UserSpec } from './support/roles';

const BASE: UserSpec = {
  environmentId: 'demoenvironment0000000001',
  userId: 'u-quant-analyst',
  type: FinspaceUserType.APP_USER,
  adminRoleArn: 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin',
};
const PRINCIPAL = 'arn:aws:iam::123456789012:role/Pipeline';

function stackWith(props: Partial<UserSpec> = {}): Stack {
  const stack = new Stack(new App(), 'Test');
  declareUser(stack, 'User', { ...BASE, ...props });
  return stack;
}

function handlerFunction(template: Template) {
  const [handler] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }),
  );
  return handler;
}

describe('the handler knows its stack and its log group', () => {
  test('the stack id and the handler log group are in its environment', () => {
    const template = Template.fromStack(stackWith());
    const variables = handlerFunction(template).Properties.Environment.Variables;
    expect(variables[STACK_ID_ENV]).toEqual({ Ref: 'AWS::StackId' });
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.includes('HandlerLogs'),
    );
    expect(variables[LOG_GROUP_ENV]).toEqual({ Ref: logGroupId });
    expect(handlerFunction(template).Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
  });

  test('the handler log group, the audit trail, survives stack deletion', () => {
    const template = Template.fromStack(stackWith());
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.map((g) => g.DeletionPolicy)).toEqual(['Retain']);
  });
});

describe('CloudFormation waits minutes, not an hour; an event runs late only within it', () => {
  test("ServiceTimeout is set, long enough for a failed run and Lambda's retry of it, below the default hour", () => {
    const template = Template.fromStack(stackWith());
    const [resource] = Object.values(template.findResources('Custom::FinspaceUser'));
    const serviceTimeout = Number(resource.Properties.ServiceTimeout);
    const handlerTimeout = handlerFunction(template).Properties.Timeout as number;
    // an invocation that dies without answering is run again by Lambda about a minute later
    expect(serviceTimeout).toBeGreaterThanOrEqual(2 * handlerTimeout + 60);
    expect(serviceTimeout).toBeLessThan(Duration.hours(1).toSeconds());
  });

  test("the function's event invoke configuration bounds a late run: its maximum event age and timeout end before the ServiceTimeout", () => {
    const template = Template.fromStack(stackWith());
    const [config] = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig'));
    const maxEventAge = config.Properties.MaximumEventAgeInSeconds as number;
    expect(config.Properties).toMatchObject({ MaximumRetryAttempts: 2, Qualifier: '$LATEST' });
    const handlerTimeout = handlerFunction(template).Properties.Timeout as number;
    const [resource] = Object.values(template.findResources('Custom::FinspaceUser'));
    // what the handler's change records are sized by (lambda/consts.ts)
    expect(maxEventAge + handlerTimeout).toBe(REDELIVERY_WINDOW_SECONDS);
    expect(maxEventAge + handlerTimeout).toBeLessThan(Number(resource.Properties.ServiceTimeout));
  });
});

describe("every admin role of the stack's users is protected by the handler", () => {
  test('their ARNs, imported or defined in the stack, are in its environment, each once', () => {
    const stack = new Stack(new App(), 'Test');
    const ownAdmin = new iam.Role(stack, 'OwnAdmin', { assumedBy: new iam.AccountRootPrincipal() });
    declareUser(stack, 'A', BASE);
    declareUser(stack, 'B', { ...BASE, userId: 'u-b' });
    declareUser(stack, 'C', { ...BASE, userId: 'u-c', adminRoleArn: 'arn:aws:iam::123456789012:role/Other' });
    new FinspaceUser(stack, 'D', { ...BASE, userId: 'u-d', adminRole: ownAdmin });
    const variables = handlerFunction(Template.fromStack(stack)).Properties.Environment.Variables;
    const joined = stack.resolve(variables[ADMIN_ROLES_ENV]) as { 'Fn::Join': [string, unknown[]] };
    // CloudFormation resolves the role defined in the stack; the handler splits what it gets
    const [separator, parts] = joined['Fn::Join'];
    const resolved = parts.map((p) => (typeof p === 'string' ? p : 'arn:aws:iam::123456789012:role/OwnAdminRole'));
    expect(adminRoleArnsFrom(resolved.join(separator))).toEqual([
      BASE.adminRoleArn,
      'arn:aws:iam::123456789012:role/Other',
      'arn:aws:iam::123456789012:role/OwnAdminRole',
    ]);
  });

  test('the handler may ask CloudFormation about its own stack and its resources, nothing else', () => {
    const template = Template.fromStack(stackWith());
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const cloudformation = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('cloudformation:')));
    expect(cloudformation).toEqual([
      expect.objectContaining({
        Action: [
          'cloudformation:DescribeStacks',
          'cloudformation:DescribeStackResource',
          'cloudformation:DescribeStackEvents',
        ],
        Resource: { Ref: 'AWS::StackId' },
      }),
    ]);
  });
});

describe('the handler role', () => {
  test("is on every FinspaceUser, the provider's", () => {
    const stack = new Stack(new App(), 'Test');
    const user = declareUser(stack, 'User', BASE);
    expect(user.handlerRole).toBe(FinspaceUserProvider.of(stack).handlerRole);
  });

  test('its ARN is a stack output only when asked for, once', () => {
    const stack = stackWith();
    expect(Template.fromStack(stackWith()).findOutputs('*')).toEqual({});
    FinspaceUserProvider.outputHandlerRoleArn(stack, { exportName: 'FinspaceHandlerRoleArn' });
    FinspaceUserProvider.outputHandlerRoleArn(stack);
    const outputs = Template.fromStack(stack).findOutputs('*');
    expect(Object.keys(outputs)).toEqual(['FinspaceUserHandlerRoleArn']);
    expect(outputs.FinspaceUserHandlerRoleArn).toMatchObject({
      Value: { 'Fn::GetAtt': [expect.stringMatching(/HandlerRole/), 'Arn'] },
      Export: { Name: 'FinspaceHandlerRoleArn' },
    });
    // asked again for another export name: refused, not quietly given the first one
    expect(() => FinspaceUserProvider.outputHandlerRoleArn(stack, { exportName: 'Other' })).toThrow(
      "Test: the handler role's ARN is already an output, exported as FinspaceHandlerRoleArn, not Other",
    );
  });

  test("configure: the handler role's path, name and permissions boundary, the function's name, for an SCP or a trust policy", () => {
    const stack = new Stack(new App(), 'Test');
    const boundary = iam.ManagedPolicy.fromManagedPolicyName(stack, 'Boundary', 'FinspaceBoundary');
    FinspaceUserProvider.configure(stack, {
      rolePath: '/finspace-user/',
      handlerRoleName: 'finspace-user-handler-test',
      handlerFunctionName: 'finspace-user-handler-test',
      permissionsBoundary: boundary,
    });
    declareUser(stack, 'User', BASE);
    const template = Template.fromStack(stack);
    const boundaryArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':policy/FinspaceBoundary'],
      ],
    };
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'finspace-user-handler-test',
      Path: '/finspace-user/',
      PermissionsBoundary: boundaryArn,
    });
    // the handler's is the stack's one role
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'finspace-user-handler-test' });
  });

  test('configure after the first FinspaceUser is refused: the provider exists already', () => {
    const stack = stackWith();
    expect(() => FinspaceUserProvider.configure(stack, { rolePath: '/x/' })).toThrow(
      /must be called before the stack's first FinspaceUser/,
    );
    const outputFirst = new Stack(new App(), 'Test');
    FinspaceUserProvider.outputHandlerRoleArn(outputFirst);
    expect(() => FinspaceUserProvider.configure(outputFirst, { rolePath: '/x/' })).toThrow(
      /before the stack's first FinspaceUser and before outputHandlerRoleArn/,
    );
  });
});

describe('externalId', () => {
  test('travels as a resource property', () => {
    const template = Template.fromStack(stackWith({ externalId: 'finspace-tenant-42' }));
    template.hasResourceProperties('Custom::FinspaceUser', { ExternalId: 'finspace-tenant-42' });
  });
});

describe('only what UpdateUser refuses is refused', () => {
  test('a principal with apiAccess DISABLED synthesizes, with a warning', () => {
    const stack = stackWith({ apiAccess: FinspaceApiAccess.DISABLED, apiAccessPrincipalArn: PRINCIPAL });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::FinspaceUser', { ApiAccess: 'DISABLED', ApiAccessPrincipalArn: PRINCIPAL });
    const warnings = Annotations.fromStack(stack).findWarning('/Test/User', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringContaining('apiAccessPrincipal is declared with apiAccess DISABLED'),
    ]);
  });

  test('a principal alone (apiAccess as FinSpace has it) synthesizes, without a warning', () => {
    const stack = stackWith({ apiAccessPrincipalArn: PRINCIPAL });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::FinspaceUser', { ApiAccessPrincipalArn: PRINCIPAL });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });
});
