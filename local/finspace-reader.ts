// Reads users from a FinSpace endpoint the way the handler reaches it: as a
// principal that may assume the admin role, through the two-step credentials.
import type { AwsCredentialIdentity } from '@smithy/types';
import { FinspaceCredentialsCache } from '../lambda/finspace-credentials';
import { FinspaceDataClient, type GetUserOutput } from '../lambda/finspace-client';
import { awsOutbound } from '../lambda/outbound';
import { credentialsFetcher } from '../lambda/user-lifecycle';

export interface ReadTarget {
  readonly environmentId: string;
  readonly adminRoleArn: string;
}

export interface FinspaceReader {
  /** Every user of the target's environment, by user id. */
  listUsers(target: ReadTarget): Promise<Map<string, GetUserOutput>>;
  getUser(target: ReadTarget, userId: string): Promise<GetUserOutput>;
}

export function finspaceReader(endpoint: string, region: string, caller: AwsCredentialIdentity): FinspaceReader {
  const env = { AWS_REGION: region, AWS_ENDPOINT_URL: endpoint };
  const outbound = awsOutbound(env, caller);
  const cache = new FinspaceCredentialsCache(credentialsFetcher(outbound));
  const clientFor = async (target: ReadTarget) => {
    const { credentials } = await cache.get(target.adminRoleArn, target.environmentId);
    return new FinspaceDataClient({ region, endpoint, credentials, maxAttempts: 10 });
  };
  return {
    async listUsers(target) {
      const client = await clientFor(target);
      const users = new Map<string, GetUserOutput>();
      let nextToken: string | undefined;
      do {
        const page = await client.listUsers({ maxResults: 100, nextToken });
        for (const user of page.users ?? []) if (user.userId) users.set(user.userId, user);
        nextToken = page.nextToken;
      } while (nextToken);
      client.destroy();
      return users;
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
