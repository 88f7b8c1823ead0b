// The local FinSpace endpoint: an HTTP server on loopback that speaks the
// FinSpace Data API (restJson1, SigV4 service `finspace-api`), STS
// AssumeRole (query protocol, SigV4 service `sts`) and the DynamoDB
// operations of the handler's snapshot table (awsJson1_0, `dynamodb`), each
// judged by the table's resource policy against its signer, on one
// port. Which one a request is for follows from the service in its signature scope.
// It answers only requests addressed to a loopback host (loopback-host.ts).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { atRestKey } from './at-rest';
import { callerIdentity, DYNAMODB_TARGET_PREFIX, DynamoDbService } from './dynamodb-service';
import {
  type AccessKeyRecord,
  type EmulatorState,
  emptyState,
  hardenState,
  LOCAL_HANDLER_CREDENTIALS,
  LOCAL_REGION,
  loadState,
  saveState,
} from './emulator-state';
import { FaultInjector, type FaultOptions } from './faults';
import { refusedAsMisdirected } from './loopback-host';
import { FinspaceService, type Input, validateInput, validateUserIdLabel } from './finspace-service';
import { ServiceError, validation } from './service-error';
import { type Verification, verifySigV4 } from './sigv4';
import type { AppDeclarations } from './app-declarations';
import { checkTrustPolicies } from './role-trust';
import { type Seeded, seedFromDeclarations, seedWhatIsNew } from './seed';
import { assumeRole, stsErrorXml } from './sts-service';

export interface EmulatorOptions {
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** @default - loaded from `stateFile`, or `seed` */
  readonly state?: EmulatorState;
  /** The state to start from when there is no `state` nor a `stateFile` yet. @default - an empty account */
  readonly seed?: () => EmulatorState;
  /**
   * What the app declares (local/app-declarations.ts). Its users seed the
   * state to start from when there is none yet and no `seed`, and at each
   * start are added to a kept state where they were never seeded before
   * (nothing there is overwritten; local/seed.ts). The roles its templates
   * define get their trust policies at each start, as CloudFormation sets
   * them, and the local handler's key acts as its stacks' handler roles.
   * @default - no app: the state as it is
   */
  readonly app?: () => AppDeclarations;
  /** Where state is kept between runs; written after every change. @default - memory only */
  readonly stateFile?: string;
  readonly faults?: FaultOptions;
  /** The emulator's clock (tests move it to expire credentials). @default Date.now */
  readonly now?: () => number;
}

/** One request as the endpoint saw it: identifiers and member names only, never values. */
export interface CallRecord {
  readonly service: 'finspace' | 'sts' | 'dynamodb';
  readonly operation: string;
  readonly statusCode: number;
  readonly errorName?: string;
  readonly userId?: string;
  /** Names of the members in the request body. */
  readonly members: readonly string[];
  readonly fault?: string;
}

export interface Emulator {
  readonly url: string;
  readonly port: number;
  readonly state: EmulatorState;
  readonly calls: CallRecord[];
  readonly faults: FaultInjector;
  /** What this start seeded from `declared` into a kept state. */
  readonly seeded: Seeded;
  close(): Promise<void>;
}

/** The user operations that change FinSpace state. */
export const WRITE_OPERATIONS = new Set(['UpdateUser', 'CreateUser', 'DisableUser', 'EnableUser']);

interface Route {
  readonly operation: string;
  readonly userId?: string;
}

function route(method: string, path: string): Route | undefined {
  const segments = path.split('/').slice(1);
  if (method === 'GET' && path === '/credentials/programmatic')
    return { operation: 'GetProgrammaticAccessCredentials' };
  if (segments[0] !== 'user') return undefined;
  if (segments.length === 1)
    return method === 'GET' ? { operation: 'ListUsers' } : method === 'POST' ? { operation: 'CreateUser' } : undefined;
  const userId = decodeURIComponent(segments[1]);
  if (segments.length === 2) {
    if (method === 'GET') return { operation: 'GetUser', userId };
    if (method === 'PUT') return { operation: 'UpdateUser', userId };
  }
  if (segments.length === 3 && method === 'POST') {
    if (segments[2] === 'disable') return { operation: 'DisableUser', userId };
    if (segments[2] === 'enable') return { operation: 'EnableUser', userId };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new ServiceError('ValidationException', 413, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Every `%` escape must decode (to UTF-8): a malformed one is the caller's error, a 400, never a 500. */
function checkPercentEncoding(url: string): void {
  try {
    decodeURIComponent(url);
  } catch {
    throw validation('The request URI holds a malformed percent-encoding');
  }
}

function scopeService(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '')?.[1];
}

/** The app's roles, with the trust policies its templates give them, and its handler roles for the handler's key. */
function applyApp(state: EmulatorState, app: AppDeclarations): void {
  for (const [arn, role] of Object.entries(app.roles)) state.roles[arn] = role;
  const { accessKeyId, secretAccessKey, principalArn } = LOCAL_HANDLER_CREDENTIALS;
  const key = (state.accessKeys[accessKeyId] ??= { secretAccessKey, kind: 'iam', principalArn });
  key.actsAs = [...app.handlerRoleArns];
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const now = options.now ?? Date.now;
  const app = options.app?.();
  const declared = app && (() => seedFromDeclarations(app.declarations));
  const seed = options.seed ?? declared ?? emptyState;
  const state = hardenState(options.state ?? (options.stateFile ? loadState(options.stateFile, seed, now()) : seed()));
  // What the app declares now and was never seeded: an environment, user or admin role added since the first run.
  const seeded = declared ? seedWhatIsNew(state, declared()) : { environments: [], users: [], roles: [] };
  if (app) applyApp(state, app);
  // A trust policy the endpoint cannot evaluate (edited in the state file) stops it here, named.
  checkTrustPolicies(state);
  const region = state.region ?? LOCAL_REGION;
  const finspace = new FinspaceService(state, now);
  // DynamoDB items are sealed with a key kept beside the state file (in memory without one).
  const dynamodb = new DynamoDbService(state, atRestKey(options.stateFile && `${options.stateFile}.key`), now);
  const faults = new FaultInjector(options.faults, now);
  const calls: CallRecord[] = [];
  const persist = () => {
    if (options.stateFile) saveState(options.stateFile, state, now());
  };
  // The record of what was seeded is kept from the start: a user removed from the file before any change stays removed.
  if (app) persist();

  const lookup = (accessKeyId: string) => state.accessKeys[accessKeyId];

  type Recorder = (statusCode: number, errorName?: string, fault?: string) => void;
  const recorder =
    (call: Omit<CallRecord, 'statusCode' | 'errorName' | 'fault'>): Recorder =>
    (statusCode, errorName, fault) =>
      calls.push({ ...call, statusCode, errorName, fault });

  function reset(req: IncomingMessage, record: Recorder): void {
    record(0, undefined, 'reset');
    req.socket.destroy();
  }

  function handleSts(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    verification: Verification,
    requestId: string,
  ): void {
    const form = new URLSearchParams(body.toString('utf8'));
    const members = [...form.keys()].filter((k) => k !== 'Action' && k !== 'Version');
    const record = recorder({ service: 'sts', operation: form.get('Action') ?? 'Unknown', members });
    const fail = (error: ServiceError, fault?: string) => {
      res.writeHead(error.statusCode, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(stsErrorXml(error, requestId));
      record(error.statusCode, error.errorName, fault);
    };
    const fault = faults.nextSts();
    if (fault === 'reset') return reset(req, record);
    if (fault === 'throttle') return fail(new ServiceError('Throttling', 400, 'Rate exceeded'), fault);
    if (!verification.ok) {
      const code =
        verification.error === 'UnrecognizedClientException' ? 'InvalidClientTokenId' : 'SignatureDoesNotMatch';
      return fail(new ServiceError(code, 403, verification.message));
    }
    const caller = state.accessKeys[verification.accessKeyId];
    if (caller.expiresAt !== undefined && caller.expiresAt <= now()) {
      return fail(new ServiceError('ExpiredToken', 403, 'The security token included in the request is expired'));
    }
    try {
      const xml = assumeRole(state, caller, form, now());
      persist();
      res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(xml);
      record(200);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      fail(error);
    }
  }

  function handleDynamoDb(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    verification: Verification,
    requestId: string,
  ): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(DYNAMODB_TARGET_PREFIX) ? target.slice(DYNAMODB_TARGET_PREFIX.length) : target;
    const call = { service: 'dynamodb' as const, operation, members: [] as string[] };
    const answer = (statusCode: number, payload: unknown, errorName?: string) => {
      res.writeHead(statusCode, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(payload));
      recorder(call)(statusCode, errorName);
    };
    const fail = (error: ServiceError) =>
      answer(
        error.statusCode,
        { __type: `com.amazonaws.dynamodb.v20120810#${error.errorName}`, message: error.message },
        error.errorName,
      );
    if (!verification.ok) {
      return fail(
        new ServiceError(
          verification.error === 'UnrecognizedClientException'
            ? 'UnrecognizedClientException'
            : 'InvalidSignatureException',
          400,
          verification.message,
        ),
      );
    }
    try {
      const input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      call.members = Object.keys(input);
      const output = dynamodb.invoke(operation, input, callerIdentity(state.accessKeys[verification.accessKeyId]));
      persist();
      answer(200, output);
    } catch (error) {
      if (error instanceof SyntaxError)
        return fail(new ServiceError('SerializationException', 400, 'The request body is not valid JSON'));
      if (!(error instanceof ServiceError)) throw error;
      fail(error);
    }
  }

  /** The request's input members: the query of a GET, else the JSON body. */
  function rawInput(req: IncomingMessage, url: URL, body: Buffer): Record<string, unknown> {
    if (req.method === 'GET') return Object.fromEntries(url.searchParams);
    if (body.length === 0) return {};
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      throw new ServiceError('ValidationException', 400, 'Content-Type must be application/json');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ServiceError('ValidationException', 400, 'The request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ServiceError('ValidationException', 400, 'The request body must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  }

  function invoke(operation: string, caller: AccessKeyRecord, userId: string | undefined, input: Input): unknown {
    if (operation === 'GetProgrammaticAccessCredentials') {
      if (caller.expiresAt !== undefined && caller.expiresAt <= now()) {
        throw new ServiceError('ExpiredTokenException', 403, 'The security token included in the request is expired');
      }
      return finspace.getProgrammaticAccessCredentials(caller, input);
    }
    const users = finspace.authorizeUserAdmin(caller);
    const environmentId = caller.environmentId as string;
    switch (operation) {
      case 'GetUser':
        return finspace.getUser(users, userId as string);
      case 'ListUsers':
        return finspace.listUsers(users, input);
      case 'CreateUser':
        return finspace.createUser(environmentId, users, input);
      case 'UpdateUser':
        return finspace.updateUser(environmentId, users, userId as string, input);
      case 'DisableUser':
        return finspace.setStatus(environmentId, users, userId as string, input, 'DISABLED');
      default:
        return finspace.setStatus(environmentId, users, userId as string, input, 'ENABLED');
    }
  }

  function handleFinspace(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    verification: Verification,
    requestId: string,
  ): void {
    const url = new URL(req.url ?? '/', 'http://local');
    const found = route(req.method ?? 'GET', url.pathname);
    const call = {
      service: 'finspace' as const,
      operation: found?.operation ?? 'Unknown',
      userId: found?.userId,
      members: [] as string[],
    };
    const record: Recorder = (statusCode, errorName, fault) => recorder(call)(statusCode, errorName, fault);
    const fail = (error: ServiceError, fault?: string) => {
      res.writeHead(error.statusCode, {
        'content-type': 'application/json',
        'x-amzn-errortype': error.errorName,
        'x-amzn-requestid': requestId,
      });
      res.end(JSON.stringify({ message: error.message }));
      record(error.statusCode, error.errorName, fault);
    };
    if (!found)
      return fail(new ServiceError('UnknownOperationException', 404, `No operation at ${req.method} ${url.pathname}`));

    const fault = faults.nextFinspace();
    if (fault === 'reset') return reset(req, record);
    if (fault === 'throttle') return fail(new ServiceError('ThrottlingException', 429, 'Rate exceeded'), fault);
    if (fault === 'error')
      return fail(new ServiceError('InternalServerException', 500, 'Injected internal error'), fault);
    if (!verification.ok) {
      const name =
        verification.error === 'MissingAuthenticationToken'
          ? 'MissingAuthenticationTokenException'
          : verification.error;
      return fail(new ServiceError(name, 403, verification.message));
    }
    try {
      const raw = rawInput(req, url, body);
      call.members = Object.keys(raw);
      if (found.userId !== undefined) validateUserIdLabel(found.userId);
      const input = validateInput(found.operation, raw, req.method === 'GET');
      const output = invoke(found.operation, state.accessKeys[verification.accessKeyId], found.userId, input);
      persist();
      res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify(output));
      record(200);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      fail(error);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    checkPercentEncoding(req.url ?? '/');
    const body = await readBody(req);
    const latency = faults.latency();
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const scope = scopeService(req.headers.authorization);
    const service = scope === 'sts' || scope === 'dynamodb' ? scope : 'finspace-api';
    // Clock skew is judged against the wall clock the signer used; `now` (which tests move) governs expiry.
    const verification = verifySigV4(
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body },
      { service, region },
      lookup,
      Date.now(),
    );
    if (service === 'sts') handleSts(req, res, body, verification, requestId);
    else if (service === 'dynamodb') handleDynamoDb(req, res, body, verification, requestId);
    else handleFinspace(req, res, body, verification, requestId);
  }

  const server: Server = createServer((req, res) => {
    // Before anything else: a request for another host (DNS rebinding) is not read, recorded or answered.
    if (refusedAsMisdirected(req, res, (server.address() as AddressInfo).port)) return;
    handle(req, res).catch((error: unknown) => {
      if (error instanceof ServiceError && !res.headersSent) {
        res.writeHead(error.statusCode, { 'content-type': 'application/json', 'x-amzn-errortype': error.errorName });
        res.end(JSON.stringify({ message: error.message }));
        return;
      }
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalServerException' });
        res.end(JSON.stringify({ message: 'Emulator error' }));
      }
      process.stderr.write(`emulator: ${(error as Error).stack ?? String(error)}\n`);
    });
  });
  server.keepAliveTimeout = 5_000;
  const requestedPort = options.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${requestedPort} is in use (another endpoint, LocalStack say): choose another with --port`)
          : error,
      ),
    );
    server.listen(requestedPort, options.host ?? '127.0.0.1', resolve);
  });
  const { port, address } = server.address() as AddressInfo;

  return {
    url: `http://${address}:${port}`,
    port,
    state,
    calls,
    faults,
    seeded,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
