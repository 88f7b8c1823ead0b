import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AccessDeniedException,
  FinspaceDataServiceException,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '../finspace/errors';
import { resolveFinspaceEndpoint } from '../finspace/endpoint';
import { FinspaceDataClient } from '../finspace/client';
import { type Emulator, startEmulator } from '../local/emulator';
import { verifySigV4 } from '../local/sigv4';
import { demoState } from './support/demo-state';
import { ENVIRONMENT } from './support/events';
import { adminIamCredentials, clientFor, fastRetries, finspaceCredentials } from './support/emulator-session';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ seed: demoState });
});
afterEach(() => emulator.close());

const users = () => emulator.state.environments[ENVIRONMENT];

describe('the wire format, read by an independent SigV4 verifier', () => {
  test('UpdateUser is a signed PUT /user/{userId} with the declared members as JSON', async () => {
    const seen: { req: IncomingMessage; body: Buffer }[] = [];
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      seen.push({ req, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"userId":"u 1/x"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const credentials = {
      accessKeyId: 'FSIAEXAMPLE',
      secretAccessKey: 'finspace-secret',
      sessionToken: 'finspace-token',
    };
    const client = new FinspaceDataClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials });
    const output = await client.updateUser({
      userId: 'u 1/x',
      type: 'APP_USER',
      firstName: 'Ada',
      clientToken: 'token-1',
    });
    client.destroy();
    server.close();

    expect(output).toEqual({ userId: 'u 1/x' });
    const { req, body } = seen[0];
    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/user/u%201%2Fx');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(body.toString())).toEqual({ type: 'APP_USER', firstName: 'Ada', clientToken: 'token-1' });
    expect(req.headers['x-amz-security-token']).toBe('finspace-token');
    const verdict = verifySigV4({ method: 'PUT', url: req.url!, headers: req.headers, body }, 'finspace-api', (id) =>
      id === 'FSIAEXAMPLE' ? { secretAccessKey: 'finspace-secret', sessionToken: 'finspace-token' } : undefined,
    );
    expect(verdict).toEqual({ ok: true, accessKeyId: 'FSIAEXAMPLE', region: 'eu-west-1' });
    // and the same bytes with another secret do not verify
    expect(
      verifySigV4({ method: 'PUT', url: req.url!, headers: req.headers, body }, 'finspace-api', () => ({
        secretAccessKey: 'other',
        sessionToken: 'finspace-token',
      })).ok,
    ).toBe(false);
  });
});

describe('against the local FinSpace endpoint', () => {
  test('the two-step credentials, then GetUser and UpdateUser', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await client.updateUser({ userId: 'u-quant-analyst', lastName: 'Lovelace', apiAccess: 'ENABLED' });
    const user = await client.getUser({ userId: 'u-quant-analyst' });
    client.destroy();
    expect(user).toMatchObject({
      userId: 'u-quant-analyst',
      status: 'ENABLED',
      firstName: 'Ada',
      lastName: 'Lovelace',
      apiAccess: 'ENABLED',
    });
    expect(typeof user.lastModifiedTime).toBe('number');
  });

  test('DisableUser and EnableUser change status and timestamps', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await client.disableUser({ userId: 'u-contractor' });
    expect(users()['u-contractor']).toMatchObject({ status: 'DISABLED', lastDisabledTime: expect.any(Number) });
    await client.enableUser({ userId: 'u-contractor' });
    expect(users()['u-contractor'].status).toBe('ENABLED');
    client.destroy();
  });

  test('errors are the model error classes', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    const missing = await client.getUser({ userId: 'u-nobody' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toBeInstanceOf(FinspaceDataServiceException);
    expect(missing).toMatchObject({
      name: 'ResourceNotFoundException',
      $fault: 'client',
      $metadata: { httpStatusCode: 404 },
    });
    const invalid = await client
      .updateUser({ userId: 'u-quant-analyst', firstName: 'x'.repeat(51) })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationException);
    expect((invalid as Error).message).toMatch(/firstName/);
    client.destroy();
  });

  test('a user operation signed with IAM credentials is refused: AccessDeniedException', async () => {
    const client = clientFor(emulator, adminIamCredentials(emulator));
    await expect(client.updateUser({ userId: 'u-quant-analyst', firstName: 'Eve' })).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
    expect(users()['u-quant-analyst'].firstName).toBe('Ada');
    client.destroy();
  });

  test('a wrong secret is refused by the signature check', async () => {
    const good = await finspaceCredentials(emulator);
    const client = clientFor(emulator, { ...good, secretAccessKey: 'wrong' });
    await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    client.destroy();
  });

  test('throttling and 5xx are retried until they pass, counted at the endpoint', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator), 10);
    emulator.faults.configure({ throttleProbability: 0.5, errorProbability: 0.2, seed: 7 });
    for (let i = 0; i < 10; i++) await client.getUser({ userId: 'u-quant-analyst' });
    const getUsers = emulator.calls.filter((c) => c.operation === 'GetUser');
    expect(getUsers.filter((c) => c.statusCode === 200)).toHaveLength(10);
    expect(getUsers.some((c) => c.errorName === 'ThrottlingException')).toBe(true);
    expect(getUsers.some((c) => c.errorName === 'InternalServerException')).toBe(true);
    client.destroy();
  });

  test('a connection reset is retried', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator), 10);
    emulator.faults.configure({ resetProbability: 0.5, seed: 3 });
    for (let i = 0; i < 6; i++) {
      await expect(client.getUser({ userId: 'u-quant-analyst' })).resolves.toMatchObject({ userId: 'u-quant-analyst' });
    }
    expect(emulator.calls.filter((c) => c.fault === 'reset').length).toBeGreaterThan(0);
    client.destroy();
  });

  test('retries stop at maxAttempts with the last error', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator), 4);
    emulator.faults.configure({ throttleProbability: 1 });
    await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toBeInstanceOf(ThrottlingException);
    expect(emulator.calls.filter((c) => c.operation === 'GetUser')).toHaveLength(4);
    emulator.faults.configure({ errorProbability: 1 });
    await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toBeInstanceOf(InternalServerException);
    client.destroy();
  });

  test('client errors are not retried', async () => {
    const client = new FinspaceDataClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: await finspaceCredentials(emulator),
      retryStrategy: fastRetries(10),
    });
    await expect(client.getUser({ userId: 'u-nobody' })).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(emulator.calls.filter((c) => c.operation === 'GetUser')).toHaveLength(1);
    client.destroy();
  });
});

describe('endpoint resolution, by the SDK rules', () => {
  test.each([
    [{}, 'https://finspace-api.eu-west-2.amazonaws.com/'],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:1/' }, 'http://127.0.0.1:1/'],
    [
      { AWS_ENDPOINT_URL: 'http://127.0.0.1:1/', AWS_ENDPOINT_URL_FINSPACE_DATA: 'http://127.0.0.1:2/' },
      'http://127.0.0.1:2/',
    ],
    [
      { AWS_ENDPOINT_URL_FINSPACE_DATA: 'http://127.0.0.1:2/', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      'https://finspace-api.eu-west-2.amazonaws.com/',
    ],
  ])('%o → %s', (env, expected) => {
    expect(resolveFinspaceEndpoint('eu-west-2', env).href).toBe(expected);
  });
});
