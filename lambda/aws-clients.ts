// The calls behind `Outbound` (outbound.ts), made with the AWS SDK: STS, the
// FinSpace Data API, the handler's stack status in CloudFormation and its
// snapshot table in DynamoDB. The handler loads this module on the first
// call that needs it (it is the bulk of the bundle); the CLI uses it directly.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, RetryStrategyV2 } from '@smithy/types';
import { resolveFinspaceEndpoint } from '../finspace/endpoint';
import {
  DEFAULT_MAX_ATTEMPTS,
  REQUEST_TIMEOUT_MS,
  SNAPSHOT_KEY_ATTRIBUTE,
  SNAPSHOT_REVISION_ATTRIBUTE,
  SNAPSHOT_TABLE_ENV,
  SNAPSHOT_TTL_ATTRIBUTE,
  STACK_ID_ENV,
} from './consts';
import { roleSessionName } from './role-session';
import type {
  Outbound,
  StackDescription,
  StackEventsPage,
  StackResource,
  StoredItem,
  StoredRevision,
} from './outbound';
import { FinspaceDataClient } from '../finspace/client';

/** Reads AWS_MAX_ATTEMPTS as the SDK does, with a default that rides out a stack-wide burst. */
export function maxAttemptsFrom(env: NodeJS.ProcessEnv): number {
  const configured = Number(env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_ATTEMPTS;
}

/** AWS_RETRY_MODE as the SDK reads it: `standard` (the default) or `adaptive` (client-side rate limiting too). */
export function retryStrategyFrom(env: NodeJS.ProcessEnv, maxAttempts: number): RetryStrategyV2 {
  return env.AWS_RETRY_MODE === 'adaptive'
    ? new AdaptiveRetryStrategy(maxAttempts)
    : new StandardRetryStrategy(maxAttempts);
}

/**
 * The real network, configured from the environment the way AWS SDK clients
 * are. STS, CloudFormation and DynamoDB sign with the default credential chain
 * (the handler's role) unless `stsCredentials` are given.
 */
export function awsOutbound(env: NodeJS.ProcessEnv = process.env, stsCredentials?: AwsCredentialIdentity): Outbound {
  const region = env.AWS_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  const maxAttempts = maxAttemptsFrom(env);
  // One retry budget and one connection pool for every FinSpace call of this instance.
  const retryStrategy = retryStrategyFrom(env, maxAttempts);
  const requestHandler = new NodeHttpHandler({ requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: 5_000 });
  // The SDK reads AWS_ENDPOINT_URL_STS from process.env by itself; another env is read here the same way.
  const stsEndpoint = env === process.env ? undefined : (env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL);
  const sts = new STSClient({
    region,
    maxAttempts,
    retryMode: env.AWS_RETRY_MODE,
    endpoint: stsEndpoint,
    credentials: stsCredentials,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
  });
  // The same for the handler's own stack services, made on first use: the CLI reads users through this
  // module too, and neither needs nor installs these clients (they are bundled into the handler only).
  const serviceConfig = (service: 'CLOUDFORMATION' | 'DYNAMODB') => ({
    region,
    maxAttempts,
    retryMode: env.AWS_RETRY_MODE,
    endpoint: env === process.env ? undefined : (env[`AWS_ENDPOINT_URL_${service}`] ?? env.AWS_ENDPOINT_URL),
    credentials: stsCredentials,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
  });
  let stackServices: ReturnType<typeof makeStackServices> | undefined;
  const services = () => (stackServices ??= makeStackServices(serviceConfig, env[SNAPSHOT_TABLE_ENV]));
  const endpoint = resolveFinspaceEndpoint(region, env).href;
  const finspace = (credentials: AwsCredentialIdentity) =>
    new FinspaceDataClient({ region, endpoint, credentials, retryStrategy, maxAttempts, requestHandler });

  // The admin role's CloudTrail shows which stack acted.
  const sessionName = roleSessionName(env[STACK_ID_ENV]);

  return {
    async assumeRole(roleArn, signal, options = {}) {
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: 900,
          ExternalId: options.externalId,
        }),
        { abortSignal: signal },
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('STS AssumeRole returned no credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    },
    getProgrammaticAccessCredentials: (iam, environmentId, durationInMinutes, signal) =>
      finspace(iam).getProgrammaticAccessCredentials({ environmentId, durationInMinutes }, { abortSignal: signal }),
    getUser: (credentials, input, signal) => finspace(credentials).getUser(input, { abortSignal: signal }),
    updateUser: (credentials, input, signal) => finspace(credentials).updateUser(input, { abortSignal: signal }),
    disableUser: (credentials, input, signal) => finspace(credentials).disableUser(input, { abortSignal: signal }),
    describeStack: (stackId, signal) => services().describeStack(stackId, signal),
    stackEvents: (stackId, nextToken, signal) => services().stackEvents(stackId, nextToken, signal),
    stackResource: (stackId, logicalId, signal) => services().stackResource(stackId, logicalId, signal),
    getItem: (key, signal) => services().getItem(key, signal),
    putItem: (item, expected, signal) => services().putItem(item, expected, signal),
  };
}

type ServiceConfig = (service: 'CLOUDFORMATION' | 'DYNAMODB') => {
  region: string;
  maxAttempts: number;
  retryMode?: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity;
  requestHandler: { requestTimeout: number };
};

/** CloudFormation (the stack's status) and DynamoDB (the stack's snapshot table), required on first use. */
function makeStackServices(config: ServiceConfig, tableName: string | undefined) {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cfn = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
  const ddb = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  const cloudformation = new cfn.CloudFormationClient(config('CLOUDFORMATION'));
  const dynamodb = new ddb.DynamoDBClient(config('DYNAMODB'));
  const table = () => {
    if (!tableName) throw new Error(`${SNAPSHOT_TABLE_ENV} is not set: the handler has no snapshot table`);
    return tableName;
  };
  return {
    async describeStack(stackId: string, signal?: AbortSignal): Promise<StackDescription> {
      const { Stacks } = await cloudformation.send(new cfn.DescribeStacksCommand({ StackName: stackId }), {
        abortSignal: signal,
      });
      const stack = Stacks?.[0];
      if (!stack?.StackStatus) throw new Error(`DescribeStacks returned no status for ${stackId}`);
      return {
        status: stack.StackStatus,
        creationTime: stack.CreationTime?.getTime(),
        lastUpdatedTime: stack.LastUpdatedTime?.getTime(),
      };
    },
    async stackEvents(stackId: string, nextToken?: string, signal?: AbortSignal): Promise<StackEventsPage> {
      const page = await cloudformation.send(
        new cfn.DescribeStackEventsCommand({ StackName: stackId, NextToken: nextToken }),
        { abortSignal: signal },
      );
      return {
        events: (page.StackEvents ?? []).flatMap((e) =>
          e.Timestamp === undefined
            ? []
            : [
                {
                  resourceType: e.ResourceType,
                  physicalResourceId: e.PhysicalResourceId,
                  resourceStatus: e.ResourceStatus,
                  timestamp: e.Timestamp.getTime(),
                },
              ],
        ),
        nextToken: page.NextToken,
      };
    },
    async stackResource(stackId: string, logicalId: string, signal?: AbortSignal): Promise<StackResource | undefined> {
      let detail;
      try {
        ({ StackResourceDetail: detail } = await cloudformation.send(
          new cfn.DescribeStackResourceCommand({ StackName: stackId, LogicalResourceId: logicalId }),
          { abortSignal: signal },
        ));
      } catch (error) {
        // CloudFormation's answer for a logical id the stack does not have.
        const { name, message } = error as Error;
        if (name === 'ValidationError' && /^Resource .* does not exist for stack/.test(message)) {
          return undefined;
        }
        throw error;
      }
      if (!detail?.ResourceType || !detail.ResourceStatus) return undefined;
      return {
        resourceType: detail.ResourceType,
        physicalResourceId: detail.PhysicalResourceId,
        resourceStatus: detail.ResourceStatus,
      };
    },
    async getItem(key: string, signal?: AbortSignal): Promise<StoredItem | undefined> {
      // Read what the last write left, not an eventually consistent copy.
      const { Item } = await dynamodb.send(
        new ddb.GetItemCommand({
          TableName: table(),
          Key: { [SNAPSHOT_KEY_ATTRIBUTE]: { S: key } },
          ConsistentRead: true,
        }),
        { abortSignal: signal },
      );
      if (!Item) return undefined;
      const item: Record<string, string> = {};
      for (const [name, value] of Object.entries(Item)) {
        const text = value.S ?? value.N;
        if (text !== undefined) item[name] = text;
      }
      return item;
    },
    async putItem(item: StoredItem, expected?: StoredRevision, signal?: AbortSignal): Promise<boolean> {
      const attributes = Object.fromEntries(
        Object.entries(item).map(([name, value]) => [
          name,
          name === SNAPSHOT_TTL_ATTRIBUTE ? { N: value } : { S: value },
        ]),
      );
      const condition =
        expected === undefined
          ? {}
          : {
              ConditionExpression: expected.rev === undefined ? 'attribute_not_exists(#rev)' : '#rev = :rev',
              ExpressionAttributeNames: { '#rev': SNAPSHOT_REVISION_ATTRIBUTE },
              ...(expected.rev === undefined ? {} : { ExpressionAttributeValues: { ':rev': { S: expected.rev } } }),
            };
      try {
        await dynamodb.send(new ddb.PutItemCommand({ TableName: table(), Item: attributes, ...condition }), {
          abortSignal: signal,
        });
        return true;
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return false;
        throw error;
      }
    },
  };
}
