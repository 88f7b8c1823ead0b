// A fake of the handler's only network module: it records every call with
// the credentials that signed it, and fails the calls a test scripts. It
// keeps FinSpace users (UpdateUser changes them), a stack status and a
// snapshot table, as the real services would.
import type { AwsCredentialIdentity } from '@smithy/types';
import type { GetUserOutput } from '../../finspace/client';
import type { AssumeRoleOptions, Outbound } from '../../lambda/outbound';
import type { Snapshot } from '../../lambda/snapshot-store';
import type { UserClaim } from '../../lambda/user-claim';

export const IAM_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'ASIAADMINROLE',
  secretAccessKey: 'iam-secret',
  sessionToken: 'iam-token',
};

export interface RecordedCall {
  readonly operation: keyof Outbound;
  readonly signedWith: string;
  readonly input: unknown;
}

/** How a user reads when a test did not put it in `users`. */
export function existingUser(userId: string): GetUserOutput {
  return {
    userId,
    status: 'ENABLED',
    type: 'APP_USER',
    firstName: 'Grace',
    lastName: 'Murray',
    apiAccess: 'DISABLED',
    emailAddress: `${userId}@example.com`,
  };
}

export class FakeOutbound implements Outbound {
  readonly calls: RecordedCall[] = [];
  /** FinSpace users by id; one not here reads as `existingUser(id)`. */
  readonly users = new Map<string, GetUserOutput>();
  /** The snapshot table. */
  readonly snapshots = new Map<string, Snapshot>();
  readonly claims = new Map<string, UserClaim>();
  /** What DescribeStacks answers. */
  stackStatusNow = 'UPDATE_IN_PROGRESS';
  private issued = 0;
  private readonly failures = new Map<keyof Outbound, Error[]>();
  /** What GetUser answers per user id; a user not here is an enabled APP_USER without API access. */

  /** The next calls of `operation` throw these errors, in order. */
  failNext(operation: keyof Outbound, ...errors: Error[]): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
  }

  writes(): RecordedCall[] {
    return this.calls.filter((c) => c.operation === 'updateUser' || c.operation === 'disableUser');
  }

  private record(operation: keyof Outbound, credentials: AwsCredentialIdentity | undefined, input: unknown): void {
    this.calls.push({ operation, signedWith: credentials?.accessKeyId ?? '', input });
    const error = this.failures.get(operation)?.shift();
    if (error) throw error;
  }

  async assumeRole(roleArn: string, _signal?: AbortSignal, options: AssumeRoleOptions = {}) {
    this.record('assumeRole', undefined, options.externalId === undefined ? { roleArn } : { roleArn, ...options });
    return IAM_CREDENTIALS;
  }

  async getProgrammaticAccessCredentials(iam: AwsCredentialIdentity, environmentId: string, durationInMinutes: number) {
    this.record('getProgrammaticAccessCredentials', iam, { environmentId, durationInMinutes });
    this.issued += 1;
    return {
      credentials: {
        accessKeyId: `FSIA${this.issued}`,
        secretAccessKey: `finspace-secret-${this.issued}`,
        sessionToken: `finspace-token-${this.issued}`,
      },
      durationInMinutes,
    };
  }

  /** The user as FinSpace holds it now. */
  user(userId: string): GetUserOutput {
    return this.users.get(userId) ?? existingUser(userId);
  }

  async getUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['getUser']>[1]) {
    this.record('getUser', credentials, input);
    return { ...this.user(input.userId) };
  }

  async updateUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['updateUser']>[1]) {
    this.record('updateUser', credentials, input);
    const { clientToken: _, ...fields } = input;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    this.users.set(input.userId, { ...this.user(input.userId), ...defined });
    return { userId: input.userId };
  }

  async stackStatus(stackId: string) {
    this.record('stackStatus', undefined, { stackId });
    return this.stackStatusNow;
  }

  async getSnapshot(key: string) {
    this.record('getSnapshot', undefined, { key });
    return this.snapshots.get(key);
  }

  async putSnapshot(snapshot: Snapshot) {
    this.record('putSnapshot', undefined, { key: snapshot.key });
    // as the conditional put: a redelivered event keeps the snapshot it took first
    if (this.snapshots.get(snapshot.key)?.requestId !== snapshot.requestId) this.snapshots.set(snapshot.key, snapshot);
  }

  async deleteSnapshot(key: string) {
    this.record('deleteSnapshot', undefined, { key });
    this.snapshots.delete(key);
  }

  async getClaim(key: string) {
    this.record('getClaim', undefined, { key });
    return this.claims.get(key);
  }

  async putClaim(claim: UserClaim) {
    this.record('putClaim', undefined, { key: claim.key, holder: claim.holder });
    this.claims.set(claim.key, claim);
  }

  async deleteClaim(key: string) {
    this.record('deleteClaim', undefined, { key });
    this.claims.delete(key);
  }

  async disableUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['disableUser']>[1]) {
    this.record('disableUser', credentials, input);
    this.users.set(input.userId, { ...this.user(input.userId), status: 'DISABLED' });
    return { userId: input.userId };
  }
}

/** An error shaped like one the FinSpace client throws. */
export function serviceError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}
