// A fake of the handler's only network module: it records every call with
// the credentials that signed it, and fails the calls a test scripts. It
// keeps FinSpace users (UpdateUser changes them), a stack status with the
// stack's own events (each status it enters, at the fake's clock), the stack's
// resources and a snapshot table, as the real services would.
import type { AwsCredentialIdentity } from '@smithy/types';
import type { GetUserOutput } from '../../finspace/client';
import { SNAPSHOT_KEY_ATTRIBUTE, SNAPSHOT_REVISION_ATTRIBUTE } from '../../lambda/consts';
import type {
  AssumeRoleOptions,
  Outbound,
  StackDescription,
  StackEventSummary,
  StackResource,
  StoredItem,
  StoredRevision,
} from '../../lambda/outbound';
import { STACK_ID } from './events';

export const IAM_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: 'ASIAADMINROLE',
  secretAccessKey: 'iam-secret',
  sessionToken: 'iam-token',
};

export interface RecordedCall {
  readonly operation: keyof Outbound;
  readonly signedWith: string;
  readonly input: unknown;
}

/** How a user reads when a test did not put it in `users`. */
export function existingUser(userId: string): GetUserOutput {
  return {
    userId,
    status: 'ENABLED',
    type: 'APP_USER',
    firstName: 'Grace',
    lastName: 'Murray',
    apiAccess: 'DISABLED',
    emailAddress: `${userId}@example.com`,
  };
}

export class FakeOutbound implements Outbound {
  readonly calls: RecordedCall[] = [];
  /** FinSpace users by id; one not here reads as `existingUser(id)`. */
  readonly users = new Map<string, GetUserOutput>();
  /** The snapshot table's items by key (change records and claims). */
  readonly items = new Map<string, StoredItem>();
  /** Keys whose item holds its revision as a type the handler does not read (a number, say): no condition matches it. */
  readonly unmatchableRevisions = new Set<string>();
  /** The stack's events, oldest first: DescribeStackEvents answers them newest first, `eventsPageSize` a page. */
  readonly stackEventLog: StackEventSummary[] = [];
  eventsPageSize = 100;
  /** The time a status is entered at (epoch ms); a test that times phases sets it. */
  clock: () => number = () => 0;
  /** What DescribeStacks answers: CreationTime, and LastUpdatedTime from the first update on. */
  creationTime = 0;
  lastUpdatedTime: number | undefined;
  private status = '';

  constructor() {
    this.stackStatusNow = 'UPDATE_IN_PROGRESS';
  }

  /** What DescribeStacks answers; setting it enters the status as CloudFormation does (a stack event, an update's time). */
  get stackStatusNow(): string {
    return this.status;
  }

  set stackStatusNow(status: string) {
    const at = this.clock();
    this.status = status;
    if (status === 'UPDATE_IN_PROGRESS') this.lastUpdatedTime = at;
    this.stackEventLog.push({
      resourceType: 'AWS::CloudFormation::Stack',
      physicalResourceId: STACK_ID,
      resourceStatus: status,
      timestamp: at,
    });
  }

  /** Events of the stack's resources now (they push the stack's own events a page further back). */
  addResourceEvents(count: number): void {
    for (let i = 0; i < count; i++) {
      this.stackEventLog.push({
        resourceType: 'Custom::FinspaceUser',
        physicalResourceId: `${i}`,
        resourceStatus: 'UPDATE_COMPLETE',
        timestamp: this.clock(),
      });
    }
  }
  /** What DescribeStackResource answers, by logical id; one not here does not exist. */
  readonly stackResources = new Map<string, StackResource>();
  private issued = 0;
  private readonly failures = new Map<keyof Outbound, Error[]>();
  /** What GetUser answers per user id; a user not here is an enabled APP_USER without API access. */

  private readonly hooks = new Map<keyof Outbound, (() => Promise<void>)[]>();

  /** The next call of `operation` first runs `hook` (another event, say, interleaved with this one). */
  before(operation: keyof Outbound, hook: () => Promise<void>): void {
    this.hooks.set(operation, [...(this.hooks.get(operation) ?? []), hook]);
  }

  /** The next calls of `operation` throw these errors, in order. */
  failNext(operation: keyof Outbound, ...errors: Error[]): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
  }

  writes(): RecordedCall[] {
    return this.calls.filter((c) => c.operation === 'updateUser' || c.operation === 'disableUser');
  }

  private async record(
    operation: keyof Outbound,
    credentials: AwsCredentialIdentity | undefined,
    input: unknown,
  ): Promise<void> {
    await this.hooks.get(operation)?.shift()?.();
    this.calls.push({ operation, signedWith: credentials?.accessKeyId ?? '', input });
    const error = this.failures.get(operation)?.shift();
    if (error) throw error;
  }

  async assumeRole(roleArn: string, _signal?: AbortSignal, options: AssumeRoleOptions = {}) {
    await this.record(
      'assumeRole',
      undefined,
      options.externalId === undefined ? { roleArn } : { roleArn, ...options },
    );
    return IAM_CREDENTIALS;
  }

  async getProgrammaticAccessCredentials(iam: AwsCredentialIdentity, environmentId: string, durationInMinutes: number) {
    await this.record('getProgrammaticAccessCredentials', iam, { environmentId, durationInMinutes });
    this.issued += 1;
    return {
      credentials: {
        accessKeyId: `FSIA${this.issued}`,
        secretAccessKey: `finspace-secret-${this.issued}`,
        sessionToken: `finspace-token-${this.issued}`,
      },
      durationInMinutes,
    };
  }

  /** The user as FinSpace holds it now. */
  user(userId: string): GetUserOutput {
    return this.users.get(userId) ?? existingUser(userId);
  }

  async getUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['getUser']>[1]) {
    await this.record('getUser', credentials, input);
    return { ...this.user(input.userId) };
  }

  async updateUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['updateUser']>[1]) {
    await this.record('updateUser', credentials, input);
    const { clientToken: _, ...fields } = input;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    this.users.set(input.userId, { ...this.user(input.userId), ...defined });
    return { userId: input.userId };
  }

  async describeStack(stackId: string): Promise<StackDescription> {
    await this.record('describeStack', undefined, { stackId });
    return { status: this.status, creationTime: this.creationTime, lastUpdatedTime: this.lastUpdatedTime };
  }

  async stackEvents(stackId: string, nextToken?: string) {
    await this.record('stackEvents', undefined, { stackId, nextToken });
    const newestFirst = [...this.stackEventLog].reverse();
    const from = nextToken === undefined ? 0 : Number(nextToken);
    const to = from + this.eventsPageSize;
    return {
      events: newestFirst.slice(from, to),
      nextToken: to < newestFirst.length ? String(to) : undefined,
    };
  }

  async stackResource(stackId: string, logicalId: string) {
    await this.record('stackResource', undefined, { stackId, logicalId });
    return this.stackResources.get(logicalId);
  }

  async getItem(key: string) {
    await this.record('getItem', undefined, { key });
    const item = this.items.get(key);
    return item === undefined ? undefined : { ...item };
  }

  async putItem(item: StoredItem, expected?: StoredRevision) {
    const key = item[SNAPSHOT_KEY_ATTRIBUTE];
    await this.record('putItem', undefined, { key, kind: item.kind });
    // as the conditional put: the stored item's revision is the one expected (none: no revision)
    const stored = this.items.get(key);
    if (expected !== undefined) {
      if (stored !== undefined && this.unmatchableRevisions.has(key)) return false;
      if (stored?.[SNAPSHOT_REVISION_ATTRIBUTE] !== expected.rev) return false;
    }
    this.unmatchableRevisions.delete(key);
    this.items.set(key, { ...item });
    return true;
  }

  /** The stored items of one kind (`change` records or `claim`s). */
  itemsOf(kind: string): StoredItem[] {
    return [...this.items.values()].filter((item) => item.kind === kind);
  }

  async disableUser(credentials: AwsCredentialIdentity, input: Parameters<Outbound['disableUser']>[1]) {
    await this.record('disableUser', credentials, input);
    this.users.set(input.userId, { ...this.user(input.userId), status: 'DISABLED' });
    return { userId: input.userId };
  }
}

/** An error shaped like one the FinSpace client throws. */
export function serviceError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
}
