// CloudFormation creates a stack's tables before the functions that use
// them: the local deploy does the same against the local endpoint, with
// CreateTable (and the table's resource policy) and UpdateTimeToLive, signed
// as the local deployer, who stands for the role that deploys the stack. A
// table that exists already is kept, and given the template's policy and
// time to live when its own differ (CloudFormation would leave a policy
// changed out of band alone until the template's changed; here the
// template's always stands).
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalTableSpec, StackUsers, Template } from '../toolkit/cloud-assembly';
import { type ResolveContext, resolveProperties } from '../toolkit/resolve-properties';
import { LOCAL_ACCOUNT, LOCAL_DEPLOYER_CREDENTIALS, LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION } from './emulator-state';
import { withStandIns } from './resource-policy';

/** What resolving a table's policy needs: its template, and how the local deploy resolves the stack's values. */
export interface TablePolicyContext {
  readonly template: Template;
  readonly resolve: Omit<ResolveContext, 'serviceToken'>;
  /** The role CloudFormation deploys the stack as, `${AWS::AccountId}` placeholders and all (StackUsers). */
  readonly cloudFormationExecutionRoleArn?: string;
}

/** How the local deploy resolves `stack`'s tables' policies, with the stack's parameters. */
export function tablePolicyContext(stack: StackUsers, parameters?: Record<string, string>): TablePolicyContext {
  return {
    template: stack.template,
    resolve: { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, stackName: stack.stackName, parameters },
    cloudFormationExecutionRoleArn: stack.cloudFormationExecutionRoleArn,
  };
}

class DynamoDbCallError extends Error {
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

async function dynamodbCall(endpoint: string, operation: string, input: unknown): Promise<Record<string, unknown>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: LOCAL_REGION,
    credentials: LOCAL_DEPLOYER_CREDENTIALS,
    sha256: Hash.bind(null, 'sha256'),
  });
  const body = JSON.stringify(input);
  const signed = await signer.sign(
    new HttpRequest({
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port) || undefined,
      method: 'POST',
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    }),
  );
  const response = await fetch(new URL('/', url), {
    method: 'POST',
    headers: signed.headers as Record<string, string>,
    body,
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.ok) return answer;
  // DynamoDB names the error in the body's `__type`, `<namespace>#<name>`.
  const errorName = String(answer['__type'] ?? response.status)
    .split('#')
    .pop() as string;
  throw new DynamoDbCallError(
    errorName,
    `DynamoDB ${operation} on the local endpoint: ${errorName}: ${String(answer.message ?? '')}`,
  );
}

/**
 * The table's policy document, its references resolved as the local deploy
 * resolves the stack's other values, and the two roles the local deploy
 * plays resolved to the principals it plays them with: the role of the
 * function that uses the table (the handler runs with the local handler's
 * credentials) and the role CloudFormation deploys the stack as (the local
 * deploy provisions with the local deployer's).
 */
function localTablePolicy(table: LocalTableSpec, context: TablePolicyContext): string | undefined {
  if (table.resourcePolicy === undefined) return undefined;
  const deployer = context.cloudFormationExecutionRoleArn;
  const resolved = resolveProperties(
    {
      policy: table.resourcePolicy,
      ...(table.userRole === undefined ? {} : { userRole: table.userRole }),
      ...(deployer === undefined ? {} : { deployer: { 'Fn::Sub': deployer } }),
    },
    context.template,
    { ...context.resolve, serviceToken: '' },
  );
  const standIns: Record<string, string> = {};
  if (typeof resolved.userRole === 'string') standIns[resolved.userRole] = LOCAL_HANDLER_CREDENTIALS.principalArn;
  if (typeof resolved.deployer === 'string') standIns[resolved.deployer] = LOCAL_DEPLOYER_CREDENTIALS.principalArn;
  return JSON.stringify(withStandIns(resolved.policy, standIns));
}

/** The policy the table has now, if any. */
async function currentPolicy(endpoint: string, resourceArn: string): Promise<string | undefined> {
  try {
    return String((await dynamodbCall(endpoint, 'GetResourcePolicy', { ResourceArn: resourceArn })).Policy);
  } catch (error) {
    if (error instanceof DynamoDbCallError && error.errorName === 'PolicyNotFoundException') return undefined;
    throw error;
  }
}

/**
 * Creates each table, with its resource policy (resolved with `context`:
 * a table that has one needs it), or brings an existing table's policy in
 * line with the template's.
 */
export async function provisionTables(
  endpoint: string,
  tables: readonly LocalTableSpec[],
  context?: TablePolicyContext,
): Promise<void> {
  for (const table of tables) {
    if (table.resourcePolicy !== undefined && context === undefined) {
      throw new Error(`${table.tableName}: a table with a resource policy needs its template to resolve the policy`);
    }
    const policy = context === undefined ? undefined : localTablePolicy(table, context);
    try {
      await dynamodbCall(endpoint, 'CreateTable', {
        TableName: table.tableName,
        KeySchema: table.keySchema,
        BillingMode: 'PAY_PER_REQUEST',
        ...(policy === undefined ? {} : { ResourcePolicy: policy }),
      });
    } catch (error) {
      if (!(error instanceof DynamoDbCallError) || error.errorName !== 'ResourceInUseException') throw error;
      // provisioned by an earlier run: the template's policy stands
      const resourceArn = `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${table.tableName}`;
      const current = context === undefined ? undefined : await currentPolicy(endpoint, resourceArn);
      if (policy !== undefined && policy !== current) {
        await asDeployer(table, () =>
          dynamodbCall(endpoint, 'PutResourcePolicy', { ResourceArn: resourceArn, Policy: policy }),
        );
      } else if (policy === undefined && current !== undefined) {
        await asDeployer(table, () => dynamodbCall(endpoint, 'DeleteResourcePolicy', { ResourceArn: resourceArn }));
      }
    }
    // As CloudFormation, only when it changes.
    const ttl = (await dynamodbCall(endpoint, 'DescribeTimeToLive', { TableName: table.tableName }))
      .TimeToLiveDescription as { AttributeName?: string; TimeToLiveStatus?: string } | undefined;
    const currentTtl = ttl?.TimeToLiveStatus === 'ENABLED' ? ttl.AttributeName : undefined;
    if (table.ttlAttribute !== currentTtl) {
      await asDeployer(table, () =>
        dynamodbCall(endpoint, 'UpdateTimeToLive', {
          TableName: table.tableName,
          TimeToLiveSpecification: {
            AttributeName: table.ttlAttribute ?? currentTtl,
            Enabled: table.ttlAttribute !== undefined,
          },
        }),
      );
    }
  }
}

/** A change the table's policy refuses the local deployer says how to get past it. */
async function asDeployer<T>(table: LocalTableSpec, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof DynamoDbCallError) || error.errorName !== 'AccessDeniedException') throw error;
    throw new Error(
      `${error.message} (the local deploy changes ${table.tableName} as the role the stack's manifest has ` +
        "CloudFormation deploy it as; the table's policy names another: `finspace-user local --reset` makes it anew)",
      { cause: error },
    );
  }
}
