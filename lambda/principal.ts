// Whether two principal ARNs may name the same role to FinSpace. How FinSpace
// matches a caller to a user's apiAccessPrincipalArn is not documented, so the
// lockout guard errs on the safe side: the same partition, account and role
// name count as the same principal, whatever the case and the role's path, and
// an STS assumed-role ARN counts as its role.

/** The parts FinSpace might compare: partition, account, role name; all lower case but the account's digits. */
interface RoleIdentity {
  readonly partition: string;
  readonly account: string;
  readonly roleName: string;
}

const IAM_ROLE = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/i;
const STS_ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]*$/i;

function identityOf(arn: string): RoleIdentity | undefined {
  const match = IAM_ROLE.exec(arn) ?? STS_ASSUMED_ROLE.exec(arn);
  if (!match) return undefined;
  return { partition: match[1].toLowerCase(), account: match[2], roleName: match[3].toLowerCase() };
}

/**
 * True when FinSpace might take `a` and `b` for the same principal. ARNs that
 * are not role ARNs are the same only when equal, ignoring case.
 */
export function samePrincipal(a: string, b: string): boolean {
  const left = identityOf(a);
  const right = identityOf(b);
  if (!left || !right) return a.toLowerCase() === b.toLowerCase();
  return left.partition === right.partition && left.account === right.account && left.roleName === right.roleName;
}

/** The admin role ARNs the handler's environment lists (lambda/consts.ts ADMIN_ROLES_ENV), without blanks. */
export function adminRoleArnsFrom(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter((arn) => arn !== '');
}
