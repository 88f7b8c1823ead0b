// What the local endpoint needs to know of the app it serves, read from the
// cloud assembly: the users it declares (to seed FinSpace with), the roles
// its templates define with their trust policies (set as CloudFormation sets
// them), and each stack's handler role (which the local handler acts as).
import type { StackUsers } from '../toolkit/cloud-assembly';
import { resolveValue, UnresolvableError } from '../toolkit/resolve-properties';
import { PROPERTY_NAMES } from '../lambda/resource-properties';
import { LOCAL_ACCOUNT, LOCAL_REGION, type RoleRecord } from './emulator-state';
import type { Declaration } from './seed';
import type { DesiredResource } from './stack-deployment';

export interface AppDeclarations {
  /** Every declared user, with the handler role of its stack. */
  readonly declarations: Declaration[];
  /** The roles the templates define that a declared user names as its admin role, with their trust policies, by ARN. */
  readonly roles: Record<string, RoleRecord>;
  /** The handler role of each stack (the role its handler function runs as). */
  readonly handlerRoleArns: string[];
}

function contextOf(stack: StackUsers, parameters: Record<string, string>) {
  return { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, stackName: stack.stackName, parameters };
}

/** The role the stack's handler function runs as (the function its users' ServiceToken names), resolved. */
export function handlerRoleArnOf(stack: StackUsers, parameters: Record<string, string> = {}): string | undefined {
  const resources = stack.template.Resources ?? {};
  const token = stack.users[0]?.properties.ServiceToken as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const fn = resources[token?.['Fn::GetAtt']?.[0] ?? ''];
  if (fn?.Type !== 'AWS::Lambda::Function' || fn.Properties?.Role === undefined) return undefined;
  try {
    const arn = resolveValue(fn.Properties.Role, stack.template, contextOf(stack, parameters));
    return typeof arn === 'string' ? arn : undefined;
  } catch (error) {
    if (error instanceof UnresolvableError) return undefined;
    throw error;
  }
}

/**
 * The trust policies of the roles the stack defines that `adminRoleArns`
 * names, resolved as the engine resolves properties (the handler role's ARN
 * among them). One that cannot be resolved fails, naming the role.
 */
function definedRoles(
  stack: StackUsers,
  adminRoleArns: ReadonlySet<string>,
  parameters: Record<string, string>,
): Record<string, RoleRecord> {
  const roles: Record<string, RoleRecord> = {};
  const context = contextOf(stack, parameters);
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    let arn: unknown;
    try {
      arn = resolveValue({ 'Fn::GetAtt': [logicalId, 'Arn'] }, stack.template, context);
    } catch (error) {
      if (error instanceof UnresolvableError) continue;
      throw error;
    }
    if (typeof arn !== 'string' || !adminRoleArns.has(arn)) continue;
    try {
      roles[arn] = {
        trustPolicy: resolveValue(resource.Properties?.AssumeRolePolicyDocument, stack.template, context),
      };
    } catch (error) {
      if (!(error instanceof UnresolvableError)) throw error;
      throw new UnresolvableError(`${stack.stackName}/${logicalId}: its AssumeRolePolicyDocument: ${error.message}`);
    }
  }
  return roles;
}

/** The app's declarations, from its stacks and their resources as the engine resolved them. */
export function appDeclarations(
  stacks: readonly StackUsers[],
  desiredByStack: ReadonlyMap<string, readonly DesiredResource[]>,
  parameters: Record<string, string> = {},
): AppDeclarations {
  const declarations: Declaration[] = [];
  const roles: Record<string, RoleRecord> = {};
  const handlerRoleArns = new Set<string>();
  for (const stack of stacks) {
    const desired = desiredByStack.get(stack.stackName) ?? [];
    const handlerRoleArn = handlerRoleArnOf(stack, parameters);
    if (handlerRoleArn !== undefined) handlerRoleArns.add(handlerRoleArn);
    for (const { properties } of desired)
      declarations.push({ properties, ...(handlerRoleArn ? { handlerRoleArn } : {}) });
    const admins = new Set(desired.map((d) => String(d.properties[PROPERTY_NAMES.adminRoleArn])));
    Object.assign(roles, definedRoles(stack, admins, parameters));
  }
  return { declarations, roles, handlerRoleArns: [...handlerRoleArns].sort() };
}
