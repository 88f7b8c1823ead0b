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

/**
 * An item of the snapshot table as the handler reads and writes it: string
 * attributes (the time to live, a number, in its decimal form). Whatever is
 * read back is an input to validate (change-record.ts, user-claim.ts):
 * attributes of any other type are left out.
 */
export type StoredItem = Readonly<Record<string, string>>;

/**
 * A write's condition on the item it replaces: its `rev` attribute has this
 * value, or (undefined) the item has none (no item at all, or one the handler
 * did not write).
 */
export interface StoredRevision {
  readonly rev: string | undefined;
}

/** What CloudFormation says of the handler's stack (DescribeStacks); times in epoch milliseconds. */
export interface StackDescription {
  readonly status: string;
  readonly creationTime?: number;
  /** CloudFormation's `LastUpdatedTime`: absent until the stack's first update. */
  readonly lastUpdatedTime?: number;
}

/** One of the stack's events (DescribeStackEvents): a resource's, or the stack's own (its type AWS::CloudFormation::Stack). */
export interface StackEventSummary {
  readonly resourceType?: string;
  readonly physicalResourceId?: string;
  readonly resourceStatus?: string;
  /** Epoch milliseconds. */
  readonly timestamp: number;
}

/** A page of the stack's events, newest first, and the token of the next (older) page if there is one. */
export interface StackEventsPage {
  readonly events: readonly StackEventSummary[];
  readonly nextToken?: string;
}

/** What CloudFormation says of one resource of the stack (DescribeStackResource). */
export interface StackResource {
  readonly resourceType: string;
  readonly physicalResourceId?: string;
  readonly resourceStatus: string;
}

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
  /** The handler's own stack: its status and times (CloudFormation DescribeStacks). */
  describeStack(stackId: string, signal?: AbortSignal): Promise<StackDescription>;
  /** One page of the handler's own stack's events, newest first (CloudFormation DescribeStackEvents). */
  stackEvents(stackId: string, nextToken?: string, signal?: AbortSignal): Promise<StackEventsPage>;
  /**
   * One resource of the handler's own stack (CloudFormation DescribeStackResource), or undefined when
   * CloudFormation says the stack has no resource of that logical id.
   */
  stackResource(stackId: string, logicalId: string, signal?: AbortSignal): Promise<StackResource | undefined>;
  /** The item stored under `key`, if any (a strongly consistent read; expired ones too: the caller judges). */
  getItem(key: string, signal?: AbortSignal): Promise<StoredItem | undefined>;
  /**
   * Stores `item` (its key attribute included), in place of any item of that key; with `expected`, only
   * if the item it replaces has that revision. False when that condition did not hold (nothing written).
   */
  putItem(item: StoredItem, expected?: StoredRevision, signal?: AbortSignal): Promise<boolean>;
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
    describeStack: async (...args) => (await load()).describeStack(...args),
    stackEvents: async (...args) => (await load()).stackEvents(...args),
    stackResource: async (...args) => (await load()).stackResource(...args),
    getItem: async (...args) => (await load()).getItem(...args),
    putItem: async (...args) => (await load()).putItem(...args),
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
