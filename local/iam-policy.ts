// An IAM policy document as the local endpoint evaluates it, the one judge of
// both a role's trust policy (local/role-trust.ts) and a DynamoDB table's
// resource policy (local/resource-policy.ts): statements with Effect,
// Principal (AWS: an ARN, an account id, `arn:aws:iam::<account>:root` or
// `*`; Service; `*`), Action and Resource (with IAM's `*` and `?`
// wildcards), and Condition with the ARN and string operators (ArnEquals,
// ArnLike, StringEquals, StringLike and their Not forms) on the keys the
// policy's kind allows (`aws:PrincipalArn`, `sts:ExternalId`). An explicit
// Deny wins; without an Allow, nothing is allowed. Anything else a policy may
// say (NotPrincipal, other operators or keys, IfExists, policy variables) is
// refused when the policy is read, never ignored: a policy the endpoint
// cannot evaluate must not quietly allow, nor quietly fail to deny.

export class PolicyError extends Error {}

type Values = readonly string[];

const OPERATORS = [
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
] as const;
type Operator = (typeof OPERATORS)[number];

/** The condition keys the endpoint knows, by their lower-case name (IAM's key names are case-insensitive). */
const CONDITION_KEYS = { 'aws:principalarn': 'aws:PrincipalArn', 'sts:externalid': 'sts:ExternalId' } as const;
export type ConditionKey = (typeof CONDITION_KEYS)[keyof typeof CONDITION_KEYS];

interface Condition {
  readonly operator: Operator;
  readonly key: ConditionKey;
  readonly values: Values;
}

export interface Statement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** AWS principals (ARNs, account ids, `*`), and `*` for `"Principal": "*"`; undefined: no Principal element. */
  readonly aws?: Values;
  readonly services: Values;
  readonly actions: Values;
  readonly notActions: boolean;
  readonly resources?: Values;
  readonly notResources: boolean;
  readonly conditions: readonly Condition[];
}

export interface Policy {
  readonly statements: readonly Statement[];
}

/** What a kind of policy may say, beyond what every policy may. */
export interface PolicyKind {
  /** What messages call the document (`Policy`, or where it is kept). */
  readonly name: string;
  /** A Principal in every statement: a resource's policy, a role's trust policy. */
  readonly requirePrincipal: boolean;
  /** Resource or NotResource in every statement: a resource's policy. */
  readonly requireResource: boolean;
  /** The principal types it may name. */
  readonly principalTypes: readonly ('AWS' | 'Service')[];
  /** The condition keys it may test. */
  readonly conditionKeys: readonly ConditionKey[];
}

/** What a request asks, as IAM sees it. */
export interface PolicyRequest {
  /** `sts:AssumeRole`, say. */
  readonly action: string;
  /** The resource, for a policy whose statements name resources. @default - none: Resource is not checked */
  readonly resourceArn?: string;
  /** The caller's principal ARN (for a role's session, the role's ARN): also `aws:PrincipalArn`; undefined for a caller IAM does not know. */
  readonly principalArn: string | undefined;
  /** The other condition keys the request carries (`sts:ExternalId` when AssumeRole sends one). */
  readonly context?: Partial<Record<ConditionKey, string>>;
}

export type Decision = 'allow' | 'deny' | 'no-allow';

const STATEMENT_MEMBERS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

function fail(path: string, rule: string): never {
  throw new PolicyError(`${path}: ${rule}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function strings(value: unknown, path: string): Values {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(path, 'must name at least one value');
  for (const item of list) {
    if (typeof item !== 'string' || item === '') fail(path, 'must be a string or a list of strings');
    if (item.includes('${')) fail(path, `the local endpoint does not evaluate policy variables (${item})`);
  }
  return list as string[];
}

function principalOf(value: unknown, path: string, kind: PolicyKind): Pick<Statement, 'aws' | 'services'> {
  if (value === undefined) return { services: [] };
  if (value === '*') return { aws: ['*'], services: [] };
  const types = kind.principalTypes.join(' and ');
  if (!isObject(value)) fail(path, `must be "*" or an object of ${types} principals`);
  const named = Object.keys(value);
  if (named.length === 0 || named.some((t) => !(kind.principalTypes as readonly string[]).includes(t))) {
    fail(path, `the local endpoint evaluates ${types} principals only (got ${named.join(', ') || 'none'})`);
  }
  return {
    aws: value.AWS === undefined ? [] : strings(value.AWS, `${path}.AWS`),
    services: value.Service === undefined ? [] : strings(value.Service, `${path}.Service`),
  };
}

function conditionsOf(value: unknown, path: string, kind: PolicyKind): Condition[] {
  if (value === undefined) return [];
  if (!isObject(value)) fail(path, 'must be an object');
  const conditions: Condition[] = [];
  for (const [operator, keys] of Object.entries(value)) {
    if (!(OPERATORS as readonly string[]).includes(operator)) {
      fail(`${path}.${operator}`, `the local endpoint evaluates the condition operators ${OPERATORS.join(', ')} only`);
    }
    if (!isObject(keys)) fail(`${path}.${operator}`, 'must be an object');
    for (const [key, values] of Object.entries(keys)) {
      const known = (CONDITION_KEYS as Record<string, ConditionKey>)[key.toLowerCase()];
      if (known === undefined || !kind.conditionKeys.includes(known)) {
        fail(
          `${path}.${operator}.${key}`,
          `the local endpoint evaluates the condition keys ${kind.conditionKeys.join(', ')} only`,
        );
      }
      conditions.push({
        operator: operator as Operator,
        key: known,
        values: strings(values, `${path}.${operator}.${key}`),
      });
    }
  }
  return conditions;
}

function statementOf(value: unknown, path: string, kind: PolicyKind): Statement {
  if (!isObject(value)) fail(path, 'must be an object');
  for (const member of Object.keys(value)) {
    if (!STATEMENT_MEMBERS.has(member)) fail(`${path}.${member}`, 'the local endpoint does not evaluate this member');
  }
  if (kind.requirePrincipal && value.Principal === undefined) fail(`${path}.Principal`, 'is required here');
  if (value.Effect !== 'Allow' && value.Effect !== 'Deny') fail(`${path}.Effect`, 'must be Allow or Deny');
  if (value.Sid !== undefined && typeof value.Sid !== 'string') fail(`${path}.Sid`, 'must be a string');
  if ((value.Action === undefined) === (value.NotAction === undefined)) fail(path, 'needs one of Action and NotAction');
  if (value.Resource !== undefined && value.NotResource !== undefined) fail(path, 'has both Resource and NotResource');
  if (kind.requireResource && value.Resource === undefined && value.NotResource === undefined) {
    fail(path, 'needs one of Resource and NotResource');
  }
  const notActions = value.Action === undefined;
  const notResources = value.NotResource !== undefined;
  const resources = value.Resource ?? value.NotResource;
  return {
    ...(value.Sid === undefined ? {} : { sid: value.Sid }),
    effect: value.Effect,
    ...principalOf(value.Principal, `${path}.Principal`, kind),
    actions: strings(notActions ? value.NotAction : value.Action, `${path}.${notActions ? 'NotAction' : 'Action'}`),
    notActions,
    ...(resources === undefined
      ? {}
      : { resources: strings(resources, `${path}.${notResources ? 'NotResource' : 'Resource'}`) }),
    notResources,
    conditions: conditionsOf(value.Condition, `${path}.Condition`, kind),
  };
}

/** The policy a document of `kind` says, or a PolicyError naming the first thing the local endpoint cannot evaluate. */
export function parsePolicy(document: unknown, kind: PolicyKind): Policy {
  const { name } = kind;
  if (!isObject(document)) fail(name, 'must be a JSON object');
  for (const member of Object.keys(document)) {
    if (!['Version', 'Id', 'Statement'].includes(member)) fail(`${name}.${member}`, 'is not a policy member');
  }
  if (document.Version !== undefined && document.Version !== '2012-10-17' && document.Version !== '2008-10-17') {
    fail(`${name}.Version`, 'must be 2012-10-17 or 2008-10-17');
  }
  const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  if (document.Statement === undefined || list.length === 0) {
    fail(`${name}.Statement`, 'must hold at least one statement');
  }
  return { statements: list.map((s, i) => statementOf(s, `${name}.Statement[${i}]`, kind)) };
}

/** IAM's wildcards: `*` any run of characters, `?` any one. */
function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/**
 * IAM's ARN matching: each of the six colon-separated parts against its
 * pattern, wildcards within a part. ArnEquals matches exactly as ArnLike does.
 */
function arnMatches(pattern: string, arn: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  if (p === undefined || a === undefined) return false;
  return p.every((part, i) => wildcard(part).test(a[i]));
}

function conditionHolds(condition: Condition, request: PolicyRequest): boolean {
  const value = condition.key === 'aws:PrincipalArn' ? request.principalArn : request.context?.[condition.key];
  const negated = condition.operator.includes('Not');
  // A key the request lacks matches no value: a positive operator fails, a negated one holds.
  if (value === undefined) return negated;
  const matches = (pattern: string) => {
    if (condition.operator.startsWith('Arn')) return arnMatches(pattern, value);
    return condition.operator.includes('Like') ? wildcard(pattern).test(value) : pattern === value;
  };
  return condition.values.some(matches) !== negated;
}

/** The 12-digit account of an ARN (`arn:aws:iam::123456789012:role/x` → 123456789012). */
const accountOf = (arn: string) => arn.split(':')[4];

/** An AWS principal as IAM reads it: `*`, an account (id or root ARN), or one principal's ARN. */
function awsPrincipalMatches(principal: string, callerArn: string | undefined): boolean {
  if (principal === '*') return true;
  if (callerArn === undefined) return false;
  if (/^\d{12}$/.test(principal)) return accountOf(callerArn) === principal;
  if (/^arn:[^:]+:iam::\d{12}:root$/.test(principal)) return accountOf(callerArn) === accountOf(principal);
  return principal === callerArn;
}

/** True when `statement` covers `request`: its action, resource, principal and every condition. */
export function statementApplies(statement: Statement, request: PolicyRequest): boolean {
  const action = statement.actions.some((a) => wildcard(a, 'i').test(request.action)) !== statement.notActions;
  const resource =
    statement.resources === undefined ||
    request.resourceArn === undefined ||
    statement.resources.some((r) => r === '*' || arnMatches(r, request.resourceArn as string)) !==
      statement.notResources;
  // No Principal element (an identity policy): the statement is about its holder, whoever that is.
  const principal =
    statement.aws === undefined || statement.aws.some((p) => awsPrincipalMatches(p, request.principalArn));
  return action && resource && principal && statement.conditions.every((c) => conditionHolds(c, request));
}

/** What `policy` says of `request`: an explicit Deny wins; an Allow allows; otherwise nothing allows it. */
export function evaluatePolicy(policy: Policy, request: PolicyRequest): Decision {
  const matching = policy.statements.filter((s) => statementApplies(s, request));
  if (matching.some((s) => s.effect === 'Deny')) return 'deny';
  return matching.some((s) => s.effect === 'Allow') ? 'allow' : 'no-allow';
}
