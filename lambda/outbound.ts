// The handler's only door to the network: STS and the FinSpace Data API.
// Everything else in the runtime is plain logic that tests drive with fakes
// of this interface.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, RetryStrategyV2 } from '@smithy/types';
import { resolveFinspaceEndpoint } from '../finspace/endpoint';
import { DEFAULT_MAX_ATTEMPTS, REQUEST_TIMEOUT_MS, STACK_ID_ENV } from './consts';
import { roleSessionName } from './role-session';
import {
  FinspaceDataClient,
  type GetProgrammaticAccessCredentialsOutput,
  type GetUserInput,
  type GetUserOutput,
  type UpdateUserInput,
  type UserIdOutput,
  type UserStatusChangeInput,
} from '../finspace/client';

export interface AssumeRoleOptions {
  /** Sent as STS `ExternalId`, for a trust policy that requires one. */
  readonly externalId?: string;
}

/** Every call takes an optional signal that abandons it, retries included (the handler's time budget). */
export interface Outbound {
  /** IAM credentials of the admin role (STS AssumeRole), in a session named after the handler's stack. */
  assumeRole(roleArn: string, signal?: AbortSignal, options?: AssumeRoleOptions): Promise<AwsCredentialIdentity>;
  /** Step two of FinSpace's credentials, signed with the admin role's IAM credentials. */
  getProgrammaticAccessCredentials(
    iamCredentials: AwsCredentialIdentity,
    environmentId: string,
    durationInMinutes: number,
    signal?: AbortSignal,
  ): Promise<GetProgrammaticAccessCredentialsOutput>;
  /** User operations, signed with FinSpace-issued credentials. */
  getUser(
    finspaceCredentials: AwsCredentialIdentity,
    input: GetUserInput,
    signal?: AbortSignal,
  ): Promise<GetUserOutput>;
  updateUser(
    finspaceCredentials: AwsCredentialIdentity,
    input: UpdateUserInput,
    signal?: AbortSignal,
  ): Promise<UserIdOutput>;
  disableUser(
    finspaceCredentials: AwsCredentialIdentity,
    input: UserStatusChangeInput,
    signal?: AbortSignal,
  ): Promise<UserIdOutput>;
}

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
 * are. STS signs with the default credential chain unless `stsCredentials` are given.
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
  };
}
