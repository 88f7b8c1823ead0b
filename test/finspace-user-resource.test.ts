// FinspaceUser as an aws-cdk-lib L2: a Resource behind an interface, an import
// that makes nothing, grants, a removal policy that means the handler's
// RETAIN/DESTROY, and a Retain set on its CloudFormation resource reported at
// synth; props a JavaScript caller forgot are named.
import {
  Annotations as CoreAnnotations,
  App,
  type CfnResource,
  CfnParameter,
  CfnWaitConditionHandle,
  RemovalPolicies,
  RemovalPolicy,
  Resource,
  Stack,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceApiAccess, FinspaceUser, type FinspaceUserProps, FinspaceUserType } from '../lib';
import { declareUser, roleArnOf, type UserSpec } from './support/roles';

const ADMIN = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
const BASE: UserSpec = {
  environmentId: 'demoenvironment0000000001',
  userId: 'u-quant-analyst',
  type: FinspaceUserType.APP_USER,
  adminRoleArn: ADMIN,
};
const ACTION = 'finspace-api:GetProgrammaticAccessCredentials';
const CREDENTIALS_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':finspace-api:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':/credentials/programmatic',
    ],
  ],
};

const newStack = () => new Stack(new App(), 'Test');
const userResource = (stack: Stack) => {
  const [resource] = Object.values(Template.fromStack(stack).findResources('Custom::FinspaceUser'));
  return resource;
};
/** The statements of the policies attached to `roleLogicalIdPattern`. */
function statementsOf(stack: Stack, roleLogicalIdPattern: string): unknown[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(roleLogicalIdPattern) }] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('a Resource', () => {
  test('an owned Resource of its stack, with its ids as attributes (Fn::GetAtt)', () => {
    const stack = newStack();
    const user = declareUser(stack, 'User', BASE);
    expect(user).toBeInstanceOf(Resource);
    expect(Resource.isOwnedResource(user)).toBe(true);
    expect(user.stack).toBe(stack);
    // the escape hatch reaches the Custom::FinspaceUser itself
    expect((user.node.defaultChild as CfnResource).cfnResourceType).toBe('Custom::FinspaceUser');
    expect(stack.resolve(user.userId)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^User/), 'UserId'] });
  });

  test('fromUserAttributes refers to a user declared elsewhere and makes nothing', () => {
    const stack = newStack();
    const user = FinspaceUser.fromUserAttributes(stack, 'Elsewhere', {
      environmentId: 'demoenvironment0000000001',
      userId: 'u-elsewhere',
    });
    expect(user.userId).toBe('u-elsewhere');
    expect(user.environmentId).toBe('demoenvironment0000000001');
    expect(Resource.isOwnedResource(user)).toBe(false);
    // CloudFormation wants a resource in a template: the stack's own placeholder is the only one
    new CfnWaitConditionHandle(stack, 'Placeholder');
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources)).toEqual(['Placeholder']);
  });

  test('fromUserAttributes checks the ids by FinSpace’s rules, unless they are tokens', () => {
    const stack = newStack();
    expect(() =>
      FinspaceUser.fromUserAttributes(stack, 'Bad', { environmentId: 'e'.repeat(27), userId: '..' }),
    ).toThrow(
      'FinspaceUser.fromUserAttributes Test/Bad: environmentId: must be 1 to 26 characters long, is 27 (got "eeeeeeeeeeeeeeeeeeeeeeeeeee"); userId: must not be "." or "..": it is a URL path segment (got "..")',
    );
    const userId = new CfnParameter(stack, 'UserId').valueAsString;
    expect(() =>
      FinspaceUser.fromUserAttributes(stack, 'Token', { environmentId: 'demoenvironment0000000001', userId }),
    ).not.toThrow();
    expect(() => FinspaceUser.fromUserAttributes(stack, 'None', {} as never)).toThrow(
      'FinspaceUser.fromUserAttributes Test/None: environmentId: is required; userId: is required',
    );
  });
});

describe('API access: the principal gets the IAM permission', () => {
  test('a role of the app as apiAccessPrincipal may call GetProgrammaticAccessCredentials, on its one resource only', () => {
    const stack = newStack();
    const pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const adminRole = roleArnOf(stack, ADMIN);
    for (const userId of ['u-a', 'u-b']) {
      new FinspaceUser(stack, userId, {
        ...BASE,
        userId,
        adminRole,
        apiAccess: FinspaceApiAccess.ENABLED,
        apiAccessPrincipal: pipeline,
      });
    }
    // two users, one statement
    expect(statementsOf(stack, '^Pipeline')).toEqual([{ Action: ACTION, Effect: 'Allow', Resource: CREDENTIALS_ARN }]);
  });

  test('with apiAccess DISABLED it gets nothing: FinSpace would refuse it anyway', () => {
    const stack = newStack();
    const pipeline = new iam.Role(stack, 'Pipeline', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new FinspaceUser(stack, 'User', {
      ...BASE,
      adminRole: roleArnOf(stack, ADMIN),
      apiAccess: FinspaceApiAccess.DISABLED,
      apiAccessPrincipal: pipeline,
    });
    expect(statementsOf(stack, '^Pipeline')).toEqual([]);
  });

  test('a role managed elsewhere is not changed: no policy is attached to it', () => {
    const stack = newStack();
    declareUser(stack, 'User', {
      ...BASE,
      apiAccess: FinspaceApiAccess.ENABLED,
      apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/Pipeline',
    });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies.map((p) => p.Properties.PolicyName)).toEqual([expect.stringMatching(/HandlerRole/)]);
  });

  test('grantProgrammaticAccess, on a declared user and on an imported one, as CDK grants do', () => {
    const stack = newStack();
    const analysts = new iam.Role(stack, 'Analysts', { assumedBy: new iam.AccountRootPrincipal() });
    const user = declareUser(stack, 'User', BASE);
    const grant = user.grantProgrammaticAccess(analysts);
    expect(grant.success).toBe(true);
    const other = new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() });
    FinspaceUser.fromUserAttributes(stack, 'Elsewhere', {
      environmentId: 'demoenvironment0000000001',
      userId: 'u-elsewhere',
    }).grantProgrammaticAccess(other);
    for (const role of ['^Analysts', '^Other']) {
      expect(statementsOf(stack, role)).toEqual([{ Action: ACTION, Effect: 'Allow', Resource: CREDENTIALS_ARN }]);
    }
  });
});

describe('removal policies', () => {
  test('applyRemovalPolicy sets the handler’s policy; the CloudFormation resource stays Delete', () => {
    const stack = newStack();
    const user = declareUser(stack, 'User', BASE);
    user.applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(userResource(stack)).toMatchObject({
      Properties: { RemovalPolicy: 'destroy' },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('applyRemovalPolicy refuses what the handler cannot do', () => {
    const user = declareUser(newStack(), 'User', BASE);
    expect(() => user.applyRemovalPolicy(RemovalPolicy.SNAPSHOT)).toThrow(
      'FinspaceUser Test/User: applyRemovalPolicy: must be one of retain, destroy (got "snapshot")',
    );
  });

  const retainedByAspect = (removalPolicy: RemovalPolicy) => {
    const stack = newStack();
    declareUser(stack, 'User', { ...BASE, removalPolicy });
    RemovalPolicies.of(stack).retain();
    return stack;
  };

  test('a DESTROY user whose CloudFormation resource is Retain (RemovalPolicies.of(scope).retain()) fails synth, saying what CloudFormation would not do', () => {
    const stack = retainedByAspect(RemovalPolicy.DESTROY);
    expect(() => Template.fromStack(stack)).toThrow(
      /FinspaceUser Test\/User: removalPolicy is DESTROY, but its CloudFormation resource has DeletionPolicy Retain: no Delete when an update removes the resource, when the stack is deleted, nor in the rollback of the deploy that created it; UpdateReplacePolicy Retain: .*CloudFormation would not ask the handler to disable the user\..*excludeResourceTypes/s,
    );
  });

  test('the same with Retain on the CfnResource itself, and with RetainExceptOnCreate', () => {
    for (const policy of [RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE]) {
      const stack = newStack();
      const user = declareUser(stack, 'User', { ...BASE, removalPolicy: RemovalPolicy.DESTROY });
      (user.node.defaultChild as CfnResource).applyRemovalPolicy(policy);
      expect(() => Template.fromStack(stack)).toThrow(/removalPolicy is DESTROY, but its CloudFormation resource has/);
    }
  });

  test('a RETAIN user whose CloudFormation resource is Retain synthesizes with a warning, which can be acknowledged', () => {
    const stack = retainedByAspect(RemovalPolicy.RETAIN);
    const warnings = Annotations.fromStack(stack).findWarning('/Test/User', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(
        /^removalPolicy is RETAIN, and its CloudFormation resource has DeletionPolicy Retain: .*a deploy that fails after creating the resource would leave the user with the values it wrote.*\[ack: finspace-user:cloudformation-retain\]$/s,
      ),
    ]);
    const acknowledged = retainedByAspect(RemovalPolicy.RETAIN);
    CoreAnnotations.of(acknowledged).acknowledgeWarning(
      'finspace-user:cloudformation-retain',
      'moving users between stacks',
    );
    expect(Annotations.fromStack(acknowledged).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('a RETAIN user with RetainExceptOnCreate: nothing a RETAIN user does is lost, nothing reported', () => {
    const stack = newStack();
    declareUser(stack, 'User', BASE);
    RemovalPolicies.of(stack).retainOnUpdateOrDelete();
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(userResource(stack).DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  test('RemovalPolicies that exclude Custom::FinspaceUser leave it as the construct made it', () => {
    const stack = newStack();
    declareUser(stack, 'User', { ...BASE, removalPolicy: RemovalPolicy.DESTROY });
    RemovalPolicies.of(stack).retain({ excludeResourceTypes: ['Custom::FinspaceUser'] });
    expect(userResource(stack)).toMatchObject({ Properties: { RemovalPolicy: 'destroy' }, DeletionPolicy: 'Delete' });
  });
});

describe('a JavaScript caller who forgets a required prop is told which', () => {
  // Props built at run time, as JavaScript would pass them: no compiler checks them.
  const construct = (props: unknown) => () => new FinspaceUser(newStack(), 'User', props as FinspaceUserProps);

  test.each([
    ['adminRole', 'adminRole: is required'],
    ['environmentId', 'environmentId: is required'],
    ['userId', 'userId: is required'],
    ['type', 'type: is required'],
  ])('without %s', (missing, message) => {
    const stack = newStack();
    const props: Record<string, unknown> = { ...BASE, adminRole: roleArnOf(stack, ADMIN) };
    delete props.adminRoleArn;
    delete props[missing];
    expect(() => new FinspaceUser(stack, 'User', props as unknown as FinspaceUserProps)).toThrow(
      `FinspaceUser Test/User: ${message}`,
    );
  });

  test('without any props', () => {
    expect(construct(undefined)).toThrow(
      'FinspaceUser Test/User: adminRole: is required; environmentId: is required; userId: is required; type: is required',
    );
  });

  test('an ARN where a role is expected', () => {
    expect(construct({ ...BASE, adminRole: ADMIN })).toThrow(
      'FinspaceUser Test/User: adminRole: must be an iam.IRole (got a string; use iam.Role.fromRoleArn)',
    );
  });
});
