// FinspaceUser takes roles, not ARNs. Tests declare them by ARN, the way a
// user references a role managed elsewhere: one imported role per ARN and stack.
import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct, IConstruct } from 'constructs';
import { FinspaceUser, type FinspaceUserProps } from '../../lib';

export function roleArnOf(scope: IConstruct, arn: string): iam.IRole {
  const stack = Stack.of(scope);
  const id = `ImportedRole${createHash('sha256').update(arn).digest('hex').slice(0, 12)}`;
  const existing = stack.node.tryFindChild(id) as iam.IRole | undefined;
  if (existing) return existing;
  try {
    return iam.Role.fromRoleArn(stack, id, arn, { mutable: false });
  } catch {
    // Too malformed for the CDK to parse: an imported role whose ARN is exactly the string, so that
    // FinspaceUser's own validation is what reports it.
    const role = iam.Role.fromRoleName(stack, id, 'unparsable');
    Object.defineProperty(role, 'roleArn', { value: arn });
    return role;
  }
}

/** FinspaceUserProps with the roles given by ARN, as most tests write them. */
export type UserSpec = Omit<FinspaceUserProps, 'adminRole' | 'apiAccessPrincipal'> & {
  readonly adminRoleArn: string;
  readonly apiAccessPrincipalArn?: string;
};

/** A FinspaceUser whose roles are imported by ARN. */
export function declareUser(scope: Construct, id: string, spec: UserSpec): FinspaceUser {
  const { adminRoleArn, apiAccessPrincipalArn, ...rest } = spec;
  return new FinspaceUser(scope, id, {
    ...rest,
    adminRole: roleArnOf(scope, adminRoleArn),
    apiAccessPrincipal: apiAccessPrincipalArn === undefined ? undefined : roleArnOf(scope, apiAccessPrincipalArn),
  });
}
