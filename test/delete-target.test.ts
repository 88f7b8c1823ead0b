// Issue 10, item 5: a Delete never reports success without acting. It reads
// what it needs from properties that may break today's rules, and for a
// physical id the handler issued, fails loudly when it cannot act.
import { CREATE_FAILED_PHYSICAL_ID } from '../lambda/cfn-response';
import { deleteTarget } from '../lambda/delete-target';
import { physicalIdOf } from '../lambda/physical-id';
import { ADMIN_ROLE, ENVIRONMENT, properties } from './support/events';

const PHYSICAL_ID = physicalIdOf({ environmentId: ENVIRONMENT, userId: 'u-quant-analyst' });
const destroy = (overrides: Record<string, unknown> = {}) => properties({ RemovalPolicy: 'destroy', ...overrides });

test('a DESTROY user is disabled whatever else the properties hold', () => {
  const oldTemplate = destroy({ FirstName: '', Nickname: 'Ada', Type: 'ROOT', ApiAccessPrincipalArn: 42 });
  expect(deleteTarget(PHYSICAL_ID, oldTemplate)).toEqual({
    kind: 'destroy',
    target: {
      environmentId: ENVIRONMENT,
      userId: 'u-quant-analyst',
      adminRoleArn: ADMIN_ROLE,
      firstName: '',
      lastName: 'Lovelace',
    },
  });
});

test('a RETAIN user is retained whatever else the properties hold', () => {
  expect(deleteTarget(PHYSICAL_ID, properties({ Nickname: 'Ada', AdminRoleArn: undefined }))).toEqual({
    kind: 'retain',
  });
});

test.each([
  ['the physical id of a failed Create', CREATE_FAILED_PHYSICAL_ID],
  ['a request id (the physical id of a Create that failed)', '0f5b1c9e-8d4a-4c36-9a57-000000000001'],
  ['three segments', 'a/b/c'],
  ['an empty user', `${ENVIRONMENT}/`],
  ['bad percent-encoding', `${ENVIRONMENT}/%E0%A4%A`],
])('%s was never issued: nothing to do', (_what, physicalId) => {
  expect(deleteTarget(physicalId, destroy())).toEqual({ kind: 'not-issued' });
});

test.each([
  ['no removal policy', { RemovalPolicy: undefined }, /RemovalPolicy: must be retain or destroy \(got undefined\)/],
  [
    'an unknown removal policy',
    { RemovalPolicy: 'snapshot' },
    /RemovalPolicy: must be retain or destroy \(got "snapshot"\)/,
  ],
  ['no admin role', { RemovalPolicy: 'destroy', AdminRoleArn: undefined }, /AdminRoleArn: is required/],
  ['a malformed admin role', { RemovalPolicy: 'destroy', AdminRoleArn: 'arn:aws:iam::1:role/x' }, /AdminRoleArn: must/],
  ['a malformed external id', { RemovalPolicy: 'destroy', ExternalId: 'a b' }, /ExternalId: must match/],
  [
    "a user other than the physical id's",
    { RemovalPolicy: 'destroy', UserId: 'u-other' },
    /UserId: must be "u-quant-analyst"/,
  ],
])('an issued id with %s fails loudly, saying nothing was written', (_what, overrides, reason) => {
  const target = deleteTarget(PHYSICAL_ID, properties(overrides));
  expect(target).toEqual({ kind: 'cannot-act', reason: expect.stringMatching(reason) });
  expect(target.kind === 'cannot-act' && target.reason).toMatch(/Nothing was written/);
});

test('a user id issued before the dot-segment rule is not sent as a path', () => {
  const target = deleteTarget(physicalIdOf({ environmentId: ENVIRONMENT, userId: '..' }), destroy({ UserId: '..' }));
  expect(target).toEqual({ kind: 'cannot-act', reason: expect.stringMatching(/UserId: must not be "\." or "\.\."/) });
});
