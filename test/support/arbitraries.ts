// Generators of FinspaceUser values that know, by construction, whether each
// value is valid for the FinSpace model: the property tests' oracle does not
// ask the code under test.
import fc from 'fast-check';

export interface Generated {
  readonly value: string | undefined;
  readonly valid: boolean;
}

const isSurrogate = (cp: number) => cp >= 0xd800 && cp <= 0xdfff;
/** Any Unicode scalar value, weighted towards the awkward ones. */
const codePoint = fc.oneof(
  fc.integer({ min: 0x21, max: 0x7e }),
  fc.integer({ min: 0x00, max: 0x20 }),
  fc.integer({ min: 0x80, max: 0x10ffff }).filter((cp) => !isSurrogate(cp)),
);
const WHITESPACE = [0x20, 0x09, 0x0a, 0x0d, 0xa0, 0x2003, 0x3000];

function codePoints(min: number, max: number): fc.Arbitrary<string> {
  return fc.array(codePoint, { minLength: min, maxLength: max }).map((cps) => String.fromCodePoint(...cps));
}

/** Has a non-whitespace character (the model's `\S`). */
const hasVisible = (s: string) => /\S/u.test(s);
const blank = (min: number, max: number) =>
  fc
    .array(fc.constantFrom(...WHITESPACE), { minLength: min, maxLength: max })
    .map((cps) => String.fromCodePoint(...cps));

const valid = (arb: fc.Arbitrary<string | undefined>) => arb.map((value): Generated => ({ value, valid: true }));
const invalid = (arb: fc.Arbitrary<string>) => arb.map((value): Generated => ({ value, valid: false }));

/** `value` with a lone surrogate put in: not Unicode text, refused for every string field. */
const withLoneSurrogate = (arb: fc.Arbitrary<string>) =>
  fc.tuple(arb, fc.integer({ min: 0xd800, max: 0xdfff }), fc.nat()).map(([value, half, at]) => {
    const i = at % (value.length + 1);
    return `${value.slice(0, i)}${String.fromCharCode(half)}${value.slice(i)}`;
  });

/** The dot segments, refused where a value is a URL path segment (the user id). */
const DOT_SEGMENTS = ['.', '..'];

/** A string shape with a length range and, optionally, the `\S` pattern and the path-segment rule. */
function shaped(min: number, max: number, visible: boolean, pathSegment = false): fc.Arbitrary<Generated> {
  const good = codePoints(min, max).filter(
    (s) => (!visible || hasVisible(s)) && (!pathSegment || !DOT_SEGMENTS.includes(s)),
  );
  const bad = [
    codePoints(max + 1, max + 20),
    withLoneSurrogate(codePoints(Math.max(min - 1, 0), max - 1).filter((s) => !visible || hasVisible(s))),
    ...(min > 0 ? [fc.constant('')] : []),
    ...(visible ? [blank(1, max)] : []),
    ...(pathSegment ? [fc.constantFrom(...DOT_SEGMENTS)] : []),
  ];
  return fc.oneof({ weight: 6, arbitrary: valid(good) }, { weight: 1, arbitrary: invalid(fc.oneof(...bad)) });
}

const ROLE_NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-/'.split('');

export function roleArn(): fc.Arbitrary<Generated> {
  const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b');
  const account = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }).map((d) => d.join(''));
  const name = fc.array(fc.constantFrom(...ROLE_NAME_CHARS), { minLength: 1, maxLength: 64 }).map((c) => c.join(''));
  const good = fc
    .tuple(partition, account, fc.boolean(), name)
    .map(([p, a, slash, n]) => `arn:${p}:iam::${a}:role${slash ? '/' : '/'}${n}`);
  const bad = fc.oneof(
    fc.tuple(partition, name).map(([p, n]) => `arn:${p}:iam::12345:role/${n}xxxxxxxxxxxx`), // short account
    fc.tuple(account, name).map(([a, n]) => `arn:aws:iam::${a}:user/${n}`), // not a role
    fc.tuple(account, name).map(([a, n]) => `arn:aws:sts::${a}:role/${n}`), // wrong service
    fc.tuple(account, name).map(([a, n]) => `arn:aws:iam::${a}:role/${n} x`), // a space
    account.map((a) => `arn:aws:iam::${a}:role/${'r'.repeat(2048)}`), // too long
    fc.constant('arn:aws:iam::1:role'), // too short
    withLoneSurrogate(fc.tuple(account, name).map(([a, n]) => `arn:aws:iam::${a}:role/${n}`)), // not Unicode text
  );
  return fc.oneof({ weight: 6, arbitrary: valid(good) }, { weight: 1, arbitrary: invalid(bad) });
}

const EXTERNAL_ID_CHARS = 'abcXYZ0189_+=,.@:/-'.split('');

/** STS ExternalId: 2 to 1224 characters of [\w+=,.@:/-]. */
export function externalId(): fc.Arbitrary<Generated> {
  const chars = (min: number, max: number) =>
    fc.array(fc.constantFrom(...EXTERNAL_ID_CHARS), { minLength: min, maxLength: max }).map((c) => c.join(''));
  const bad = fc.oneof(
    chars(0, 1), // too short
    chars(1225, 1230), // too long
    fc.tuple(chars(1, 20), fc.constantFrom(' ', '#', '~', '\u00e9')).map(([s, c]) => `${s}${c}`), // a character STS refuses
    withLoneSurrogate(chars(2, 20)),
  );
  return fc.oneof({ weight: 6, arbitrary: valid(chars(2, 64)) }, { weight: 1, arbitrary: invalid(bad) });
}

function oneOf(values: readonly string[], optional: boolean): fc.Arbitrary<Generated> {
  const good = fc.constantFrom<string | undefined>(...values, ...(optional ? [undefined] : []));
  const bad = fc
    .oneof(fc.constantFrom('', 'enabled', 'ROOT', 'SUPER USER'), fc.string({ maxLength: 12 }))
    .filter((s) => !values.includes(s));
  return fc.oneof({ weight: 8, arbitrary: valid(good) }, { weight: 1, arbitrary: invalid(bad) });
}

const optional = (arb: fc.Arbitrary<Generated>) =>
  fc.oneof(arb, fc.constant<Generated>({ value: undefined, valid: true }));

export const FIELDS = [
  'environmentId',
  'userId',
  'type',
  'firstName',
  'lastName',
  'apiAccess',
  'apiAccessPrincipalArn',
  'adminRoleArn',
  'externalId',
  'removalPolicy',
] as const;
export type Field = (typeof FIELDS)[number];
export type GeneratedDeclaration = Record<Field, Generated>;

export function declaration(): fc.Arbitrary<GeneratedDeclaration> {
  return fc.record({
    environmentId: shaped(1, 26, false),
    userId: shaped(1, 26, true, true),
    type: oneOf(['SUPER_USER', 'APP_USER'], false),
    firstName: optional(shaped(1, 50, true)),
    lastName: optional(shaped(1, 50, true)),
    apiAccess: oneOf(['ENABLED', 'DISABLED'], true),
    apiAccessPrincipalArn: optional(roleArn()),
    adminRoleArn: roleArn(),
    externalId: optional(externalId()),
    removalPolicy: oneOf(['retain', 'destroy'], true),
  });
}

/** The fields the declaration breaks, by construction: each value's own validity (no rule combines fields). */
export function invalidFields(d: GeneratedDeclaration): Set<string> {
  return new Set<string>(FIELDS.filter((f) => !d[f].valid));
}
