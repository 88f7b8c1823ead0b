import { checkString, STRING_SHAPES, validateDeclaration, type PartialDeclaration } from '../finspace/constraints';
import { parseResourceProperties, PROPERTY_NAMES, toResourceProperties } from '../lambda/resource-properties';

const VALID: PartialDeclaration = {
  environmentId: 'demoenvironment0000000001',
  userId: 'u-1',
  type: 'APP_USER',
  adminRoleArn: 'arn:aws:iam::123456789012:role/Admin',
  removalPolicy: 'retain',
};

const fieldsOf = (declaration: PartialDeclaration, isUnresolved?: (v: string) => boolean) =>
  validateDeclaration(declaration, isUnresolved).map((v) => v.field);

describe('lengths, at every boundary (Unicode code points, as Smithy counts)', () => {
  test.each([
    ['environmentId', 1, 26],
    ['userId', 1, 26],
    ['firstName', 1, 50],
    ['lastName', 1, 50],
  ] as const)('%s accepts %i and %i characters, refuses one fewer and one more', (field, min, max) => {
    expect(fieldsOf({ ...VALID, [field]: 'a'.repeat(min) })).toEqual([]);
    expect(fieldsOf({ ...VALID, [field]: 'a'.repeat(max) })).toEqual([]);
    expect(fieldsOf({ ...VALID, [field]: 'a'.repeat(max + 1) })).toEqual([field]);
    expect(fieldsOf({ ...VALID, [field]: 'a'.repeat(min - 1) })).toEqual([field]);
  });

  test('an astral character counts once', () => {
    expect(checkString('😀'.repeat(50), STRING_SHAPES.firstName)).toBeUndefined();
    expect(checkString('😀'.repeat(51), STRING_SHAPES.firstName)).toMatch(/is 51/);
  });

  test('role ARNs: 20 to 2048 characters', () => {
    const arn = (n: number) => `arn:aws:iam::123456789012:role/${'r'.repeat(n - 31)}`;
    expect(arn(2048)).toHaveLength(2048);
    expect(checkString(arn(2048), STRING_SHAPES.adminRoleArn)).toBeUndefined();
    expect(checkString(arn(2049), STRING_SHAPES.adminRoleArn)).toMatch(/20 to 2048/);
  });
});

describe('patterns', () => {
  test('names and user ids need a non-space character', () => {
    expect(fieldsOf({ ...VALID, firstName: '   ' })).toEqual(['firstName']);
    expect(fieldsOf({ ...VALID, userId: ' \t' })).toEqual(['userId']);
    expect(fieldsOf({ ...VALID, lastName: ' de la Cruz' })).toEqual([]);
  });

  test('a blank value is called blank, and a blank name is not echoed', () => {
    expect(checkString('   ', STRING_SHAPES.firstName)).toBe('must not be blank (the pattern \\S)');
    expect(checkString(' \t', STRING_SHAPES.userId)).toBe('must not be blank (the pattern \\S) (got " \\t")');
  });

  test.each([
    'arn:aws:iam::123456789012:role/Admin',
    'arn:aws-us-gov:iam::123456789012:role/path/to/Admin',
    'arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f-g_h',
  ])('role ARN %s is accepted', (arn) => {
    expect(checkString(arn, STRING_SHAPES.apiAccessPrincipalArn)).toBeUndefined();
  });

  test.each([
    'arn:aws:iam::12345678901:role/Admin',
    'arn:aws:iam::123456789012:user/Admin',
    'arn:aws:sts::123456789012:role/Admin',
    'arn:aws:iam::123456789012:role/Ad min',
  ])('role ARN %s is refused, and the message names the pattern', (arn) => {
    expect(checkString(arn, STRING_SHAPES.apiAccessPrincipalArn)).toMatch(/must match the pattern \^arn:aws/);
  });
});

describe('enums and required fields', () => {
  test('closed sets', () => {
    expect(fieldsOf({ ...VALID, type: 'ADMIN' })).toEqual(['type']);
    expect(fieldsOf({ ...VALID, apiAccess: 'enabled' })).toEqual(['apiAccess']);
    expect(fieldsOf({ ...VALID, removalPolicy: 'snapshot' })).toEqual(['removalPolicy']);
  });

  test('every required field is named when missing', () => {
    expect(fieldsOf({}).sort()).toEqual(['adminRoleArn', 'environmentId', 'removalPolicy', 'type', 'userId']);
  });
});

describe('combinations: none refused, as UpdateUser refuses none', () => {
  const principal = 'arn:aws:iam::123456789012:role/Pipeline';
  test.each([['ENABLED'], ['DISABLED'], [undefined]])('a principal with apiAccess %s is accepted', (apiAccess) => {
    expect(fieldsOf({ ...VALID, apiAccess, apiAccessPrincipalArn: principal })).toEqual([]);
  });
});

describe('URL path safety and well-formed text', () => {
  test.each(['.', '..'])('userId %j is refused: a dot segment would leave /user/{userId}', (userId) => {
    expect(validateDeclaration({ ...VALID, userId })).toEqual([
      { field: 'userId', message: `must not be "." or "..": it is a URL path segment (got "${userId}")` },
    ]);
  });

  test('dots inside a user id are fine', () => {
    expect(fieldsOf({ ...VALID, userId: '...' })).toEqual([]);
    expect(fieldsOf({ ...VALID, userId: 'u.1' })).toEqual([]);
  });

  test.each(Object.keys(STRING_SHAPES) as (keyof typeof STRING_SHAPES)[])(
    '%s with a lone surrogate is refused, without echoing it',
    (field) => {
      const valid: Record<string, string> = {
        environmentId: 'env\uD800',
        userId: 'u\uDC00',
        firstName: 'Ad\uD83Da',
        lastName: '\uDE00Lovelace',
        apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/P\uD800',
        adminRoleArn: 'arn:aws:iam::123456789012:role/A\uDBFF',
        externalId: 'ext\uD800id',
      };
      const violations = validateDeclaration({ ...VALID, [field]: valid[field] });
      expect(violations).toEqual([{ field, message: expect.stringMatching(/^must be well-formed Unicode text/) }]);
    },
  );

  test('a surrogate pair (an astral character) is fine', () => {
    expect(fieldsOf({ ...VALID, firstName: 'Ada 😀' })).toEqual([]);
  });
});

describe('externalId (STS ExternalId)', () => {
  test('2 to 1224 characters of [\\w+=,.@:/-]', () => {
    expect(fieldsOf({ ...VALID, externalId: 'ab' })).toEqual([]);
    expect(fieldsOf({ ...VALID, externalId: 'x'.repeat(1224) })).toEqual([]);
    expect(fieldsOf({ ...VALID, externalId: 'a+b=c,d.e@f:g/h-i_j' })).toEqual([]);
    expect(fieldsOf({ ...VALID, externalId: 'a' })).toEqual(['externalId']);
    expect(fieldsOf({ ...VALID, externalId: 'x'.repeat(1225) })).toEqual(['externalId']);
    expect(fieldsOf({ ...VALID, externalId: 'has space' })).toEqual(['externalId']);
  });

  test('is never echoed', () => {
    const [violation] = validateDeclaration({ ...VALID, externalId: 'tenant 42' });
    expect(violation.message).not.toContain('tenant');
  });
});

describe('tokens', () => {
  const isToken = (v: string) => v.includes('${Token[');
  test('an unresolved value is not checked', () => {
    expect(
      fieldsOf({ ...VALID, userId: '${Token[TOKEN.1]}'.repeat(3), adminRoleArn: '${Token[TOKEN.2]}' }, isToken),
    ).toEqual([]);
  });
  test('an unresolved apiAccess with a principal passes', () => {
    expect(
      fieldsOf(
        { ...VALID, apiAccess: '${Token[TOKEN.3]}', apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/P1' },
        isToken,
      ),
    ).toEqual([]);
  });
  test('a required field is still required', () => {
    expect(fieldsOf({ ...VALID, userId: undefined }, isToken)).toEqual(['userId']);
  });
});

describe('resource properties', () => {
  test('round-trip through the CloudFormation names', () => {
    const declaration = {
      ...VALID,
      firstName: 'Ada',
      apiAccess: 'ENABLED',
      apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/P1',
    };
    const properties = toResourceProperties(declaration);
    expect(Object.keys(properties).every((k) => Object.values(PROPERTY_NAMES).includes(k as never))).toBe(true);
    expect(parseResourceProperties({ ServiceToken: 'arn', ...properties })).toEqual({ ok: true, declaration });
  });

  test("ServiceToken and ServiceTimeout are CloudFormation's, not ours to refuse", () => {
    const properties = toResourceProperties(VALID);
    expect(parseResourceProperties({ ServiceToken: 'arn', ServiceTimeout: '600', ...properties })).toEqual({
      ok: true,
      declaration: VALID,
    });
  });

  test('not an object', () => {
    expect(parseResourceProperties(null)).toEqual({
      ok: false,
      violations: [{ field: 'ResourceProperties', message: 'must be an object' }],
    });
  });
});
