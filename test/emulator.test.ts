// The local FinSpace endpoint: the model's validation, SigV4 and the two-step
// credential model, idempotency tokens, and the wire format as AWS's own
// SDK (aws-sdk v2, which nobody here wrote) serializes it.
import FinSpaceData from 'aws-sdk/clients/finspacedata';
import STS from 'aws-sdk/clients/sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AccessDeniedException, ConflictException, ValidationException } from '../finspace/errors';
import { awsOutbound } from '../lambda/aws-clients';
import type { Outbound } from '../lambda/outbound';
import { provisionTables } from '../local/provision-tables';
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { credentialsFetcher, onEvent } from '../lambda/user-lifecycle';
import { type Emulator, startEmulator } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS } from '../local/emulator-state';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, createEvent, ENVIRONMENT } from './support/events';
import { adminIamCredentials, clientFor, finspaceCredentials, rawRequest } from './support/emulator-session';

let emulator: Emulator;
let clock = Date.now();
beforeEach(async () => {
  clock = Date.now();
  emulator = await startEmulator({ now: () => clock, seed: demoState });
});
afterEach(() => emulator.close());

const users = () => emulator.state.environments[ENVIRONMENT];

describe('compatibility with aws-sdk v2 (AWS serializers and signer)', () => {
  test('STS AssumeRole, GetProgrammaticAccessCredentials, then every user operation', async () => {
    const sts = new STS({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: {
        accessKeyId: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
        secretAccessKey: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
      },
    });
    const { Credentials: role } = await sts
      .assumeRole({ RoleArn: ADMIN_ROLE, RoleSessionName: 'compat-test' })
      .promise();
    const asAdmin = new FinSpaceData({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: {
        accessKeyId: role!.AccessKeyId,
        secretAccessKey: role!.SecretAccessKey,
        sessionToken: role!.SessionToken,
      },
    });
    const issued = await asAdmin
      .getProgrammaticAccessCredentials({ environmentId: ENVIRONMENT, durationInMinutes: 30 })
      .promise();
    expect(issued.durationInMinutes).toBe(30);

    const fs = new FinSpaceData({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: {
        accessKeyId: issued.credentials!.accessKeyId!,
        secretAccessKey: issued.credentials!.secretAccessKey!,
        sessionToken: issued.credentials!.sessionToken,
      },
    });
    const listed = await fs.listUsers({ maxResults: 2 }).promise();
    expect(listed.users).toHaveLength(2);
    expect(listed.nextToken).toBeDefined();
    const rest = await fs.listUsers({ maxResults: 100, nextToken: listed.nextToken }).promise();
    expect(listed.users!.length + rest.users!.length).toBe(Object.keys(users()).length);

    await fs
      .updateUser({
        userId: 'u-quant-analyst',
        type: 'SUPER_USER',
        firstName: 'Augusta',
        lastName: 'King',
        apiAccess: 'ENABLED',
        apiAccessPrincipalArn: 'arn:aws:iam::123456789012:role/DataPipeline',
      })
      .promise();
    const got = await fs.getUser({ userId: 'u-quant-analyst' }).promise();
    expect(got).toMatchObject({
      userId: 'u-quant-analyst',
      type: 'SUPER_USER',
      firstName: 'Augusta',
      lastName: 'King',
      apiAccess: 'ENABLED',
      status: 'ENABLED',
    });
    expect(typeof got.lastModifiedTime).toBe('number');

    await fs.disableUser({ userId: 'u-quant-analyst' }).promise();
    expect((await fs.getUser({ userId: 'u-quant-analyst' }).promise()).status).toBe('DISABLED');
    await fs.enableUser({ userId: 'u-quant-analyst' }).promise();
    const created = await fs
      .createUser({ emailAddress: 'new.person@example.com', type: 'APP_USER', firstName: 'New' })
      .promise();
    expect(users()[created.userId!]).toMatchObject({
      emailAddress: 'new.person@example.com',
      status: 'ENABLED',
      type: 'APP_USER',
    });
  });

  test('its errors parse into the model error names', async () => {
    const fs = new FinSpaceData({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: (await finspaceCredentials(emulator)) as never,
      maxRetries: 0,
    });
    await expect(fs.getUser({ userId: 'u-nobody' }).promise()).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      statusCode: 404,
    });
    await expect(
      fs.updateUser({ userId: 'u-quant-analyst', firstName: 'x'.repeat(51) }).promise(),
    ).rejects.toMatchObject({ code: 'ValidationException', statusCode: 400 });
  });
});

describe('authentication and the two-step credential model', () => {
  test('an unsigned request is refused', async () => {
    const response = await rawRequest(emulator, 'GET', '/user/u-quant-analyst');
    expect(response).toMatchObject({ status: 403, errorType: 'MissingAuthenticationTokenException' });
  });

  test('a wrong signature is refused', async () => {
    const good = await finspaceCredentials(emulator);
    const client = clientFor(emulator, { ...good, secretAccessKey: `${good.secretAccessKey}x` });
    await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
  });

  test('IAM credentials on a user operation: AccessDeniedException, nothing changed', async () => {
    const client = clientFor(emulator, adminIamCredentials(emulator));
    await expect(client.updateUser({ userId: 'u-quant-analyst', firstName: 'Eve' })).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
    expect(users()['u-quant-analyst'].firstName).toBe('Ada');
  });

  test('FinSpace credentials cannot ask for more credentials', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await expect(client.getProgrammaticAccessCredentials({ environmentId: ENVIRONMENT })).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
  });

  test('an IAM role not mapped to a user with API access gets no credentials', async () => {
    emulator.state.accessKeys.ASIAUNMAPPED = {
      secretAccessKey: 's',
      kind: 'iam',
      principalArn: 'arn:aws:iam::123456789012:role/Somebody',
    };
    const client = clientFor(emulator, { accessKeyId: 'ASIAUNMAPPED', secretAccessKey: 's' });
    await expect(client.getProgrammaticAccessCredentials({ environmentId: ENVIRONMENT })).rejects.toBeInstanceOf(
      AccessDeniedException,
    );
  });

  test('expired FinSpace credentials are refused', async () => {
    const credentials = await finspaceCredentials(emulator); // 15 minutes
    const client = clientFor(emulator, credentials);
    await expect(client.getUser({ userId: 'u-quant-analyst' })).resolves.toBeDefined();
    clock += 16 * 60_000;
    await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(/expired/),
    });
  });

  test('an app user cannot manage users', async () => {
    users()['u-platform-admin'].type = 'APP_USER';
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await expect(client.getUser({ userId: 'u-quant-analyst' })).rejects.toBeInstanceOf(AccessDeniedException);
  });
});

describe('validation, by the model', () => {
  let client: ReturnType<typeof clientFor>;
  beforeEach(async () => {
    client = clientFor(emulator, await finspaceCredentials(emulator));
  });

  test.each([
    [{ firstName: 'x'.repeat(51) }, /'firstName'.*50 characters/],
    [{ lastName: '' }, /'lastName'.*1 to 50/],
    [{ type: 'ROOT' }, /'type'.*enum/],
    [{ apiAccess: 'YES' }, /'apiAccess'.*enum/],
    [{ apiAccessPrincipalArn: 'arn:aws:iam::1:role/x' }, /'apiAccessPrincipalArn'/],
    [{ clientToken: 'x'.repeat(129) }, /'clientToken'/],
    [{ emailAddress: 'someone@example.com' }, /Unknown member 'emailAddress'/],
    [{ firstName: 42 }, /'firstName' must be a string/],
  ])('UpdateUser %o: ValidationException naming the member, nothing changed', async (input, message) => {
    const error = await client.updateUser({ userId: 'u-quant-analyst', ...(input as object) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as Error).message).toMatch(message);
    expect(users()['u-quant-analyst']).toMatchObject({ firstName: 'Ada', lastName: 'Byron', type: 'APP_USER' });
  });

  test('a sensitive value is not echoed', async () => {
    const error = (await client
      .updateUser({ userId: 'u-quant-analyst', firstName: 'Zed'.repeat(20) })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain('Zed');
  });

  test('query members: ranges checked', async () => {
    await expect(client.listUsers({ maxResults: 101 })).rejects.toThrow(/'maxResults'.*between 1 and 100/);
    await expect(
      client.getProgrammaticAccessCredentials({ environmentId: ENVIRONMENT, durationInMinutes: 61 }),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  test('a user id over 26 characters', async () => {
    await expect(client.getUser({ userId: 'u'.repeat(27) })).rejects.toBeInstanceOf(ValidationException);
  });
});

describe('idempotency tokens', () => {
  test('the same token and request: the first result, applied once', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await client.updateUser({ userId: 'u-quant-analyst', firstName: 'Augusta', clientToken: 'token-1' });
    const modified = users()['u-quant-analyst'].lastModifiedTime;
    clock += 1000;
    await expect(
      client.updateUser({ userId: 'u-quant-analyst', firstName: 'Augusta', clientToken: 'token-1' }),
    ).resolves.toEqual({ userId: 'u-quant-analyst' });
    expect(users()['u-quant-analyst'].lastModifiedTime).toBe(modified);
  });

  test('the same token with another request: ConflictException', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await client.updateUser({ userId: 'u-quant-analyst', firstName: 'Augusta', clientToken: 'token-2' });
    await expect(
      client.updateUser({ userId: 'u-quant-analyst', firstName: 'Eve', clientToken: 'token-2' }),
    ).rejects.toBeInstanceOf(ConflictException);
    expect(users()['u-quant-analyst'].firstName).toBe('Augusta');
  });

  test('tokens expire after ten minutes', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator));
    await client.updateUser({ userId: 'u-quant-analyst', firstName: 'Augusta', clientToken: 'token-3' });
    clock += 11 * 60_000;
    const fresh = clientFor(emulator, await finspaceCredentials(emulator));
    await expect(
      fresh.updateUser({ userId: 'u-quant-analyst', firstName: 'Eve', clientToken: 'token-3' }),
    ).resolves.toBeDefined();
  });
});

describe('faults', () => {
  test('a rate limit answers ThrottlingException 429 past its budget', async () => {
    const client = clientFor(emulator, await finspaceCredentials(emulator), 1);
    emulator.faults.configure({ throttleRps: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        client.getUser({ userId: 'u-quant-analyst' }).then(
          () => 'ok',
          (e: Error) => e.name,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'ThrottlingException')).toHaveLength(3);
  });
});

describe('a deliberately broken handler is refused as the real service would refuse it', () => {
  // The stack's status is CloudFormation's business, not this endpoint's: a deploy in progress.
  const run = (outbound: Outbound) =>
    onEvent(createEvent(), {
      outbound,
      credentials: new FinspaceCredentialsCache(credentialsFetcher(outbound)),
      stack: async () => ({ status: 'CREATE_IN_PROGRESS', creationTime: 0 }),
    });
  const realOutbound = () =>
    awsOutbound(
      {
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: emulator.url,
        AWS_MAX_ATTEMPTS: '2',
        SNAPSHOT_TABLE_NAME: 'Snapshots',
      },
      {
        accessKeyId: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
        secretAccessKey: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
      },
    );

  beforeEach(() =>
    provisionTables(emulator.url, [{ tableName: 'Snapshots', keySchema: [{ AttributeName: 'key', KeyType: 'HASH' }] }]),
  );

  test('the real outbound works', async () => {
    await expect(run(realOutbound())).resolves.toMatchObject({ PhysicalResourceId: `${ENVIRONMENT}/u-quant-analyst` });
  });

  test('one that signs UpdateUser with the IAM credentials: AccessDeniedException', async () => {
    const real = realOutbound();
    let iam: AwsCredentialIdentity | undefined;
    const broken: Outbound = {
      ...real,
      assumeRole: async (arn) => (iam = await real.assumeRole(arn)),
      updateUser: (_finspace, input) => real.updateUser(iam!, input),
    };
    await expect(run(broken)).rejects.toThrow(/^UpdateUser u-quant-analyst: AccessDeniedException: /);
    expect(users()['u-quant-analyst'].lastName).toBe('Byron');
  });

  test('one that sends an undeclared field: ValidationException', async () => {
    const real = realOutbound();
    const broken: Outbound = {
      ...real,
      updateUser: (credentials, input) =>
        real.updateUser(credentials, { ...input, emailAddress: 'x@example.com' } as typeof input),
    };
    await expect(run(broken)).rejects.toThrow(
      /^UpdateUser u-quant-analyst: ValidationException: Unknown member 'emailAddress'/,
    );
    expect(users()['u-quant-analyst'].lastName).toBe('Byron');
  });
});
