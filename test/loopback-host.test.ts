// The local endpoints answer only requests addressed to a loopback host: a
// web page reaching 127.0.0.1 under a name of its own (DNS rebinding) gets
// 421, and its request does nothing, however well it is signed.
import { request } from 'node:http';
import { HttpRequest } from '@smithy/core/protocols';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { type CloudFormationEndpoint, startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { type Emulator, startEmulator } from '../local/emulator';
import { isLoopbackHost } from '../local/loopback-host';
import { demoState } from './support/demo-state';
import { finspaceCredentials, rawRequest } from './support/emulator-session';
import { ENVIRONMENT } from './support/events';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ seed: demoState });
});
afterEach(() => emulator.close());

/** Sends `method path` to 127.0.0.1:`port` with `host` in its Host header, the body as given. */
function send(
  port: number,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, host } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An UpdateUser of the analyst's first name, signed with the admin's FinSpace credentials for `host`. */
async function signedUpdate(host: string): Promise<{ headers: Record<string, string>; body: string }> {
  const signer = new SignatureV4({
    service: 'finspace-api',
    region: 'us-east-1',
    credentials: await finspaceCredentials(emulator),
    sha256: Hash.bind(null, 'sha256'),
  });
  const body = JSON.stringify({ firstName: 'Mallory' });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'PUT',
      protocol: 'http:',
      hostname: host.split(':')[0],
      path: '/user/u-quant-analyst',
      headers: { host, 'content-type': 'application/json' },
      body,
    }),
  );
  return { headers: signed.headers as Record<string, string>, body };
}

test('a signed write addressed to another host name is refused with 421 and changes nothing', async () => {
  const host = `rebound.example:${emulator.port}`;
  const { headers, body } = await signedUpdate(host);
  const calls = emulator.calls.length;
  const response = await send(emulator.port, host, 'PUT', '/user/u-quant-analyst', headers, body);
  expect(response.status).toBe(421);
  expect(response.body).toContain('answers only requests to 127.0.0.1, localhost or [::1]');
  expect(emulator.state.environments[ENVIRONMENT]['u-quant-analyst'].firstName).toBe('Ada');
  expect(emulator.calls).toHaveLength(calls);
});

test('the same request addressed to the loopback host is served', async () => {
  const host = `127.0.0.1:${emulator.port}`;
  const { headers, body } = await signedUpdate(host);
  const response = await send(emulator.port, host, 'PUT', '/user/u-quant-analyst', headers, body);
  expect(response.status).toBe(200);
  expect(emulator.state.environments[ENVIRONMENT]['u-quant-analyst'].firstName).toBe('Mallory');
});

test.each(['localhost', 'LOCALHOST', '[::1]', '127.0.0.1'])('%s:<port> reaches the endpoint', async (name) => {
  const response = await send(emulator.port, `${name}:${emulator.port}`, 'GET', '/user/u-quant-analyst');
  // unsigned: the endpoint's own answer, not the refusal
  expect(response.status).toBe(403);
});

test.each(['127.0.0.1.nip.io', 'localhost.attacker.example', '127.0.0.2', '0.0.0.0', 'rebound.example'])(
  '%s:<port> is refused',
  async (name) => {
    expect((await send(emulator.port, `${name}:${emulator.port}`, 'GET', '/user/u-quant-analyst')).status).toBe(421);
  },
);

test('so is a loopback name on another port, or no port (but on port 80), or no Host at all', async () => {
  expect((await send(emulator.port, `127.0.0.1:${emulator.port + 1}`, 'GET', '/user/x')).status).toBe(421);
  expect((await send(emulator.port, 'localhost', 'GET', '/user/x')).status).toBe(421);
  expect(isLoopbackHost(undefined, emulator.port)).toBe(false);
  expect(isLoopbackHost('localhost', 80)).toBe(true);
});

test('the rawRequest helper (the SDKs too) sends the loopback host, so tests and SDKs are unaffected', async () => {
  expect((await rawRequest(emulator, 'GET', '/user/u-quant-analyst')).status).toBe(403);
});

describe('the local CloudFormation endpoint', () => {
  let cloudformation: CloudFormationEndpoint;
  beforeEach(async () => {
    cloudformation = await startCloudFormationEndpoint();
  });
  afterEach(() => cloudformation.close());

  test('an answer PUT at a ResponseURL under another host name is refused and not taken', async () => {
    const channel = cloudformation.openResponse();
    const url = new URL(channel.url);
    const answer = JSON.stringify({ Status: 'SUCCESS' });
    const refused = await send(Number(url.port), `rebound.example:${url.port}`, 'PUT', url.pathname, {}, answer);
    expect(refused.status).toBe(421);
    expect(channel.received()).toBeUndefined();
    const taken = await send(Number(url.port), url.host, 'PUT', url.pathname, {}, answer);
    expect(taken.status).toBe(200);
    expect(channel.received()).toEqual({ Status: 'SUCCESS' });
  });
});
