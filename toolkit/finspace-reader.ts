// Reads users from FinSpace the way the handler reaches it: as a principal
// that may assume the admin role, through the two-step credentials. Used by
// the local deploy's report, the plan and the import, against the local endpoint or AWS
// (local/finspace-reader.ts points it at the local endpoint).
import type { AwsCredentialIdentity } from '@smithy/types';
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { FinspaceDataClient, type GetUserOutput } from '../finspace/client';
import { resolveFinspaceEndpoint } from '../finspace/endpoint';
import { awsOutbound, maxAttemptsFrom } from '../lambda/aws-clients';
import { credentialsFetcher } from '../lambda/user-lifecycle';

export interface ReadTarget {
  readonly environmentId: string;
  readonly adminRoleArn: string;
  /** Sent with AssumeRole of the admin role, as the handler does. */
  readonly externalId?: string;
}

export interface FinspaceReader {
  /** Every user of the target's environment, by user id. */
  listUsers(target: ReadTarget): Promise<Map<string, GetUserOutput>>;
  getUser(target: ReadTarget, userId: string): Promise<GetUserOutput>;
}

export interface ReaderOptions {
  /** AWS_REGION and the endpoint variables, as an SDK reads them. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The caller's IAM credentials. @default - the SDK's default credential chain */
  readonly caller?: AwsCredentialIdentity;
}

export function finspaceReader(options: ReaderOptions = {}): FinspaceReader {
  const env = options.env ?? process.env;
  const region = env.AWS_REGION;
  if (!region) {
    throw new Error(
      'AWS_REGION is not set: set it, with AWS credentials, to read FinSpace in AWS; or pass --local to read the local endpoint',
    );
  }
  const endpoint = resolveFinspaceEndpoint(region, env).href;
  const outbound = awsOutbound(env, options.caller);
  const cache = new FinspaceCredentialsCache(credentialsFetcher(outbound));
  const clientFor = async (target: ReadTarget) => {
    const admin = { roleArn: target.adminRoleArn, externalId: target.externalId };
    const { credentials } = await cache.get(admin, target.environmentId);
    return new FinspaceDataClient({ region, endpoint, credentials, maxAttempts: maxAttemptsFrom(env) });
  };
  return {
    async listUsers(target) {
      const client = await clientFor(target);
      try {
        const users = new Map<string, GetUserOutput>();
        let nextToken: string | undefined;
        do {
          const page = await client.listUsers({ maxResults: 100, nextToken });
          for (const user of page.users ?? []) if (user.userId) users.set(user.userId, user);
          nextToken = page.nextToken;
        } while (nextToken);
        return users;
      } finally {
        client.destroy();
      }
    },
    async getUser(target, userId) {
      const client = await clientFor(target);
      try {
        return await client.getUser({ userId });
      } finally {
        client.destroy();
      }
    },
  };
}
