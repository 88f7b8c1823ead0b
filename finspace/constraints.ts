// The FinSpace Data API's constraints on the values a FinspaceUser declares,
// taken from the Smithy model (finspace-data 2020-07-13). Dependency-free: the
// construct checks literal values with it at synth time, the handler checks
// every resolved value with it at deploy time.

export const USER_TYPES = ['SUPER_USER', 'APP_USER'] as const;
export type UserType = (typeof USER_TYPES)[number];

export const API_ACCESS_VALUES = ['ENABLED', 'DISABLED'] as const;
export type ApiAccess = (typeof API_ACCESS_VALUES)[number];

/** What happens to the FinSpace user when the resource is deleted. */
export const REMOVAL_POLICIES = ['retain', 'destroy'] as const;
export type UserRemovalPolicy = (typeof REMOVAL_POLICIES)[number];

/** A string shape of the model: @length (in Unicode code points) and @pattern. */
export interface StringShape {
  readonly min: number;
  readonly max: number;
  /** ECMAScript regular expression, unanchored unless it says so (Smithy semantics). */
  readonly pattern?: string;
  /** @sensitive in the model: never echo the value. */
  readonly sensitive?: boolean;
  /**
   * The value travels as a URL path segment (`/user/{userId}`). Not a rule of
   * the model (its pattern is only `\S`), but a URL-path safety rule: `.` and
   * `..` are dot segments that a URL resolver removes, so `PUT /user/..`
   * would reach another operation (`PUT /user` is CreateUser).
   */
  readonly pathSegment?: boolean;
}

const ROLE_ARN: StringShape = {
  min: 20,
  max: 2048,
  pattern: '^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$',
};

/** Model shapes by the field names the construct and the handler use. */
export const STRING_SHAPES = {
  /** IdType */
  environmentId: { min: 1, max: 26 },
  /** UserId; also the path segment of every user operation. */
  userId: { min: 1, max: 26, pattern: '\\S', pathSegment: true },
  /** FirstName */
  firstName: { min: 1, max: 50, pattern: '\\S', sensitive: true },
  /** LastName */
  lastName: { min: 1, max: 50, pattern: '\\S', sensitive: true },
  /** RoleArn */
  apiAccessPrincipalArn: ROLE_ARN,
  /** Not a FinSpace field: the role the handler assumes. The model's RoleArn shape fits it (STS RoleArn is 20-2048 too). */
  adminRoleArn: ROLE_ARN,
  /**
   * Not a FinSpace field: the external id the handler sends with AssumeRole of
   * the admin role (STS `externalIdType`: 2 to 1224 characters of `[\w+=,.@:\/-]`).
   * Not a secret, but kept out of logs and messages like one.
   */
  externalId: { min: 2, max: 1224, pattern: '^[\\w+=,.@:\\/-]*$', sensitive: true },
} as const satisfies Record<string, StringShape>;

export type StringField = keyof typeof STRING_SHAPES;

/** The declaration of one FinSpace user, as the handler receives it once tokens resolve. */
export interface UserDeclaration {
  readonly environmentId: string;
  readonly userId: string;
  readonly type: UserType;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly apiAccess?: ApiAccess;
  readonly apiAccessPrincipalArn?: string;
  readonly adminRoleArn: string;
  readonly externalId?: string;
  readonly removalPolicy: UserRemovalPolicy;
}

export type DeclarationField = keyof UserDeclaration;

/** The fields FinSpace itself stores; a change to any other field makes no FinSpace write. */
export const FINSPACE_FIELDS = [
  'type',
  'firstName',
  'lastName',
  'apiAccess',
  'apiAccessPrincipalArn',
] as const satisfies readonly DeclarationField[];

export const REQUIRED_FIELDS = [
  'environmentId',
  'userId',
  'type',
  'adminRoleArn',
  'removalPolicy',
] as const satisfies readonly DeclarationField[];

/** One broken rule: which field, and what the rule is (with the value unless it is sensitive). */
export interface Violation {
  readonly field: string;
  readonly message: string;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.field}: ${v.message}`).join('; ');
}

/** Smithy @length counts Unicode scalar values, not UTF-16 code units. */
function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function shown(value: string, shape: StringShape): string {
  if (shape.sensitive) return '';
  const short = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return ` (got ${JSON.stringify(short)})`;
}

/**
 * The index of the first lone surrogate (a UTF-16 half that is not part of a
 * pair), or -1. Such a string is not Unicode text: it cannot be encoded as
 * UTF-8, so it cannot reach FinSpace intact.
 */
export function loneSurrogateIndex(value: string): number {
  const match = /\p{Surrogate}/u.exec(value);
  return match === null ? -1 : match.index;
}

/** The model's pattern for a string that holds something other than whitespace. */
const NOT_BLANK = '\\S';

/** Checks one string against its model shape; returns the broken rule, or undefined. */
export function checkString(value: string, shape: StringShape): string | undefined {
  const lone = loneSurrogateIndex(value);
  if (lone >= 0) return `must be well-formed Unicode text (a lone surrogate at index ${lone})`;
  if (shape.pathSegment && (value === '.' || value === '..')) {
    return `must not be "." or "..": it is a URL path segment (got ${JSON.stringify(value)})`;
  }
  const length = codePointLength(value);
  if (length < shape.min || length > shape.max) {
    return `must be ${shape.min} to ${shape.max} characters long, is ${length}${shown(value, shape)}`;
  }
  if (shape.pattern !== undefined && !new RegExp(shape.pattern, 'u').test(value)) {
    // the model's \S says "not only whitespace": say it in those words
    const rule =
      shape.pattern === NOT_BLANK
        ? `must not be blank (the pattern ${NOT_BLANK})`
        : `must match the pattern ${shape.pattern}`;
    return `${rule}${shown(value, shape)}`;
  }
  return undefined;
}

function checkEnum(value: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`;
}

/**
 * A declaration as far as it is known: at synth time a field may hold a token,
 * which `isUnresolved` recognises and which is then checked later, by the handler.
 */
export type PartialDeclaration = { readonly [K in DeclarationField]?: string };

/**
 * Every rule a declaration breaks: required fields and each field's model
 * shape. No rule combines fields: UpdateUser accepts any combination (a
 * principal with apiAccess DISABLED keeps it on record), and so do we.
 */
export function validateDeclaration(
  declaration: PartialDeclaration,
  isUnresolved: (value: string) => boolean = () => false,
): Violation[] {
  const violations: Violation[] = [];
  const known = (field: DeclarationField): string | undefined => {
    const value = declaration[field];
    return value === undefined || isUnresolved(value) ? undefined : value;
  };

  for (const field of REQUIRED_FIELDS) {
    if (declaration[field] === undefined) violations.push({ field, message: 'is required' });
  }
  for (const field of Object.keys(STRING_SHAPES) as StringField[]) {
    const value = known(field);
    const problem = value === undefined ? undefined : checkString(value, STRING_SHAPES[field]);
    if (problem) violations.push({ field, message: problem });
  }
  const enums: [DeclarationField, readonly string[]][] = [
    ['type', USER_TYPES],
    ['apiAccess', API_ACCESS_VALUES],
    ['removalPolicy', REMOVAL_POLICIES],
  ];
  for (const [field, allowed] of enums) {
    const value = known(field);
    const problem = value === undefined ? undefined : checkEnum(value, allowed);
    if (problem) violations.push({ field, message: problem });
  }

  return violations;
}
