// The local FinSpace endpoint and its state, against hostile or careless
// input: owner-only files whatever the umask, no expired secrets kept on disk,
// signatures for the endpoint's own region only, caller-chosen ids that are
// ordinary keys (never Object.prototype's), and malformed URIs that are the
// caller's error.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { FinspaceDataClient } from '../finspace/client';
import { atRestKey } from '../local/at-rest';
import { type Emulator, startEmulator } from '../local/emulator';
import {
  CLIENT_TOKEN_TTL_MS,
  type EmulatorState,
  LOCAL_HANDLER_CREDENTIALS,
  LOCAL_REGION,
  loadState,
  saveState,
} from '../local/emulator-state';
import { validateInput } from '../local/finspace-service';
import { localDeploy } from '../local/local-deploy';
import { seedFromDeclarations } from '../local/seed';
import { PROPERTY_NAMES } from '../lambda/resource-properties';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import {
  adminIamCredentials,
  clientFor,
  fastRetries,
  finspaceCredentials,
  rawRequest,
} from './support/emulator-session';
import { synthUsers } from './support/synth';

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-hardening-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every directory and file under `dir` with its permission bits. */
function modes(dir: string): { path: string; mode: number; directory: boolean }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isDirectory() || e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { path, mode: mode(path), directory: e.isDirectory() };
    });
}

describe('.finspace-local/ is owner-only, whatever the umask', () => {
  let umask: number;
  beforeEach(() => {
    umask = process.umask(0); // the most permissive: nothing is masked off for us
  });
  afterEach(() => process.umask(umask));

  test('state directory 0700, files 0600, the copied handler neither world-readable nor writable', async () => {
    const cdkOut = synthUsers(workDir, { Analyst: { firstName: 'Ada' } });
    const stateDir = join(workDir, '.finspace-local');
    // a state directory someone left open
    mkdirSync(stateDir, { mode: 0o777 });
    chmodSync(stateDir, 0o777);
    const result = await localDeploy({ projectDir: workDir, cdkOut, stateDir, seed: demoState, readUsers: false });
    expect(result.ok).toBe(true);

    const entries = modes(stateDir);
    expect(entries.map((e) => e.path.slice(stateDir.length + 1))).toEqual(
      expect.arrayContaining(['emulator.json', 'deployments.json', 'handler.log', 'handlers']),
    );
    expect(mode(stateDir)).toBe(0o700);
    for (const entry of entries)
      expect([entry.path, entry.mode]).toEqual([entry.path, entry.directory ? 0o700 : 0o600]);
  });

  test('the at-rest key, written first by a plan before any deploy, makes the directory 0700 too', () => {
    const stateDir = join(workDir, 'fresh');
    atRestKey(join(stateDir, 'emulator.json.key'));
    expect(mode(stateDir)).toBe(0o700);
    expect(mode(join(stateDir, 'emulator.json.key'))).toBe(0o600);
  });

  test('saveState writes 0600 even over a file that was world-readable', () => {
    const file = join(workDir, 'state', 'emulator.json');
    saveState(file, demoState());
    chmodSync(file, 0o666);
    saveState(file, demoState());
    expect(mode(file)).toBe(0o600);
    expect(mode(join(workDir, 'state'))).toBe(0o700);
  });
});

describe('.finspace-local/ stays out of git, though the app ignores nothing', () => {
  test('after a local deploy, git sees no file of it: names and keys are never committed', async () => {
    execFileSync('git', ['init', '-q'], { cwd: workDir });
    writeFileSync(join(workDir, 'app.ts'), '// the app\n');
    const cdkOut = synthUsers(workDir, { Analyst: { firstName: 'Ada' } });
    writeFileSync(join(workDir, '.gitignore'), `${relative(workDir, cdkOut)}\n`);
    const stateDir = join(workDir, '.finspace-local');
    const result = await localDeploy({ projectDir: workDir, cdkOut, stateDir, seed: demoState, readUsers: false });
    expect(result.ok).toBe(true);
    expect(readdirSync(stateDir)).toEqual(expect.arrayContaining(['emulator.json', 'deployments.json']));
    const untracked = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: workDir,
      encoding: 'utf8',
    });
    expect(untracked.split('\n').filter(Boolean).sort()).toEqual(['?? .gitignore', '?? app.ts']);
  });
});

describe('expired credentials and idempotency records are not kept', () => {
  test('the state file drops them on save, and on load of an older file', async () => {
    let clock = Date.now();
    const stateFile = join(workDir, 'emulator.json');
    const emulator = await startEmulator({ stateFile, seed: demoState, now: () => clock });
    try {
      const live = await finspaceCredentials(emulator); // FinSpace credentials for 15 minutes
      const client = clientFor(emulator, live);
      await client.updateUser({ userId: 'u-quant-analyst', firstName: 'Eve', clientToken: 'token-1' });
      let saved = JSON.parse(readFileSync(stateFile, 'utf8')) as EmulatorState;
      expect(Object.keys(saved.accessKeys)).toContain(live.accessKeyId);
      const firstToken = `${ENVIRONMENT}\ntoken-1`;
      expect(Object.keys(saved.idempotency)).toContain(firstToken);

      // past both the credentials' 15 minutes and the token's 10; the next change saves the state
      clock += Math.max(15 * 60_000, CLIENT_TOKEN_TTL_MS) + 1;
      const fresh = clientFor(emulator, await finspaceCredentials(emulator));
      await fresh.updateUser({ userId: 'u-quant-analyst', firstName: 'Eva' });
      saved = JSON.parse(readFileSync(stateFile, 'utf8')) as EmulatorState;
      expect(Object.keys(saved.accessKeys)).not.toContain(live.accessKeyId);
      expect(JSON.stringify(saved)).not.toContain(live.secretAccessKey);
      expect(Object.keys(saved.idempotency)).not.toContain(firstToken);
      // long-term keys stay
      expect(Object.keys(saved.accessKeys)).toContain(LOCAL_HANDLER_CREDENTIALS.accessKeyId);
      client.destroy();
      fresh.destroy();
    } finally {
      await emulator.close();
    }
  });

  test('loadState drops what expired since the file was written', () => {
    const state = demoState();
    const now = Date.now();
    state.accessKeys.ASIAEXPIRED = {
      secretAccessKey: 'old-secret',
      sessionToken: 't',
      expiresAt: now - 1,
      kind: 'iam',
    };
    state.accessKeys.ASIALIVE = {
      secretAccessKey: 'live-secret',
      sessionToken: 't',
      expiresAt: now + 60_000,
      kind: 'iam',
    };
    state.idempotency[`${ENVIRONMENT}\nold`] = { fingerprint: 'f', response: {}, at: now - CLIENT_TOKEN_TTL_MS - 1 };
    const file = join(workDir, 'emulator.json');
    // written as an older version would have: everything in it
    writeFileSync(file, JSON.stringify(state));
    const loaded = loadState(file, demoState, now);
    expect(Object.keys(loaded.accessKeys)).toEqual(expect.arrayContaining(['ASIALIVE']));
    expect(Object.keys(loaded.accessKeys)).not.toContain('ASIAEXPIRED');
    expect(loaded.idempotency).toEqual({});
  });
});

describe('with an endpoint', () => {
  let emulator: Emulator;
  beforeEach(async () => {
    emulator = await startEmulator({ seed: demoState });
  });
  afterEach(() => emulator.close());

  describe('SigV4: the credential scope names the endpoint’s region', () => {
    test('FinSpace signed for another region: InvalidSignatureException, and nothing changes', async () => {
      const credentials = await finspaceCredentials(emulator);
      const client = new FinspaceDataClient({
        region: 'eu-west-1',
        endpoint: emulator.url,
        credentials,
        retryStrategy: fastRetries(1),
      });
      await expect(client.updateUser({ userId: 'u-quant-analyst', firstName: 'Eve' })).rejects.toMatchObject({
        name: 'InvalidSignatureException',
        message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
        $metadata: { httpStatusCode: 403 },
      });
      expect(emulator.state.environments[ENVIRONMENT]['u-quant-analyst'].firstName).toBe('Ada');
      client.destroy();
      // the same credentials, signed for the endpoint's region, work
      const right = clientFor(emulator, credentials);
      await expect(right.getUser({ userId: 'u-quant-analyst' })).resolves.toBeDefined();
      right.destroy();
    });

    test('STS signed for another region: SignatureDoesNotMatch', async () => {
      const sts = (region: string) =>
        new STSClient({
          region,
          endpoint: emulator.url,
          credentials: {
            accessKeyId: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
            secretAccessKey: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
          },
          maxAttempts: 1,
        });
      const assume = new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'test' });
      const wrong = sts('eu-central-1');
      await expect(wrong.send(assume)).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        $metadata: { httpStatusCode: 403 },
      });
      wrong.destroy();
      const right = sts(LOCAL_REGION);
      await expect(right.send(assume)).resolves.toMatchObject({ Credentials: expect.anything() });
      right.destroy();
    });
  });

  describe('ids that are names of Object.prototype are ordinary ids', () => {
    const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

    test.each(PROTOTYPE_NAMES)(
      'an unknown user %s: ResourceNotFoundException, and no prototype changes',
      async (id) => {
        const client = clientFor(emulator, await finspaceCredentials(emulator));
        await expect(client.getUser({ userId: id })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
        await expect(client.updateUser({ userId: id, type: 'SUPER_USER', apiAccess: 'ENABLED' })).rejects.toMatchObject(
          {
            name: 'ResourceNotFoundException',
          },
        );
        await expect(client.disableUser({ userId: id })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
        expect(({} as Record<string, unknown>).type).toBeUndefined();
        expect(({} as Record<string, unknown>).apiAccess).toBeUndefined();
        client.destroy();
      },
    );

    test('an environment and users named so are created, managed and kept like any other', async () => {
      const declared = PROTOTYPE_NAMES.map((userId) => ({
        [PROPERTY_NAMES.environmentId]: 'constructor',
        [PROPERTY_NAMES.userId]: userId,
        [PROPERTY_NAMES.adminRoleArn]: ADMIN_ROLE,
      }));
      const stateFile = join(workDir, 'emulator.json');
      const first = await startEmulator({
        stateFile,
        seed: () => seedFromDeclarations(declared.map((properties) => ({ properties }))),
      });
      try {
        const admin = clientFor(first, adminIamCredentials(first));
        const { credentials } = await admin.getProgrammaticAccessCredentials({ environmentId: 'constructor' });
        admin.destroy();
        const client = clientFor(first, {
          accessKeyId: credentials!.accessKeyId!,
          secretAccessKey: credentials!.secretAccessKey!,
          sessionToken: credentials!.sessionToken,
        });
        for (const userId of PROTOTYPE_NAMES) {
          await client.updateUser({ userId, lastName: 'Ordinary' });
          await expect(client.getUser({ userId })).resolves.toMatchObject({ userId, lastName: 'Ordinary' });
        }
        const { users } = await client.listUsers({ maxResults: 10 });
        expect(users?.map((u) => u.userId)).toEqual(expect.arrayContaining(PROTOTYPE_NAMES));
        client.destroy();
      } finally {
        await first.close();
      }
      // and from the file, as a next run reads it
      const environmentId: string = 'constructor';
      const users = loadState(stateFile).environments[environmentId];
      expect(Object.keys(users).sort()).toEqual(expect.arrayContaining(PROTOTYPE_NAMES));
      expect(Object.hasOwn(users, '__proto__')).toBe(true);
      const proto: string = '__proto__';
      expect(users[proto].lastName).toBe('Ordinary');
      expect(({} as Record<string, unknown>).lastName).toBeUndefined();
    });

    test('an unknown environment toString: ValidationException (it does not exist)', async () => {
      const client = clientFor(emulator, adminIamCredentials(emulator));
      await expect(client.getProgrammaticAccessCredentials({ environmentId: 'toString' })).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Environment toString does not exist',
      });
      client.destroy();
    });

    test('an access key named toString is unknown, whatever secret signs it', async () => {
      const client = clientFor(emulator, { accessKeyId: 'toString', secretAccessKey: 'undefined' }, 1);
      await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
        $metadata: { httpStatusCode: 403 },
      });
      client.destroy();
    });

    test('a role ARN that names an Object.prototype member cannot be assumed: AccessDenied, not a server error', async () => {
      const sts = new STSClient({
        region: LOCAL_REGION,
        endpoint: emulator.url,
        credentials: {
          accessKeyId: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
          secretAccessKey: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
        },
        maxAttempts: 1,
      });
      // 20 characters: the shortest RoleArn STS accepts
      const command = new AssumeRoleCommand({ RoleArn: 'propertyIsEnumerable', RoleSessionName: 'test' });
      await expect(sts.send(command)).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
      sts.destroy();
    });

    test.each(['constructor', '__proto__', 'toString'])('a body member %s is an unknown member', (member) => {
      const raw = JSON.parse(`{"${member}": {"type": "SUPER_USER"}}`) as Record<string, unknown>;
      expect(() => validateInput('UpdateUser', raw, false)).toThrow(`Unknown member '${member}' for UpdateUser`);
      expect(() => validateInput('ListUsers', { [member]: '1', maxResults: '1' }, true)).toThrow(
        `Unknown member '${member}' for ListUsers`,
      );
    });
  });

  describe('a malformed % escape is a 400, never a server error', () => {
    test.each([
      ['GET', '/user/%E0%A4%A'],
      ['PUT', '/user/u-%zz'],
      ['POST', '/user/%/disable'],
      ['GET', '/user?maxResults=%FF'],
    ])('%s %s', async (method, path) => {
      const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        const response = await rawRequest(emulator, method, path);
        expect(response).toMatchObject({ status: 400, errorType: 'ValidationException' });
        expect(JSON.parse(response.body)).toEqual({ message: 'The request URI holds a malformed percent-encoding' });
        expect(stderr).not.toHaveBeenCalled();
      } finally {
        stderr.mockRestore();
      }
    });
  });
});
