// Helpers to talk to the local FinSpace endpoint as the admin role would.
import { request } from 'node:http';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { FinspaceDataClient } from '../../finspace/client';
import type { Emulator } from '../../local/emulator';
import type { AccessKeyRecord } from '../../local/emulator-state';
import { ADMIN_ROLE, ENVIRONMENT } from './events';

/** IAM credentials of the admin role, registered directly in the emulator (as if STS had issued them). */
export function adminIamCredentials(emulator: Emulator, accessKeyId = 'ASIATESTADMIN0000001'): AwsCredentialIdentity {
  const record: AccessKeyRecord = {
    secretAccessKey: 'admin-iam-secret',
    sessionToken: 'admin-iam-token',
    kind: 'iam',
    principalArn: ADMIN_ROLE,
  };
  emulator.state.accessKeys[accessKeyId] = record;
  return { accessKeyId, secretAccessKey: record.secretAccessKey, sessionToken: record.sessionToken };
}

/** Fast retries for tests: same strategy as production, 1 ms between attempts. */
export const fastRetries = (maxAttempts: number) => new ConfiguredRetryStrategy(maxAttempts, () => 1);

export function clientFor(emulator: Emulator, credentials: AwsCredentialIdentity, maxAttempts = 3): FinspaceDataClient {
  return new FinspaceDataClient({
    region: 'us-east-1',
    endpoint: emulator.url,
    credentials,
    retryStrategy: fastRetries(maxAttempts),
    maxAttempts,
  });
}

/** FinSpace credentials for the admin, obtained the two-step way. */
export async function finspaceCredentials(emulator: Emulator): Promise<AwsCredentialIdentity> {
  const client = clientFor(emulator, adminIamCredentials(emulator));
  const { credentials } = await client.getProgrammaticAccessCredentials({
    environmentId: ENVIRONMENT,
    durationInMinutes: 15,
  });
  client.destroy();
  return {
    accessKeyId: credentials!.accessKeyId!,
    secretAccessKey: credentials!.secretAccessKey!,
    sessionToken: credentials!.sessionToken,
  };
}

/** An unsigned (or hand-signed) HTTP request to the endpoint, for what an SDK would never send. */
export function rawRequest(
  emulator: Emulator,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; errorType?: string; body: string }> {
  const url = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          errorType: res.headers['x-amzn-errortype'] as string | undefined,
          body: text,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}
