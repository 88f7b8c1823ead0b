// A fake of the handler's only network module: it records every call with
// the credentials that signed it, and fails the calls a test scripts.
import type { AwsCredentialIdentity } from '@smithy/types';
import type { GetUserOutput } from '../../finspace/client';
import type { AssumeRoleOptions, Outbound } from '../../lambda/outbound';

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

export class FakeOutbound implements Outbound {
  readonly calls: RecordedCall[] = [];
  private issued = 0;
  private readonly failures = new Map<keyof Outbound, Error[]>();
  /** What GetUser answers per user id; a user not here is an enabled APP_USER without API access. */
  readonly liveUsers = new Map<string, GetUserOutput>();

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

  async getUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['getUser']>[1]) {
    this.record('getUser', credentials, input);
    return (
      this.liveUsers.get(input.userId) ?? {
        userId: input.userId,
        status: 'ENABLED' as const,
        type: 'APP_USER' as const,
        apiAccess: 'DISABLED' as const,
      }
    );
  }

  async updateUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['updateUser']>[1]) {
    this.record('updateUser', credentials, input);
    return { userId: input.userId };
  }

  async disableUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['disableUser']>[1]) {
    this.record('disableUser', credentials, input);
    return { userId: input.userId };
  }
}

/** An error shaped like one the FinSpace client throws. */
export function serviceError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}
