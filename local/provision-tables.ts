// CloudFormation creates a stack's tables before the functions that use
// them: the local deploy does the same against the local endpoint, with
// CreateTable and UpdateTimeToLive (a table that exists already is kept).
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalTableSpec } from '../toolkit/cloud-assembly';
import { LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION } from './emulator-state';

async function dynamodbCall(endpoint: string, operation: string, input: unknown): Promise<void> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 'dynamodb',
    region: LOCAL_REGION,
    credentials: LOCAL_HANDLER_CREDENTIALS,
    sha256: Hash.bind(null, 'sha256'),
  });
  const body = JSON.stringify(input);
  const signed = await signer.sign(
    new HttpRequest({
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port) || undefined,
      method: 'POST',
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDB_20120810.${operation}`,
      },
      body,
    }),
  );
  const response = await fetch(new URL('/', url), {
    method: 'POST',
    headers: signed.headers as Record<string, string>,
    body,
  });
  if (response.ok) return;
  // DynamoDB names the error in the body's `__type`, `<namespace>#<name>`.
  const answer = (await response.json()) as Record<string, string | undefined>;
  const errorName = (answer['__type'] ?? String(response.status)).split('#').pop();
  if (errorName === 'ResourceInUseException') return; // provisioned by an earlier run
  throw new Error(`DynamoDB ${operation} on the local endpoint: ${errorName}: ${answer.message ?? ''}`);
}

export async function provisionTables(endpoint: string, tables: readonly LocalTableSpec[]): Promise<void> {
  for (const table of tables) {
    await dynamodbCall(endpoint, 'CreateTable', {
      TableName: table.tableName,
      KeySchema: table.keySchema,
      BillingMode: 'PAY_PER_REQUEST',
    });
    if (table.ttlAttribute) {
      await dynamodbCall(endpoint, 'UpdateTimeToLive', {
        TableName: table.tableName,
        TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
      });
    }
  }
}
