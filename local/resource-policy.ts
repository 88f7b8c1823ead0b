// A DynamoDB table's resource-based policy, as the local endpoint evaluates
// it against a SigV4 caller: its Deny statements (an explicit Deny wins),
// their principals, actions and resources (with IAM's `*` and `?`
// wildcards), and the ARN and string conditions on `aws:PrincipalArn`.
// Locally every known caller may do everything a policy does not deny (as a
// principal with `dynamodb:*` on `*` may in AWS), so an Allow statement
// grants nothing more; it is checked and kept. Anything else a policy may
// say (NotPrincipal, other condition keys or operators, policy variables) is
// refused when the policy is attached, never ignored. The statements are read
// and judged by local/iam-policy.ts, as a role's trust policy is.

import {
  parsePolicy,
  type Policy,
  PolicyError,
  type PolicyKind,
  type PolicyRequest,
  type Statement,
  statementApplies,
} from './iam-policy';

export { PolicyError };

/** One statement of a table's policy. */
export type PolicyStatement = Statement;

export type ResourcePolicy = Policy;

/** What a request asks, as IAM sees it: the action, the resource, and who signed it. */
export interface AuthorizationRequest extends PolicyRequest {
  readonly resourceArn: string;
}

/** What a resource's policy may say here: AWS principals, Resource, and conditions on `aws:PrincipalArn`. */
const RESOURCE_POLICY: PolicyKind = {
  name: 'Policy',
  requirePrincipal: true,
  requireResource: true,
  principalTypes: ['AWS'],
  conditionKeys: ['aws:PrincipalArn'],
};

/** The policy a document says, or a PolicyError naming the first thing the local endpoint cannot evaluate. */
export function parseResourcePolicy(document: unknown): ResourcePolicy {
  return parsePolicy(document, RESOURCE_POLICY);
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
