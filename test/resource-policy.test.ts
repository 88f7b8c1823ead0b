// The local endpoint's judge of a DynamoDB table's resource policy
// (local/resource-policy.ts): what a Deny covers, which conditions hold for
// which caller, and that whatever it cannot evaluate is refused, not ignored.
import {
  type AuthorizationRequest,
  denyingStatement,
  parseResourcePolicy,
  PolicyError,
  withStandIns,
} from '../local/resource-policy';

const TABLE = 'arn:aws:dynamodb:us-east-1:123456789012:table/Users-Snapshots';
const HANDLER = 'arn:aws:iam::123456789012:role/path/Handler';
const DEVELOPER = 'arn:aws:iam::123456789012:role/Developer';

const denyAllBut = (exempt: string, actions: unknown = 'dynamodb:PutItem', operator = 'ArnNotEquals') => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Deny',
      Principal: '*',
      Action: actions,
      Resource: '*',
      Condition: { [operator]: { 'aws:PrincipalArn': exempt } },
    },
  ],
});

const request = (principalArn: string | undefined, action = 'dynamodb:PutItem'): AuthorizationRequest => ({
  action,
  resourceArn: TABLE,
  principalArn,
});
const denied = (document: unknown, req: AuthorizationRequest) =>
  denyingStatement(parseResourcePolicy(document), req) !== undefined;

describe('a Deny that exempts one principal by aws:PrincipalArn', () => {
  test('denies every other principal, and not the exempt one (its ARN with its path)', () => {
    const policy = denyAllBut(HANDLER);
    expect(denied(policy, request(DEVELOPER))).toBe(true);
    expect(denied(policy, request(HANDLER))).toBe(false);
    // the same name without the path is another ARN
    expect(denied(policy, request('arn:aws:iam::123456789012:role/Handler'))).toBe(true);
    // ARNs are compared case-sensitively
    expect(denied(policy, request(HANDLER.toLowerCase()))).toBe(true);
    // a caller IAM does not know (no aws:PrincipalArn): a negated condition holds for it
    expect(denied(policy, request(undefined))).toBe(true);
  });

  test('covers the actions it names, with wildcards, whatever their case; not the others', () => {
    const items = denyAllBut(HANDLER, ['dynamodb:Get*', 'dynamodb:PutItem']);
    expect(denied(items, request(DEVELOPER, 'dynamodb:GetItem'))).toBe(true);
    expect(denied(items, request(DEVELOPER, 'dynamodb:getitem'))).toBe(true);
    expect(denied(items, request(DEVELOPER, 'dynamodb:DeleteItem'))).toBe(false);
    const everything = denyAllBut(HANDLER, 'dynamodb:*');
    expect(denied(everything, request(DEVELOPER, 'dynamodb:Scan'))).toBe(true);
    expect(denied(everything, request(HANDLER, 'dynamodb:Scan'))).toBe(false);
    const single = denyAllBut(HANDLER, 'dynamodb:?etItem');
    expect(denied(single, request(DEVELOPER, 'dynamodb:GetItem'))).toBe(true);
    expect(denied(single, request(DEVELOPER, 'dynamodb:BatchGetItem'))).toBe(false);
  });

  test('NotAction covers every action but those; a Resource ARN only its table', () => {
    const notAction = {
      Statement: { Effect: 'Deny', Principal: { AWS: '*' }, NotAction: 'dynamodb:Describe*', Resource: TABLE },
    };
    expect(denied(notAction, request(DEVELOPER, 'dynamodb:DeleteTable'))).toBe(true);
    expect(denied(notAction, request(DEVELOPER, 'dynamodb:DescribeTable'))).toBe(false);
    expect(denied(notAction, { ...request(DEVELOPER, 'dynamodb:DeleteTable'), resourceArn: `${TABLE}2` })).toBe(false);
    const pattern = {
      Statement: { Effect: 'Deny', Principal: '*', Action: '*', Resource: 'arn:aws:dynamodb:*:*:table/Users-*' },
    };
    expect(denied(pattern, request(HANDLER))).toBe(true);
  });

  test.each([
    ['ArnEquals', DEVELOPER, true],
    ['ArnEquals', HANDLER, false],
    ['ArnLike', 'arn:aws:iam::123456789012:role/Dev*', true],
    ['ArnLike', 'arn:aws:iam::*:role/path/*', false],
    ['ArnNotLike', 'arn:aws:iam::*:role/path/*', true],
    ['ArnNotEquals', DEVELOPER, false],
    ['StringEquals', DEVELOPER, true],
    ['StringNotEquals', DEVELOPER, false],
    ['StringLike', '*:role/Developer', true],
    ['StringNotLike', '*:role/Developer', false],
  ])('%s %s on the developer: denied %s', (operator, value, expected) => {
    expect(denied(denyAllBut(value, 'dynamodb:PutItem', operator), request(DEVELOPER))).toBe(expected);
  });

  test('the values of a key are alternatives; several operators must all hold', () => {
    const either = denyAllBut([HANDLER, DEVELOPER] as unknown as string);
    expect(denied(either, request(DEVELOPER))).toBe(false);
    expect(denied(either, request('arn:aws:iam::123456789012:role/Other'))).toBe(true);
    const both = {
      Statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'dynamodb:*',
        Resource: '*',
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': HANDLER },
          ArnLike: { 'aws:principalarn': 'arn:aws:iam::123456789012:role/*' },
        },
      },
    };
    expect(denied(both, request(DEVELOPER))).toBe(true);
    expect(denied(both, request('arn:aws:iam::123456789012:user/someone'))).toBe(false);
  });

  test('an explicit Deny wins over an Allow; an Allow alone denies nothing', () => {
    const allow = { Effect: 'Allow', Principal: { AWS: DEVELOPER }, Action: 'dynamodb:*', Resource: '*' };
    const policy = { ...denyAllBut(HANDLER), Statement: [allow, ...denyAllBut(HANDLER).Statement] };
    expect(denied(policy, request(DEVELOPER))).toBe(true);
    expect(denied({ Statement: [allow] }, request(DEVELOPER))).toBe(false);
  });

  test('a Deny for named principals: a role, an account', () => {
    const named = (principal: unknown) => ({
      Statement: { Effect: 'Deny', Principal: { AWS: principal }, Action: 'dynamodb:*', Resource: '*' },
    });
    expect(denied(named(DEVELOPER), request(DEVELOPER))).toBe(true);
    expect(denied(named(DEVELOPER), request(HANDLER))).toBe(false);
    expect(denied(named('123456789012'), request(HANDLER))).toBe(true);
    expect(denied(named('arn:aws:iam::111111111111:root'), request(HANDLER))).toBe(false);
  });
});

describe('what the local endpoint cannot evaluate is refused, naming it', () => {
  const statement = (extra: Record<string, unknown>) => ({
    Statement: [{ Effect: 'Deny', Principal: '*', Action: 'dynamodb:*', Resource: '*', ...extra }],
  });
  test.each([
    [
      'NotPrincipal',
      { NotPrincipal: { AWS: HANDLER } },
      /Statement\[0\]\.NotPrincipal: the local endpoint does not evaluate/,
    ],
    [
      'another operator',
      { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      /Condition\.IpAddress: .*operators/,
    ],
    ['IfExists', { Condition: { StringEqualsIfExists: { 'aws:PrincipalArn': HANDLER } } }, /StringEqualsIfExists/],
    [
      'a set operator',
      { Condition: { 'ForAnyValue:StringEquals': { 'aws:PrincipalArn': HANDLER } } },
      /ForAnyValue:StringEquals/,
    ],
    [
      'another key',
      { Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } },
      /aws:SourceVpc: .*aws:PrincipalArn only/,
    ],
    [
      'a policy variable',
      { Condition: { StringEquals: { 'aws:PrincipalArn': '${aws:username}' } } },
      /policy variables/,
    ],
    ['a service principal', { Principal: { Service: 'lambda.amazonaws.com' } }, /AWS principals only \(got Service\)/],
    ['no principal', { Principal: undefined }, /Principal: is required/],
    ['another effect', { Effect: 'Maybe' }, /Effect: must be Allow or Deny/],
    ['Action and NotAction', { NotAction: 'dynamodb:GetItem' }, /needs one of Action and NotAction/],
  ])('%s', (_, extra, message) => {
    expect(() => parseResourcePolicy(statement(extra))).toThrow(PolicyError);
    expect(() => parseResourcePolicy(statement(extra))).toThrow(message);
  });

  test('a document without statements, or of another version, or not an object', () => {
    expect(() => parseResourcePolicy({ Version: '2012-10-17', Statement: [] })).toThrow(/at least one statement/);
    expect(() => parseResourcePolicy({ ...denyAllBut(HANDLER), Version: '2020-01-01' })).toThrow(/Version/);
    expect(() => parseResourcePolicy('{}')).toThrow(/JSON object/);
  });
});

test('stand-ins replace exactly the strings they name, wherever they are', () => {
  const resolved = denyAllBut('arn:aws:iam::123456789012:role/Users-HandlerRole');
  const local = withStandIns(resolved, { 'arn:aws:iam::123456789012:role/Users-HandlerRole': HANDLER });
  expect(local).toEqual(denyAllBut(HANDLER));
  expect(withStandIns({ a: ['x', 'xy'] }, { x: 'z' })).toEqual({ a: ['z', 'xy'] });
});
