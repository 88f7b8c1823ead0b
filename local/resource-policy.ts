// A DynamoDB table's resource-based policy, as the local endpoint evaluates
// it against a SigV4 caller: its Deny statements (an explicit Deny wins),
// their principals, actions and resources (with IAM's `*` and `?`
// wildcards), and the ARN and string conditions on `aws:PrincipalArn`.
// Locally every known caller may do everything a policy does not deny (as a
// principal with `dynamodb:*` on `*` may in AWS), so an Allow statement
// grants nothing more; it is checked and kept. Anything else a policy may
// say (NotPrincipal, other condition keys or operators, policy variables) is
// refused when the policy is attached, never ignored.

export class PolicyError extends Error {}

type Values = readonly string[];

interface Condition {
  readonly operator: ConditionOperator;
  readonly key: 'aws:PrincipalArn';
  readonly values: Values;
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** Principal ARNs or account ids; `*` is everyone. */
  readonly principals: Values;
  readonly actions: Values;
  /** True for NotAction: the statement covers every action but these. */
  readonly notActions: boolean;
  readonly resources: Values;
  readonly notResources: boolean;
  readonly conditions: readonly Condition[];
}

export interface ResourcePolicy {
  readonly statements: readonly PolicyStatement[];
}

/** What a request asks, as IAM sees it: the action, the resource, and who signed it. */
export interface AuthorizationRequest {
  /** `dynamodb:PutItem`, say. */
  readonly action: string;
  readonly resourceArn: string;
  /** `aws:PrincipalArn`: for a role's session, the role's ARN; undefined for a caller IAM does not know. */
  readonly principalArn: string | undefined;
}

const CONDITION_OPERATORS = [
  'ArnEquals',
  'ArnNotEquals',
  'ArnLike',
  'ArnNotLike',
  'StringEquals',
  'StringNotEquals',
  'StringLike',
  'StringNotLike',
] as const;
type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

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

function strings(value: unknown, path: string): Values {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(path, 'must name at least one value');
  for (const item of list) {
    if (typeof item !== 'string' || item === '') fail(path, 'must be a string or a list of strings');
    // `${aws:username}` and the like: IAM substitutes them; the local endpoint does not.
    if (item.includes('${')) fail(path, `the local endpoint does not evaluate policy variables (${item})`);
  }
  return list as string[];
}

function principalsOf(value: unknown, path: string): Values {
  if (value === '*') return ['*'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(path, 'must be "*" or {"AWS": ...}');
  }
  const kinds = Object.keys(value);
  if (kinds.length !== 1 || kinds[0] !== 'AWS') {
    fail(path, `the local endpoint evaluates AWS principals only (got ${kinds.join(', ') || 'none'})`);
  }
  return strings((value as { AWS: unknown }).AWS, `${path}.AWS`);
}

function conditionsOf(value: unknown, path: string): Condition[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  const conditions: Condition[] = [];
  for (const [operator, keys] of Object.entries(value)) {
    if (!(CONDITION_OPERATORS as readonly string[]).includes(operator)) {
      fail(
        `${path}.${operator}`,
        `the local endpoint evaluates the condition operators ${CONDITION_OPERATORS.join(', ')} only`,
      );
    }
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys))
      fail(`${path}.${operator}`, 'must be an object');
    for (const [key, values] of Object.entries(keys)) {
      // Condition key names are case-insensitive in IAM.
      if (key.toLowerCase() !== 'aws:principalarn') {
        fail(`${path}.${operator}.${key}`, 'the local endpoint evaluates the condition key aws:PrincipalArn only');
      }
      conditions.push({
        operator: operator as ConditionOperator,
        key: 'aws:PrincipalArn',
        values: strings(values, `${path}.${operator}.${key}`),
      });
    }
  }
  return conditions;
}

function statementOf(value: unknown, path: string): PolicyStatement {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'must be an object');
  const s = value as Record<string, unknown>;
  for (const member of Object.keys(s)) {
    if (!STATEMENT_MEMBERS.has(member)) fail(`${path}.${member}`, 'the local endpoint does not evaluate this member');
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail(`${path}.Effect`, 'must be Allow or Deny');
  if (s.Sid !== undefined && typeof s.Sid !== 'string') fail(`${path}.Sid`, 'must be a string');
  if (s.Principal === undefined) fail(`${path}.Principal`, "is required in a resource's policy");
  if ((s.Action === undefined) === (s.NotAction === undefined)) fail(path, 'needs one of Action and NotAction');
  if ((s.Resource === undefined) === (s.NotResource === undefined)) fail(path, 'needs one of Resource and NotResource');
  const notActions = s.Action === undefined;
  const notResources = s.Resource === undefined;
  return {
    sid: s.Sid as string | undefined,
    effect: s.Effect,
    principals: principalsOf(s.Principal, `${path}.Principal`),
    actions: strings(notActions ? s.NotAction : s.Action, `${path}.${notActions ? 'NotAction' : 'Action'}`),
    notActions,
    resources: strings(
      notResources ? s.NotResource : s.Resource,
      `${path}.${notResources ? 'NotResource' : 'Resource'}`,
    ),
    notResources,
    conditions: conditionsOf(s.Condition, `${path}.Condition`),
  };
}

/** The policy a document says, or a PolicyError naming the first thing the local endpoint cannot evaluate. */
export function parseResourcePolicy(document: unknown): ResourcePolicy {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    fail('Policy', 'must be a JSON object');
  }
  const d = document as Record<string, unknown>;
  for (const member of Object.keys(d)) {
    if (!['Version', 'Id', 'Statement'].includes(member)) fail(`Policy.${member}`, 'is not a policy member');
  }
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') {
    fail('Policy.Version', 'must be 2012-10-17 or 2008-10-17');
  }
  const list = Array.isArray(d.Statement) ? d.Statement : d.Statement === undefined ? [] : [d.Statement];
  if (list.length === 0) fail('Policy.Statement', 'must hold at least one statement');
  return { statements: list.map((s, i) => statementOf(s, `Policy.Statement[${i}]`)) };
}

/** IAM's wildcards: `*` any run of characters, `?` any one. */
function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** IAM's ARN matching: each of the six colon-separated parts against its pattern, case-sensitive. */
function arnMatches(pattern: string, arn: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  return p !== undefined && a !== undefined && p.every((part, i) => wildcard(part).test(a[i]));
}

function conditionHolds(condition: Condition, principalArn: string | undefined): boolean {
  const negated = condition.operator.includes('Not');
  // A key the request lacks matches no value: a positive operator fails, a negated one holds.
  if (principalArn === undefined) return negated;
  const matches = (value: string) => {
    if (condition.operator.startsWith('Arn')) return arnMatches(value, principalArn);
    if (condition.operator.includes('Like')) return wildcard(value).test(principalArn);
    return value === principalArn;
  };
  return condition.values.some(matches) !== negated;
}

/** The principal's account: `arn:aws:iam::123456789012:role/x` → 123456789012. */
const accountOf = (arn: string) => arn.split(':')[4];

function principalMatches(principals: Values, principalArn: string | undefined): boolean {
  return principals.some((p) => {
    if (p === '*') return true;
    if (principalArn === undefined) return false;
    if (/^\d{12}$/.test(p)) return accountOf(principalArn) === p;
    if (/^arn:[^:]+:iam::\d{12}:root$/.test(p)) return accountOf(principalArn) === accountOf(p);
    return p === principalArn;
  });
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const action = statement.actions.some((a) => wildcard(a, 'i').test(request.action)) !== statement.notActions;
  const resource =
    statement.resources.some((r) => r === '*' || arnMatches(r, request.resourceArn)) !== statement.notResources;
  return (
    action &&
    resource &&
    principalMatches(statement.principals, request.principalArn) &&
    statement.conditions.every((c) => conditionHolds(c, request.principalArn))
  );
}

/** The first Deny statement of `policy` that covers `request`, if any: an explicit Deny wins over every Allow. */
export function denyingStatement(policy: ResourcePolicy, request: AuthorizationRequest): PolicyStatement | undefined {
  return policy.statements.find((s) => s.effect === 'Deny' && statementApplies(s, request));
}

/**
 * `value` with every string equal to a key of `standIns` replaced by its
 * value: the local deploy resolves a template's references to the roles it
 * plays (the handler's role, the role that deploys the stack) to the
 * principals it plays them with.
 */
export function withStandIns(value: unknown, standIns: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return Object.hasOwn(standIns, value) ? standIns[value] : value;
  if (Array.isArray(value)) return value.map((v) => withStandIns(v, standIns));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withStandIns(v, standIns)]));
}
