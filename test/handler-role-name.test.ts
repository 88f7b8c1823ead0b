// The handler role's name is known before the first deploy, so that an admin
// role managed elsewhere can trust it beforehand (with the account as
// principal, narrowed by aws:PrincipalArn: README "Credentials"):
// `<stack>-FinspaceUserHandler-<region>`, within IAM's 64 characters.
import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FinspaceUserProvider, FinspaceUserType } from '../lib';
import { declareUser } from './support/roles';

const nameOf = FinspaceUserProvider.defaultHandlerRoleName;

/** The RoleName of the stack's handler role, as the template has it. */
function roleNameIn(stack: Stack): unknown {
  declareUser(stack, 'User', {
    environmentId: 'demoenvironment0000000001',
    userId: 'u-quant-analyst',
    type: FinspaceUserType.APP_USER,
    adminRoleArn: 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin',
  });
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
  return role.Properties.RoleName;
}

describe('FinspaceUserProvider.defaultHandlerRoleName', () => {
  test.each([
    ['FinspaceUsers', 'us-east-1', 'FinspaceUsers-FinspaceUserHandler-us-east-1'],
    ['Prod-FinspaceUsers', 'eu-west-2', 'Prod-FinspaceUsers-FinspaceUserHandler-eu-west-2'],
    // 27 characters fit as they are
    ['FinspaceUsersOfTheRiskDesk1', 'ap-southeast-5', 'FinspaceUsersOfTheRiskDesk1-FinspaceUserHandler-ap-southeast-5'],
    // 28 do not: the first 18, a dash, 8 hex digits of the name's SHA-256
    ['FinspaceUsersOfTheRiskDesk12', 'us-east-1', 'FinspaceUsersOfThe-4766bffb-FinspaceUserHandler-us-east-1'],
  ])('%s in %s: %s', (stackName, region, expected) => {
    expect(nameOf(stackName, region)).toBe(expected);
  });

  test('within 64 characters for every stack name length CloudFormation allows, in the longest regions', () => {
    for (const region of ['us-east-1', 'ap-southeast-5', 'us-isof-south-1', 'a-region-of-the-future-9']) {
      for (let length = 1; length <= 128; length++) {
        const name = nameOf('S'.repeat(length), region);
        expect(name.length).toBeLessThanOrEqual(64);
        expect(name).toMatch(/^[\w+=,.@-]+$/);
      }
    }
  });

  test('long names that share their first characters still differ', () => {
    const head = 'FinspaceUsersOfTheRiskDesk';
    expect(nameOf(`${head}-Prod`, 'us-east-1')).not.toBe(nameOf(`${head}-Test`, 'us-east-1'));
  });
});

describe("the stack's handler role", () => {
  test('a stack with a region: the name, literally', () => {
    const stack = new Stack(new App(), 'FinspaceUsers', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(roleNameIn(stack)).toBe('FinspaceUsers-FinspaceUserHandler-eu-west-1');
  });

  test('an environment-agnostic stack: the same name, with the region CloudFormation deploys to', () => {
    const stack = new Stack(new App(), 'FinspaceUsers');
    expect(roleNameIn(stack)).toEqual({
      'Fn::Join': ['', ['FinspaceUsers-FinspaceUserHandler-', { Ref: 'AWS::Region' }]],
    });
  });

  test('a long stack name is cut the same way, the region a token or not', () => {
    const long = 'FinspaceUsersOfTheRiskDeskInLondon';
    const agnostic = roleNameIn(new Stack(new App(), long)) as { 'Fn::Join': [string, [string, unknown]] };
    const inRegion = roleNameIn(new Stack(new App(), long, { env: { region: 'us-east-1' } }));
    expect(`${agnostic['Fn::Join'][1][0]}us-east-1`).toBe(inRegion);
    expect(inRegion).toBe(nameOf(long, 'us-east-1'));
  });

  test("a nested stack, whose name CloudFormation generates: its construct's unique id stands for it", () => {
    const parent = new Stack(new App(), 'Parent', { env: { region: 'us-east-1' } });
    const nested = new NestedStack(parent, 'Users');
    expect(roleNameIn(nested)).toBe('ParentUsersACD1D87B-FinspaceUserHandler-us-east-1');
  });

  test('handlerRoleName still overrides it', () => {
    const stack = new Stack(new App(), 'FinspaceUsers');
    FinspaceUserProvider.configure(stack, { handlerRoleName: 'finspace-handler' });
    expect(roleNameIn(stack)).toBe('finspace-handler');
  });
});
