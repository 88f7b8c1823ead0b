// The handler's only door to the network. `Outbound` is every call the
// lifecycle makes (STS, the FinSpace Data API, its stack's status, its
// snapshot table); `putResponse` is the answer to CloudFormation. Everything
// else in the runtime is plain logic that tests drive with fakes of this
// interface.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AwsCredentialIdentity } from '@smithy/types';
import type {
  GetProgrammaticAccessCredentialsOutput,
  GetUserInput,
  GetUserOutput,
  UpdateUserInput,
  UserIdOutput,
  UserStatusChangeInput,
} from '../finspace/client';
import { REQUEST_TIMEOUT_MS } from './consts';
import type { Snapshot } from './snapshot-store';
import type { UserClaim } from './user-claim';

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
  /** The StackStatus of the handler's own stack (CloudFormation DescribeStacks). */
  stackStatus(stackId: string, signal?: AbortSignal): Promise<string>;
  /** The snapshot stored under `key`, if any (expired ones too: the caller judges). */
  getSnapshot(key: string, signal?: AbortSignal): Promise<Snapshot | undefined>;
  /** Stores it, unless the store already holds one taken by the same request (a redelivered event). */
  putSnapshot(snapshot: Snapshot, signal?: AbortSignal): Promise<void>;
  deleteSnapshot(key: string, signal?: AbortSignal): Promise<void>;
  /** Which resource of the stack holds a user (user-claim.ts), if any; expired ones too: the caller judges. */
  getClaim(key: string, signal?: AbortSignal): Promise<UserClaim | undefined>;
  /** Stores it, in place of any claim of the same user. */
  putClaim(claim: UserClaim, signal?: AbortSignal): Promise<void>;
  deleteClaim(key: string, signal?: AbortSignal): Promise<void>;
}

/**
 * The SDK calls (aws-clients.ts, most of the bundle), loaded by the first
 * call that needs them: a cold start for a no-op update, which calls
 * nothing, never loads them.
 */
export function lazyOutbound(): Outbound {
  let real: Promise<Outbound> | undefined;
  // A plain require, kept lazy: a dynamic import would make Node lex the whole file for its exports first.
  const load = () =>
    (real ??= Promise.resolve().then(() =>
      (require('./aws-clients.js') as typeof import('./aws-clients.js')).awsOutbound(),
    ));
  return {
    assumeRole: async (...args) => (await load()).assumeRole(...args),
    getProgrammaticAccessCredentials: async (...args) => (await load()).getProgrammaticAccessCredentials(...args),
    getUser: async (...args) => (await load()).getUser(...args),
    updateUser: async (...args) => (await load()).updateUser(...args),
    disableUser: async (...args) => (await load()).disableUser(...args),
    stackStatus: async (...args) => (await load()).stackStatus(...args),
    getSnapshot: async (...args) => (await load()).getSnapshot(...args),
    putSnapshot: async (...args) => (await load()).putSnapshot(...args),
    deleteSnapshot: async (...args) => (await load()).deleteSnapshot(...args),
    getClaim: async (...args) => (await load()).getClaim(...args),
    putClaim: async (...args) => (await load()).putClaim(...args),
    deleteClaim: async (...args) => (await load()).deleteClaim(...args),
  };
}

/**
 * PUTs the response to the event's ResponseURL, a pre-signed S3 URL, and
 * resolves with the HTTP status. The content type is empty because it is
 * part of what the URL was signed for. Errors never repeat the URL: it is a
 * capability to answer for the stack.
 */
export function putResponse(url: string, body: string, signal?: AbortSignal): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const put = request(
      target,
      {
        method: 'PUT',
        headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
        timeout: REQUEST_TIMEOUT_MS,
        signal,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    put.on('timeout', () => put.destroy(new Error(`the response URL did not answer in ${REQUEST_TIMEOUT_MS} ms`)));
    put.on('error', reject);
    put.end(body);
  });
}
