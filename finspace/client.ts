// A small FinSpace Data API client (restJson1), typed after the Smithy model,
// for the operations FinspaceUser needs. @aws-sdk/client-finspace-data is not
// available to us, so this assembles the SDK's own parts: SigV4 signing, the
// Node HTTP handler, and the standard retry strategy and error classification.
import { randomUUID } from 'node:crypto';
import { HttpRequest } from '@smithy/core/protocols';
import { isServerError, isThrottlingError, isTransientError, StandardRetryStrategy } from '@smithy/core/retry';
import { Hash, streamCollector } from '@smithy/core/serde';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  RetryErrorType,
  RetryStrategyV2,
  SdkError,
} from '@smithy/types';
import type { ApiAccess, UserType } from './constraints';
import { errorFromResponse } from './errors';
import { resolveFinspaceEndpoint } from './endpoint';

/** SigV4 signing name of the FinSpace Data API. */
export const SIGNING_NAME = 'finspace-api';

export type UserStatus = 'CREATING' | 'ENABLED' | 'DISABLED';

export interface GetProgrammaticAccessCredentialsInput {
  readonly environmentId: string;
  /** 1 to 60. */
  readonly durationInMinutes?: number;
}
/** Short-term FinSpace API credentials (sensitive). */
export interface FinspaceApiCredentials {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
}
export interface GetProgrammaticAccessCredentialsOutput {
  readonly credentials?: FinspaceApiCredentials;
  readonly durationInMinutes?: number;
}
export interface GetUserInput {
  readonly userId: string;
}
export interface GetUserOutput {
  readonly userId?: string;
  readonly status?: UserStatus;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly emailAddress?: string;
  readonly type?: UserType;
  readonly apiAccess?: ApiAccess;
  readonly apiAccessPrincipalArn?: string;
  /** Epoch milliseconds, like the other times below. */
  readonly createTime?: number;
  readonly lastEnabledTime?: number;
  readonly lastDisabledTime?: number;
  readonly lastModifiedTime?: number;
  readonly lastLoginTime?: number;
}
export interface ListUsersInput {
  /** 1 to 100. */
  readonly maxResults: number;
  readonly nextToken?: string;
}
export interface ListUsersOutput {
  readonly users?: GetUserOutput[];
  readonly nextToken?: string;
}
export interface UpdateUserInput {
  readonly userId: string;
  readonly type?: UserType;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly apiAccess?: ApiAccess;
  readonly apiAccessPrincipalArn?: string;
  /** Idempotency token; a random one when left out, as in the SDK. */
  readonly clientToken?: string;
}
export interface UserIdOutput {
  readonly userId?: string;
}
export interface UserStatusChangeInput {
  readonly userId: string;
  readonly clientToken?: string;
}

export interface FinspaceDataClientConfig {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default - AWS_ENDPOINT_URL_FINSPACE_DATA, then AWS_ENDPOINT_URL, then https://finspace-api.{region}.amazonaws.com */
  readonly endpoint?: string;
  /** @default - the SDK's standard retry strategy with `maxAttempts` attempts */
  readonly retryStrategy?: RetryStrategyV2;
  /** @default 3, as in the SDK */
  readonly maxAttempts?: number;
  /** @default - a NodeHttpHandler with `requestTimeout` */
  readonly requestHandler?: NodeHttpHandler;
  /** Milliseconds a request may take before it is abandoned (and retried). @default 10000 */
  readonly requestTimeout?: number;
}

/** Per-call options, as the SDK's `client.send(command, options)` takes them. */
export interface CallOptions {
  /** Aborts the call, its retries and the waits between them. */
  readonly abortSignal?: AbortSignal;
}

interface Call {
  readonly operation: string;
  readonly method: 'GET' | 'PUT' | 'POST';
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: Record<string, unknown>;
}

const label = encodeURIComponent;

export class FinspaceDataClient {
  private readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly retryStrategy: RetryStrategyV2;
  private readonly maxAttempts: number;
  private readonly requestHandler: NodeHttpHandler;

  constructor(config: FinspaceDataClientConfig) {
    this.endpoint = config.endpoint ? new URL(config.endpoint) : resolveFinspaceEndpoint(config.region);
    this.signer = new SignatureV4({
      service: SIGNING_NAME,
      region: config.region,
      credentials: config.credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
    this.maxAttempts = config.maxAttempts ?? 3;
    this.retryStrategy = config.retryStrategy ?? new StandardRetryStrategy(this.maxAttempts);
    this.requestHandler =
      config.requestHandler ??
      new NodeHttpHandler({ requestTimeout: config.requestTimeout ?? 10_000, connectionTimeout: 5_000 });
  }

  getProgrammaticAccessCredentials(
    input: GetProgrammaticAccessCredentialsInput,
    options?: CallOptions,
  ): Promise<GetProgrammaticAccessCredentialsOutput> {
    const query: Record<string, string> = { environmentId: input.environmentId };
    if (input.durationInMinutes !== undefined) query.durationInMinutes = String(input.durationInMinutes);
    return this.send(
      { operation: 'GetProgrammaticAccessCredentials', method: 'GET', path: '/credentials/programmatic', query },
      options,
    );
  }

  getUser(input: GetUserInput, options?: CallOptions): Promise<GetUserOutput> {
    return this.send({ operation: 'GetUser', method: 'GET', path: `/user/${label(input.userId)}` }, options);
  }

  listUsers(input: ListUsersInput, options?: CallOptions): Promise<ListUsersOutput> {
    const query: Record<string, string> = { maxResults: String(input.maxResults) };
    if (input.nextToken !== undefined) query.nextToken = input.nextToken;
    return this.send({ operation: 'ListUsers', method: 'GET', path: '/user', query }, options);
  }

  updateUser(input: UpdateUserInput, options?: CallOptions): Promise<UserIdOutput> {
    const { userId, ...members } = input;
    const body = { ...members, clientToken: members.clientToken ?? randomUUID() };
    return this.send({ operation: 'UpdateUser', method: 'PUT', path: `/user/${label(userId)}`, body }, options);
  }

  disableUser(input: UserStatusChangeInput, options?: CallOptions): Promise<UserIdOutput> {
    return this.statusChange('DisableUser', 'disable', input, options);
  }

  enableUser(input: UserStatusChangeInput, options?: CallOptions): Promise<UserIdOutput> {
    return this.statusChange('EnableUser', 'enable', input, options);
  }

  private statusChange(
    operation: string,
    action: string,
    input: UserStatusChangeInput,
    options?: CallOptions,
  ): Promise<UserIdOutput> {
    const path = `/user/${label(input.userId)}/${action}`;
    return this.send(
      { operation, method: 'POST', path, body: { clientToken: input.clientToken ?? randomUUID() } },
      options,
    );
  }

  /** Closes kept-alive connections. */
  destroy(): void {
    this.requestHandler.destroy();
  }

  private async send<T>(call: Call, options: CallOptions = {}): Promise<T> {
    const signal = options.abortSignal;
    const invocationId = randomUUID();
    let token = await this.retryStrategy.acquireInitialRetryToken(SIGNING_NAME);
    for (let attempt = 1; ; attempt++) {
      try {
        abortIfAborted(signal, call.operation);
        const output = await this.attempt<T>(
          call,
          { 'amz-sdk-invocation-id': invocationId, 'amz-sdk-request': `attempt=${attempt}; max=${this.maxAttempts}` },
          signal,
        );
        this.retryStrategy.recordSuccess(token);
        return output;
      } catch (error) {
        if (signal?.aborted) throw abortError(signal, call.operation, error);
        try {
          token = await this.retryStrategy.refreshRetryTokenForRetry(token, {
            errorType: retryErrorType(error as SdkError),
            error: error as SdkError,
          });
        } catch {
          throw error;
        }
        await sleep(token.getRetryDelay(), signal);
        if (signal?.aborted) throw abortError(signal, call.operation, error);
      }
    }
  }

  private async attempt<T>(call: Call, sdkHeaders: Record<string, string>, abortSignal?: AbortSignal): Promise<T> {
    const basePath = this.endpoint.pathname.replace(/\/$/, '');
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const request = new HttpRequest({
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      method: call.method,
      path: `${basePath}${call.path}`,
      query: call.query,
      headers: {
        host: this.endpoint.host,
        ...sdkHeaders,
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
      },
      body,
    });
    const signed = await this.signer.sign(request);
    const { response } = await this.requestHandler.handle(signed as HttpRequest, { abortSignal });
    const text = Buffer.from(await streamCollector(response.body)).toString('utf8');
    const parsed = parseJson(text);
    if (response.statusCode >= 200 && response.statusCode < 300) return (parsed ?? {}) as T;
    const headers = lowerCaseKeys(response.headers);
    throw errorFromResponse(response.statusCode, headers['x-amzn-errortype'], parsed, headers['x-amzn-requestid']);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function abortIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw abortError(signal, operation);
}

/** The abort's reason names why (e.g. the handler's time budget); the last error, if any, what was happening. */
function abortError(signal: AbortSignal, operation: string, last?: unknown): Error {
  const why = signal.reason instanceof Error ? signal.reason.message : 'the call was aborted';
  const lastError =
    last instanceof Error && last.name !== 'AbortError' ? ` (last error: ${last.name}: ${last.message})` : '';
  return Object.assign(new Error(`${operation} abandoned: ${why}${lastError}`), { name: 'TimeoutError' });
}

/** The SDK's classification of an error for its retry strategy. */
function retryErrorType(error: SdkError): RetryErrorType {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
