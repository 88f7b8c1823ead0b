// Where the plan reads what each stack has deployed. In AWS: CloudFormation's
// GetTemplate (the deployed template, with its DeletionPolicy and
// UpdateReplacePolicy) and ListStackResources (the physical ids, which name
// the environment and user each Delete acts on). Locally: the local deploy's
// state. A stack CloudFormation does not know is a first deploy; any other
// failure to read it is an error, never "nothing deployed".
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { maxAttemptsFrom } from '../../lambda/aws-clients';
import { deployedView } from '../../local/deployed-template';
import { loadDeployState } from '../../local/deploy-state';
import type { StackUsers, Template, UserResource } from '../../toolkit/cloud-assembly';
import type { DeployedStackView } from '../../toolkit/deployed-stack';

export interface DeployedStack extends DeployedStackView {
  /**
   * Whether CloudFormation would send the declared resource an Update: false when
   * nothing it sends changed (CloudFormation then sends no event at all),
   * undefined when that depends on values only the deploy knows.
   */
  changed(resource: UserResource): boolean | undefined;
}

export interface DeployedStacks {
  /** Where it reads from, for people. */
  readonly source: string;
  /** What `stack` has deployed; undefined when there is no such stack yet (a first deploy). */
  read(stack: StackUsers): Promise<DeployedStack | undefined>;
}

/** A CloudFormation stack that does not exist: its first deploy creates every resource. */
export function isMissingStack(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationError' &&
    /^Stack with id .* does not exist$/.test(error.message.trim())
  );
}

/** Values that can differ between two deploys of the same template: a parameter's, another stack's export. */
function dependsOnDeployValues(value: unknown, template: Template & { Parameters?: object }): boolean {
  if (Array.isArray(value)) return value.some((v) => dependsOnDeployValues(v, template));
  if (typeof value !== 'object' || value === null) return false;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [fn, arg] = entries[0];
    if (fn === 'Ref' && typeof arg === 'string' && template.Parameters && arg in template.Parameters) return true;
    if (fn === 'Fn::ImportValue' || fn === 'Fn::GetStackOutput') return true;
  }
  return entries.some(([, v]) => dependsOnDeployValues(v, template));
}

/** The deployed stacks in AWS, read with the caller's credentials (default chain) in AWS_REGION. */
export function cloudFormationStacks(env: NodeJS.ProcessEnv = process.env): DeployedStacks {
  const region = env.AWS_REGION;
  if (!region) throw new Error('AWS_REGION is not set: set it, with AWS credentials, or pass --local');
  // Required on first use, as the handler does: only the AWS path needs the client.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cfn = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
  // The endpoint comes from AWS_ENDPOINT_URL_CLOUDFORMATION (or AWS_ENDPOINT_URL), as every SDK client reads it.
  const client = new cfn.CloudFormationClient({ region, maxAttempts: maxAttemptsFrom(env) });
  return {
    source: `CloudFormation in ${region}`,
    async read(stack) {
      const stackName = stack.cloudFormationName ?? stack.stackName;
      let body: string | undefined;
      try {
        ({ TemplateBody: body } = await client.send(
          new cfn.GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }),
        ));
      } catch (error) {
        if (isMissingStack(error)) return undefined;
        throw new Error(`GetTemplate ${stackName}: ${describe(error)}`, { cause: error });
      }
      let template: Template;
      try {
        template = JSON.parse(body ?? '') as Template;
      } catch {
        throw new Error(
          `GetTemplate ${stackName}: the deployed template is not JSON (the plan reads JSON templates only)`,
        );
      }
      // ListStackResources, not DescribeStackResources: that one returns 100 resources at most.
      const physicalIds = new Map<string, string>();
      let nextToken: string | undefined;
      try {
        do {
          const page = await client.send(
            new cfn.ListStackResourcesCommand({ StackName: stackName, NextToken: nextToken }),
          );
          for (const r of page.StackResourceSummaries ?? []) {
            if (r.LogicalResourceId && r.PhysicalResourceId && r.ResourceStatus !== 'DELETE_COMPLETE')
              physicalIds.set(r.LogicalResourceId, r.PhysicalResourceId);
          }
          nextToken = page.NextToken;
        } while (nextToken);
      } catch (error) {
        throw new Error(`ListStackResources ${stackName}: ${describe(error)}`, { cause: error });
      }
      const deployed = template.Resources ?? {};
      return {
        template,
        physicalIds,
        changed(resource) {
          const before = deployed[resource.logicalId]?.Properties ?? {};
          if (!isDeepStrictEqual(before, resource.properties)) return true;
          return dependsOnDeployValues(resource.properties, stack.template) ? undefined : false;
        },
      };
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The local deploy's stacks (`<state dir>/deployments.json`): their properties
 * are stored resolved, so a declared resource is compared once resolved the
 * same way (`resolve`: undefined when a value cannot be resolved locally).
 */
export function localStacks(
  stateFile: string,
  resolve: (stack: StackUsers, resource: UserResource) => Record<string, unknown> | undefined,
): DeployedStacks {
  const state = existsSync(stateFile) ? loadDeployState(stateFile) : {};
  return {
    source: stateFile,
    async read(stack) {
      const deployed = state[stack.stackName];
      if (!deployed || Object.keys(deployed.resources).length === 0) return undefined;
      return {
        ...deployedView(deployed),
        changed(resource) {
          const before = deployed.resources[resource.logicalId]?.properties;
          const after = resolve(stack, resource);
          return after === undefined ? undefined : !isDeepStrictEqual(before, after);
        },
      };
    },
  };
}
