// Whether a role's trust policy lets a caller assume it, as IAM decides
// AssumeRole: the caller (its principal ARN, which is also
// `aws:PrincipalArn`, and `sts:ExternalId` when it sends one) against the
// role's trust policy. The caller's own identity policy is taken to allow
// sts:AssumeRole (the construct grants it to the handler role).
import type { AccessKeyRecord, EmulatorState, RoleRecord } from './emulator-state';
import { evaluatePolicy, parsePolicy, type Policy, PolicyError, type PolicyKind } from './iam-policy';

/** What a role's trust policy may say here. */
export function trustPolicyKind(name: string): PolicyKind {
  return {
    name,
    requirePrincipal: true,
    requireResource: false,
    principalTypes: ['AWS', 'Service'],
    conditionKeys: ['aws:PrincipalArn', 'sts:ExternalId'],
  };
}

/** A role's trust policy, read: a PolicyError names what the local endpoint cannot evaluate in it. */
function trustPolicyOf(roleArn: string, role: RoleRecord): Policy {
  return parsePolicy(role.trustPolicy, trustPolicyKind(`roles["${roleArn}"].trustPolicy`));
}

/** Every role's trust policy, read once: the first that cannot be evaluated fails the endpoint's start, named. */
export function checkTrustPolicies(state: EmulatorState): void {
  for (const [arn, role] of Object.entries(state.roles)) {
    if (role.trustPolicy !== undefined) trustPolicyOf(arn, role);
    else if (!Array.isArray(role.trusted)) {
      throw new PolicyError(`roles["${arn}"]: needs a trustPolicy (or the older "trusted" list of principal ARNs)`);
    }
  }
}

/** The principals a key acts as: its own, and those it stands for here (the handler roles of the app's stacks). */
function principalsOf(caller: AccessKeyRecord): string[] {
  return [caller.principalArn ?? '', ...(caller.actsAs ?? [])].filter((p) => p !== '');
}

/** True when `role` lets `caller` (an IAM key) assume it, with `externalId` sent or not. */
export function trustAllows(
  roleArn: string,
  role: RoleRecord,
  caller: AccessKeyRecord,
  externalId: string | undefined,
): boolean {
  const principals = principalsOf(caller);
  if (role.trustPolicy === undefined) {
    // The older form: trusted principal ARNs, and an external id the caller must send.
    const trusted = role.trusted ?? [];
    const externalIdMatches = role.externalId === undefined || role.externalId === externalId;
    return externalIdMatches && (trusted.includes('*') || principals.some((p) => trusted.includes(p)));
  }
  const policy = trustPolicyOf(roleArn, role);
  return principals.some(
    (principalArn) =>
      evaluatePolicy(policy, {
        action: 'sts:AssumeRole',
        principalArn,
        context: externalId === undefined ? {} : { 'sts:ExternalId': externalId },
      }) === 'allow',
  );
}
