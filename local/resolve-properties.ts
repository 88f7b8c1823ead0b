// Resolves the intrinsic functions a Custom::FinspaceUser's properties may
// hold, the way CloudFormation would before sending the event: parameters
// (their defaults, or values given), pseudo parameters, Fn::Join and Fn::Sub
// without variables maps. The ServiceToken becomes the local function's ARN.
import type { Template } from './cloud-assembly';

export interface ResolveContext {
  readonly region: string;
  /** @default - unknown: a reference to AWS::AccountId is unresolvable */
  readonly accountId?: string;
  readonly parameters?: Record<string, string>;
  readonly serviceToken: string;
}

export class UnresolvableError extends Error {}

export function resolveProperties(
  properties: Record<string, unknown>,
  template: Template & { Parameters?: Record<string, { Default?: unknown }> },
  context: ResolveContext,
): Record<string, unknown> {
  const pseudo: Record<string, string> = {
    'AWS::Region': context.region,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    ...(context.accountId === undefined ? {} : { 'AWS::AccountId': context.accountId }),
  };
  const ref = (name: string): string => {
    if (name in pseudo) return pseudo[name];
    const given = context.parameters?.[name];
    if (given !== undefined) return given;
    const fallback = template.Parameters?.[name]?.Default;
    if (fallback !== undefined) return String(fallback);
    throw new UnresolvableError(`cannot resolve {"Ref": "${name}"}: give it with --parameters ${name}=VALUE`);
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
      if (fn.startsWith('Fn::')) throw new UnresolvableError(`cannot resolve ${fn} locally`);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v)]));
  };
  const { ServiceToken: _, ...rest } = properties;
  return { ServiceToken: context.serviceToken, ...(resolve(rest) as Record<string, unknown>) };
}
