// Resolves the intrinsic functions a Custom::FinspaceUser's properties may
// hold, the way CloudFormation would before sending the event: parameters
// (their defaults, or values given), pseudo parameters, Fn::Join and Fn::Sub
// without variables maps, and the Arn (or Ref: name) of an IAM role declared
// in the same template (an admin role defined beside its users). The
// ServiceToken becomes the local function's ARN.
import type { Template } from './cloud-assembly';

export interface ResolveContext {
  readonly region: string;
  /** @default - unknown: a reference to AWS::AccountId is unresolvable */
  readonly accountId?: string;
  readonly parameters?: Record<string, string>;
  readonly serviceToken: string;
  /**
   * The stack whose roles without a RoleName are named `<stack>-<logicalId>`, as the local deploy names them.
   * @default - unknown (AWS adds a random suffix): such a role's ARN is unresolvable
   */
  readonly stackName?: string;
}

export class UnresolvableError extends Error {}

type ResolvableTemplate = Template & { Parameters?: Record<string, { Default?: unknown }> };

export function resolveProperties(
  properties: Record<string, unknown>,
  template: ResolvableTemplate,
  context: ResolveContext,
): Record<string, unknown> {
  const { ServiceToken: _, ...rest } = properties;
  return { ServiceToken: context.serviceToken, ...(resolveValue(rest, template, context) as Record<string, unknown>) };
}

/** Any template value (a role's trust policy, say) resolved as resolveProperties resolves properties. */
export function resolveValue(
  input: unknown,
  template: ResolvableTemplate,
  context: Omit<ResolveContext, 'serviceToken'>,
): unknown {
  const role = (logicalId: string) => {
    const resource = template.Resources?.[logicalId];
    if (resource?.Type !== 'AWS::IAM::Role' || context.accountId === undefined) return undefined;
    const props = resource.Properties ?? {};
    const path = typeof props.Path === 'string' ? props.Path : '/';
    // The name CloudFormation gives a role: its RoleName (a stack-derived one resolved), or one generated
    // from the stack and logical id (deterministic here; random-suffixed in AWS).
    const name =
      props.RoleName !== undefined
        ? String(resolve(props.RoleName))
        : context.stackName === undefined
          ? undefined
          : `${context.stackName}-${logicalId}`.slice(0, 64);
    if (name === undefined) return undefined;
    return { name, arn: `arn:aws:iam::${context.accountId}:role${path}${name}` };
  };
  const pseudo: Record<string, string> = {
    'AWS::Region': context.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    ...(context.accountId === undefined ? {} : { 'AWS::AccountId': context.accountId }),
    ...(context.stackName === undefined ? {} : { 'AWS::StackName': context.stackName }),
  };
  const ref = (name: string): string => {
    if (name in pseudo) return pseudo[name];
    const declaredRole = role(name);
    if (declaredRole) return declaredRole.name;
    // own keys only: a parameter may be named toString
    if (context.parameters !== undefined && Object.hasOwn(context.parameters, name)) return context.parameters[name];
    const fallback = template.Parameters?.[name]?.Default;
    if (fallback !== undefined) return String(fallback);
    throw new UnresolvableError(`cannot resolve {"Ref": "${name}"}: give it with --parameter ${name}=VALUE`);
  };
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [fn, arg] = entries[0];
      if (fn === 'Ref') return ref(String(arg));
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return (parts.map(resolve) as unknown[]).map(String).join(separator);
      }
      if (fn === 'Fn::Sub' && typeof arg === 'string')
        return arg.replace(/\$\{([^}]+)\}/g, (_, name: string) => ref(name));
      if (fn === 'Fn::GetAtt') {
        const [logicalId, attribute] = (typeof arg === 'string' ? arg.split('.') : arg) as [string, string];
        const declaredRole = attribute === 'Arn' ? role(logicalId) : undefined;
        if (declaredRole) return declaredRole.arn;
      }
      if (fn.startsWith('Fn::')) throw new UnresolvableError(`cannot resolve ${fn} locally`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  return resolve(input);
}
