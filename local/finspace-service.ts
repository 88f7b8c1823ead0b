// The FinSpace Data API's user operations as the model describes them,
// against the emulator's state: input validation (every constraint, unknown
// members refused), the two-step credential model, idempotency tokens, and
// user status and timestamps.
import { createHash, randomBytes } from 'node:crypto';
import { API_ACCESS_VALUES, checkString, STRING_SHAPES, type StringShape, USER_TYPES } from '../finspace/constraints';
import {
  type AccessKeyRecord,
  CLIENT_TOKEN_TTL_MS,
  type EmulatorState,
  newDictionary,
  type UserRecord,
} from './emulator-state';
import { accessDenied, conflict, notFound, ServiceError, validation } from './service-error';

type MemberType =
  | { kind: 'string'; shape: StringShape }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'integer'; min: number; max: number };

interface Member {
  readonly type: MemberType;
  readonly required?: boolean;
}

const str = (shape: StringShape): MemberType => ({ kind: 'string', shape });
const CLIENT_TOKEN = str({ min: 1, max: 128, pattern: '\\S' });
const EMAIL = str({ min: 4, max: 320, pattern: '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,4}$', sensitive: true });

/** Body (or query) members of each operation's input, after the model. */
const INPUTS: Record<string, Record<string, Member>> = {
  GetProgrammaticAccessCredentials: {
    environmentId: { type: str(STRING_SHAPES.environmentId), required: true },
    durationInMinutes: { type: { kind: 'integer', min: 1, max: 60 } },
  },
  ListUsers: {
    maxResults: { type: { kind: 'integer', min: 1, max: 100 }, required: true },
    nextToken: { type: str({ min: 0, max: 10_000 }) },
  },
  GetUser: {},
  CreateUser: {
    emailAddress: { type: EMAIL, required: true },
    type: { type: { kind: 'enum', values: USER_TYPES }, required: true },
    firstName: { type: str(STRING_SHAPES.firstName) },
    lastName: { type: str(STRING_SHAPES.lastName) },
    apiAccess: { type: { kind: 'enum', values: API_ACCESS_VALUES } },
    apiAccessPrincipalArn: { type: str(STRING_SHAPES.apiAccessPrincipalArn) },
    clientToken: { type: CLIENT_TOKEN },
  },
  UpdateUser: {
    type: { type: { kind: 'enum', values: USER_TYPES } },
    firstName: { type: str(STRING_SHAPES.firstName) },
    lastName: { type: str(STRING_SHAPES.lastName) },
    apiAccess: { type: { kind: 'enum', values: API_ACCESS_VALUES } },
    apiAccessPrincipalArn: { type: str(STRING_SHAPES.apiAccessPrincipalArn) },
    clientToken: { type: CLIENT_TOKEN },
  },
  DisableUser: { clientToken: { type: CLIENT_TOKEN } },
  EnableUser: { clientToken: { type: CLIENT_TOKEN } },
};

export type Input = Record<string, string | number | undefined>;

/**
 * Checks an operation's input members; query members arrive as strings and
 * integers are parsed from them. Messages name the member, never a sensitive value.
 */
export function validateInput(operation: string, raw: Record<string, unknown>, fromQuery: boolean): Input {
  const members = INPUTS[operation];
  const input: Input = {};
  for (const name of Object.keys(raw)) {
    // own members only: `constructor` or `__proto__` is an unknown member like any other
    if (!Object.hasOwn(members, name)) throw validation(`Unknown member '${name}' for ${operation}`);
  }
  for (const [name, member] of Object.entries(members)) {
    const value = raw[name];
    if (value === undefined || value === null) {
      if (member.required) throw validation(`Value at '${name}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    const type = member.type;
    if (type.kind === 'integer') {
      const n = fromQuery && typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw validation(`Value at '${name}' must be an integer`);
      if (n < type.min || n > type.max) {
        throw validation(
          `Value at '${name}' failed to satisfy constraint: Member must be between ${type.min} and ${type.max}`,
        );
      }
      input[name] = n;
      continue;
    }
    if (typeof value !== 'string') throw validation(`Value at '${name}' must be a string`);
    if (type.kind === 'enum' && !type.values.includes(value)) {
      throw validation(
        `Value at '${name}' failed to satisfy constraint: Member must satisfy enum value set: [${type.values.join(', ')}]`,
      );
    }
    if (type.kind === 'string') {
      const problem = checkString(value, type.shape);
      if (problem) throw validation(`Value at '${name}' failed to satisfy constraint: Member ${problem}`);
    }
    input[name] = value;
  }
  return input;
}

export function validateUserIdLabel(userId: string): void {
  const problem = checkString(userId, STRING_SHAPES.userId);
  if (problem) throw validation(`Value at 'userId' failed to satisfy constraint: Member ${problem}`);
}

function newId(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
}

/** The user operations for one environment, acting for a caller holding FinSpace credentials. */
export class FinspaceService {
  constructor(
    private readonly state: EmulatorState,
    private readonly now: () => number,
  ) {}

  /** Step two of the credential model: an IAM principal mapped to a user with API access gets FinSpace credentials. */
  getProgrammaticAccessCredentials(caller: AccessKeyRecord, input: Input): unknown {
    const environmentId = input.environmentId as string;
    const users = this.state.environments[environmentId];
    if (!users) throw validation(`Environment ${environmentId} does not exist`);
    if (caller.kind !== 'iam' || !caller.principalArn) {
      throw accessDenied('GetProgrammaticAccessCredentials must be signed with IAM credentials');
    }
    const roleArn = caller.principalArn;
    const user = Object.values(users).find(
      (u) => u.apiAccessPrincipalArn === roleArn && u.apiAccess === 'ENABLED' && u.status === 'ENABLED',
    );
    if (!user) throw accessDenied(`${roleArn} is not mapped to a FinSpace user with API access in ${environmentId}`);
    const minutes = (input.durationInMinutes as number | undefined) ?? 60;
    const accessKeyId = newId('FSIA', 12).slice(0, 20).toUpperCase();
    const record: AccessKeyRecord = {
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
      expiresAt: this.now() + minutes * 60_000,
      kind: 'finspace',
      environmentId,
      userId: user.userId,
    };
    this.state.accessKeys[accessKeyId] = record;
    user.lastLoginTime = this.now();
    return {
      credentials: { accessKeyId, secretAccessKey: record.secretAccessKey, sessionToken: record.sessionToken },
      durationInMinutes: minutes,
    };
  }

  /** The environment whose users a caller may manage: FinSpace credentials of an enabled superuser, unexpired. */
  authorizeUserAdmin(caller: AccessKeyRecord): Record<string, UserRecord> {
    if (caller.kind !== 'finspace' || !caller.environmentId || !caller.userId) {
      throw accessDenied(
        'User operations must be signed with FinSpace credentials from GetProgrammaticAccessCredentials',
      );
    }
    if (caller.expiresAt !== undefined && caller.expiresAt <= this.now()) {
      throw accessDenied('The FinSpace credentials have expired');
    }
    const users = this.state.environments[caller.environmentId] ?? newDictionary<UserRecord>();
    const self = users[caller.userId];
    if (!self || self.status !== 'ENABLED' || self.apiAccess !== 'ENABLED') {
      throw accessDenied('The calling user no longer has API access');
    }
    if (self.type !== 'SUPER_USER') throw accessDenied('Only a superuser may manage users');
    return users;
  }

  getUser(users: Record<string, UserRecord>, userId: string): unknown {
    return { ...this.find(users, userId) };
  }

  listUsers(users: Record<string, UserRecord>, input: Input): unknown {
    const all = Object.values(users).sort((a, b) => (a.userId < b.userId ? -1 : 1));
    const start = input.nextToken ? Number(Buffer.from(input.nextToken as string, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0 || start > all.length)
      throw validation("Value at 'nextToken' is not a valid token");
    const end = start + (input.maxResults as number);
    return {
      users: all.slice(start, end).map((u) => ({ ...u })),
      nextToken: end < all.length ? Buffer.from(String(end)).toString('base64url') : undefined,
    };
  }

  createUser(environmentId: string, users: Record<string, UserRecord>, input: Input): unknown {
    return this.idempotent(environmentId, 'CreateUser', '', input, () => {
      const now = this.now();
      const userId = newId('u', 16).slice(0, 22);
      users[userId] = {
        userId,
        status: 'ENABLED',
        emailAddress: input.emailAddress as string,
        type: input.type as UserRecord['type'],
        firstName: input.firstName as string | undefined,
        lastName: input.lastName as string | undefined,
        apiAccess: (input.apiAccess as UserRecord['apiAccess'] | undefined) ?? 'DISABLED',
        apiAccessPrincipalArn: input.apiAccessPrincipalArn as string | undefined,
        createTime: now,
        lastEnabledTime: now,
        lastDisabledTime: 0,
        lastModifiedTime: now,
        lastLoginTime: 0,
      };
      return { userId };
    });
  }

  updateUser(environmentId: string, users: Record<string, UserRecord>, userId: string, input: Input): unknown {
    return this.idempotent(environmentId, 'UpdateUser', userId, input, () => {
      const user = this.find(users, userId);
      for (const field of ['type', 'firstName', 'lastName', 'apiAccess', 'apiAccessPrincipalArn'] as const) {
        if (input[field] !== undefined) (user as unknown as Record<string, unknown>)[field] = input[field];
      }
      user.lastModifiedTime = this.now();
      return { userId };
    });
  }

  setStatus(
    environmentId: string,
    users: Record<string, UserRecord>,
    userId: string,
    input: Input,
    status: 'ENABLED' | 'DISABLED',
  ): unknown {
    const operation = status === 'ENABLED' ? 'EnableUser' : 'DisableUser';
    return this.idempotent(environmentId, operation, userId, input, () => {
      const user = this.find(users, userId);
      if (user.status !== status) {
        user.status = status;
        const now = this.now();
        if (status === 'ENABLED') user.lastEnabledTime = now;
        else user.lastDisabledTime = now;
        user.lastModifiedTime = now;
      }
      return { userId };
    });
  }

  private find(users: Record<string, UserRecord>, userId: string): UserRecord {
    const user = users[userId];
    if (!user) throw notFound(`User ${userId} does not exist`);
    return user;
  }

  /**
   * The same clientToken with the same request returns the first result and
   * changes nothing; with a different request it is a ConflictException.
   */
  private idempotent(
    environmentId: string,
    operation: string,
    userId: string,
    input: Input,
    apply: () => unknown,
  ): unknown {
    const token = input.clientToken as string | undefined;
    if (token === undefined) return apply();
    const now = this.now();
    for (const [key, record] of Object.entries(this.state.idempotency)) {
      if (now - record.at > CLIENT_TOKEN_TTL_MS) delete this.state.idempotency[key];
    }
    const key = `${environmentId}\n${token}`;
    const { clientToken: _, ...rest } = input;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([operation, userId, Object.entries(rest).sort()]))
      .digest('hex');
    const previous = this.state.idempotency[key];
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        throw conflict('The clientToken was already used with a different request');
      }
      return previous.response;
    }
    const response = apply();
    this.state.idempotency[key] = { fingerprint, response, at: now };
    return response;
  }
}

export { ServiceError };
