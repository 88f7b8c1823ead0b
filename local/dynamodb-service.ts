// The DynamoDB operations the handler's snapshot table needs (awsJson1_0,
// SigV4 service `dynamodb`), against the emulator's state: CreateTable (with
// its resource policy), Update/DescribeTimeToLive and Put/Get/DeleteResourcePolicy
// (the local deploy provisions a stack's tables with them, as CloudFormation
// would), GetItem, PutItem with a condition, DeleteItem. Every request on a
// table that has a policy is first judged by it (resource-policy.ts): an
// explicit Deny refuses it, whether or not the operation is implemented here.
// Items are encrypted at rest (at-rest.ts); expired items are gone.
import { createHash } from 'node:crypto';
import type { AtRestKey } from './at-rest';
import type { AccessKeyRecord, EmulatorState, LocalTable } from './emulator-state';
import { denyingStatement, parseResourcePolicy, PolicyError, type ResourcePolicy } from './resource-policy';
import { ServiceError } from './service-error';

export type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

const dynamoError = (name: string, message: string, statusCode = 400) => new ServiceError(name, statusCode, message);
const validation = (message: string) => dynamoError('ValidationException', message);

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

/** Who signed a request, as a resource policy sees it. */
export interface CallerIdentity {
  /** `aws:PrincipalArn`: the IAM role (for a role's session) or user; undefined for FinSpace-issued keys. */
  readonly principalArn: string | undefined;
  /** The caller as AWS names it in an AccessDeniedException (a session's `assumed-role/...` ARN). */
  readonly arn: string;
}

export function callerIdentity(key: AccessKeyRecord): CallerIdentity {
  const principalArn = key.kind === 'iam' ? key.principalArn : undefined;
  if (principalArn === undefined) return { principalArn, arn: 'an identity that is not an IAM principal' };
  const [, partition, , , account, resource] = principalArn.split(':');
  const roleName = resource?.startsWith('role/') ? resource.split('/').pop() : undefined;
  const arn =
    roleName !== undefined && key.sessionName !== undefined
      ? `arn:${partition}:sts::${account}:assumed-role/${roleName}/${key.sessionName}`
      : principalArn;
  return { principalArn, arn };
}

/** The IAM actions a request asks on each table it names (a transaction's items each their own). */
function tablesActedOn(operation: string, input: Record<string, unknown>): { tableName: string; action: string }[] {
  const action = `dynamodb:${operation}`;
  const named = (value: unknown, as = action) => (typeof value === 'string' ? [{ tableName: value, action: as }] : []);
  if (typeof input.ResourceArn === 'string') return named(/:table\/([^/]+)$/.exec(input.ResourceArn)?.[1]);
  if (typeof input.RequestItems === 'object' && input.RequestItems !== null) {
    return Object.keys(input.RequestItems).flatMap((t) => named(t));
  }
  if (Array.isArray(input.TransactItems)) {
    const itemActions: Record<string, string> = {
      Get: 'dynamodb:GetItem',
      Put: 'dynamodb:PutItem',
      Update: 'dynamodb:UpdateItem',
      Delete: 'dynamodb:DeleteItem',
      ConditionCheck: 'dynamodb:ConditionCheckItem',
    };
    return (input.TransactItems as Record<string, { TableName?: unknown }>[]).flatMap((item) =>
      Object.entries(item ?? {}).flatMap(([kind, body]) => named(body?.TableName, itemActions[kind] ?? action)),
    );
  }
  return operation === 'CreateTable' ? [] : named(input.TableName);
}

const revisionOf = (document: string) => createHash('sha256').update(document).digest('hex').slice(0, 32);

export class DynamoDbService {
  constructor(
    private readonly state: EmulatorState,
    private readonly atRest: AtRestKey,
    private readonly now: () => number,
  ) {}

  /** Runs `operation` (the part of X-Amz-Target after the prefix) with its JSON input, for `caller`. */
  invoke(operation: string, input: Record<string, unknown>, caller: CallerIdentity): unknown {
    for (const { tableName, action } of tablesActedOn(operation, input)) this.authorize(tableName, action, caller);
    switch (operation) {
      case 'CreateTable':
        return this.createTable(input);
      case 'UpdateTimeToLive':
        return this.updateTimeToLive(input);
      case 'DescribeTimeToLive':
        return this.describeTimeToLive(input);
      case 'PutResourcePolicy':
        return this.putResourcePolicy(input, caller);
      case 'GetResourcePolicy':
        return this.getResourcePolicy(input);
      case 'DeleteResourcePolicy':
        return this.deleteResourcePolicy(input);
      case 'GetItem':
        return this.getItem(input);
      case 'PutItem':
        return this.putItem(input);
      case 'DeleteItem':
        return this.deleteItem(input);
      default:
        throw dynamoError('UnknownOperationException', `The local endpoint does not implement DynamoDB ${operation}`);
    }
  }

  private tables(): Record<string, LocalTable> {
    return (this.state.dynamodb ??= {});
  }

  private tableArn(name: string): string {
    return `arn:aws:dynamodb:${this.state.region}:${this.state.accountId}:table/${name}`;
  }

  /** Refuses `action` on a table whose policy denies it to `caller`; a table that does not exist is the operation's to report. */
  private authorize(tableName: string, action: string, caller: CallerIdentity): void {
    const table = Object.hasOwn(this.tables(), tableName) ? this.tables()[tableName] : undefined;
    if (table?.resourcePolicy === undefined) return;
    const resourceArn = this.tableArn(tableName);
    const denied = denyingStatement(policyOf(table.resourcePolicy.document), {
      action,
      resourceArn,
      principalArn: caller.principalArn,
    });
    if (denied) {
      throw dynamoError(
        'AccessDeniedException',
        `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resourceArn} with an explicit deny in a resource-based policy`,
      );
    }
  }

  /** The table a policy operation names by ARN (the ARN of a table of this endpoint's account and region). */
  private tableByArn(input: Record<string, unknown>): [string, LocalTable] {
    const arn = input.ResourceArn;
    const name = typeof arn === 'string' ? /:table\/([^/]+)$/.exec(arn)?.[1] : undefined;
    if (name === undefined || arn !== this.tableArn(name)) throw validation('ResourceArn is not the ARN of a table');
    return [name, this.tableNamed({ TableName: name })];
  }

  private tableNamed(input: Record<string, unknown>): LocalTable {
    const name = input.TableName;
    if (typeof name !== 'string' || !TABLE_NAME.test(name)) throw validation('TableName is invalid');
    const table = this.tables()[name];
    if (!table) throw dynamoError('ResourceNotFoundException', 'Requested resource not found');
    this.expire(table);
    return table;
  }

  private createTable(input: Record<string, unknown>): unknown {
    const name = input.TableName;
    if (typeof name !== 'string' || !TABLE_NAME.test(name)) throw validation('TableName is invalid');
    const schema = input.KeySchema as { AttributeName?: unknown; KeyType?: unknown }[] | undefined;
    if (!Array.isArray(schema) || schema.length < 1 || schema.length > 2) {
      throw validation('KeySchema must have one or two elements');
    }
    const keyAttributes = schema.map((k) => {
      if (typeof k.AttributeName !== 'string' || !['HASH', 'RANGE'].includes(String(k.KeyType))) {
        throw validation('KeySchema elements need an AttributeName and a KeyType of HASH or RANGE');
      }
      return k.AttributeName;
    });
    if (this.tables()[name]) throw dynamoError('ResourceInUseException', `Table already exists: ${name}`);
    const policy = input.ResourcePolicy === undefined ? undefined : attachable(input.ResourcePolicy);
    this.tables()[name] = { keyAttributes, items: {}, ...(policy ? { resourcePolicy: policy } : {}) };
    return { TableDescription: { TableName: name, TableStatus: 'ACTIVE', KeySchema: schema } };
  }

  private updateTimeToLive(input: Record<string, unknown>): unknown {
    const table = this.tableNamed(input);
    const spec = input.TimeToLiveSpecification as { AttributeName?: unknown; Enabled?: unknown } | undefined;
    if (typeof spec?.AttributeName !== 'string' || typeof spec.Enabled !== 'boolean') {
      throw validation('TimeToLiveSpecification needs an AttributeName and Enabled');
    }
    table.ttlAttribute = spec.Enabled ? spec.AttributeName : undefined;
    return { TimeToLiveSpecification: spec };
  }

  private describeTimeToLive(input: Record<string, unknown>): unknown {
    const table = this.tableNamed(input);
    return {
      TimeToLiveDescription:
        table.ttlAttribute === undefined
          ? { TimeToLiveStatus: 'DISABLED' }
          : { AttributeName: table.ttlAttribute, TimeToLiveStatus: 'ENABLED' },
    };
  }

  private putResourcePolicy(input: Record<string, unknown>, caller: CallerIdentity): unknown {
    const [name, table] = this.tableByArn(input);
    checkExpectedRevision(table, input.ExpectedRevisionId);
    const policy = attachable(input.Policy);
    // DynamoDB refuses a policy that would stop its caller changing it again, unless told that is the intent.
    const lockedOut = denyingStatement(policyOf(policy.document), {
      action: 'dynamodb:PutResourcePolicy',
      resourceArn: this.tableArn(name),
      principalArn: caller.principalArn,
    });
    if (lockedOut && input.ConfirmRemoveSelfResourceAccess !== true) {
      throw dynamoError(
        'AccessDeniedException',
        'The new resource policy will not allow you to update the resource policy in the future.',
      );
    }
    table.resourcePolicy = policy;
    return { RevisionId: policy.revisionId };
  }

  private getResourcePolicy(input: Record<string, unknown>): unknown {
    const [name, table] = this.tableByArn(input);
    if (!table.resourcePolicy) throw policyNotFound(name);
    return { Policy: table.resourcePolicy.document, RevisionId: table.resourcePolicy.revisionId };
  }

  private deleteResourcePolicy(input: Record<string, unknown>): unknown {
    const [name, table] = this.tableByArn(input);
    checkExpectedRevision(table, input.ExpectedRevisionId);
    if (!table.resourcePolicy) throw policyNotFound(name);
    delete table.resourcePolicy;
    return {};
  }

  private getItem(input: Record<string, unknown>): unknown {
    const table = this.tableNamed(input);
    const stored = table.items[this.keyOf(table, input.Key as Item)];
    return stored ? { Item: JSON.parse(this.atRest.open(stored.sealed)) as Item } : {};
  }

  private putItem(input: Record<string, unknown>): unknown {
    const table = this.tableNamed(input);
    const item = input.Item as Item;
    if (typeof item !== 'object' || item === null) throw validation('Item is required');
    const key = this.keyOf(table, Object.fromEntries(table.keyAttributes.map((a) => [a, item[a]])));
    const stored = table.items[key];
    const existing = stored ? (JSON.parse(this.atRest.open(stored.sealed)) as Item) : undefined;
    if (input.ConditionExpression !== undefined && !conditionHolds(input, existing)) {
      throw dynamoError('ConditionalCheckFailedException', 'The conditional request failed');
    }
    const ttl = table.ttlAttribute === undefined ? undefined : Number(item[table.ttlAttribute]?.N);
    table.items[key] = {
      sealed: this.atRest.seal(JSON.stringify(item)),
      ...(Number.isFinite(ttl) ? { expiresAt: ttl } : {}),
    };
    return {};
  }

  private deleteItem(input: Record<string, unknown>): unknown {
    const table = this.tableNamed(input);
    delete table.items[this.keyOf(table, input.Key as Item)];
    return {};
  }

  private keyOf(table: LocalTable, key: Item | undefined): string {
    if (typeof key !== 'object' || key === null) throw validation('Key is required');
    const names = Object.keys(key).sort();
    if (names.join() !== [...table.keyAttributes].sort().join() || names.some((n) => key[n] === undefined)) {
      throw validation('The provided key element does not match the schema');
    }
    return JSON.stringify(table.keyAttributes.map((a) => key[a]));
  }

  /** DynamoDB deletes expired items within days; here they are gone at once. */
  private expire(table: LocalTable): void {
    const nowSeconds = this.now() / 1000;
    for (const [key, stored] of Object.entries(table.items)) {
      if (stored.expiresAt !== undefined && stored.expiresAt <= nowSeconds) delete table.items[key];
    }
  }
}

/** The policies attached, parsed once each (they were checked when attached). */
const parsedPolicies = new Map<string, ResourcePolicy>();
function policyOf(document: string): ResourcePolicy {
  let policy = parsedPolicies.get(document);
  if (!policy) parsedPolicies.set(document, (policy = parseResourcePolicy(JSON.parse(document))));
  return policy;
}

/** A policy document as CreateTable or PutResourcePolicy takes it (a JSON string), once the local endpoint can evaluate all of it. */
function attachable(value: unknown): { document: string; revisionId: string } {
  if (typeof value !== 'string') throw validation('The resource policy must be a JSON string');
  // DynamoDB's limit, whitespace included.
  if (Buffer.byteLength(value) > 20 * 1024) throw validation('The resource policy exceeds 20 KB');
  try {
    policyOf(value);
  } catch (error) {
    if (error instanceof SyntaxError) throw validation('The resource policy is not valid JSON');
    if (error instanceof PolicyError) throw validation(`Invalid resource policy: ${error.message}`);
    throw error;
  }
  return { document: value, revisionId: revisionOf(value) };
}

function policyNotFound(tableName: string): ServiceError {
  return dynamoError(
    'PolicyNotFoundException',
    `Resource-based policy not found for the provided ResourceArn: ${tableName}`,
  );
}

/** `ExpectedRevisionId`: the revision the caller last saw, or NO_POLICY; another one means the policy moved on. */
function checkExpectedRevision(table: LocalTable, expected: unknown): void {
  if (expected === undefined) return;
  const current = table.resourcePolicy?.revisionId ?? 'NO_POLICY';
  if (expected !== current)
    throw dynamoError('PolicyNotFoundException', `The policy's revision is not ${String(expected)}`);
}

/**
 * The condition expressions the handler uses: `attribute_exists(p)`,
 * `attribute_not_exists(p)`, `p = :v` and `p <> :v`, joined by AND and OR
 * (AND binds tighter), without parentheses. Anything else is refused.
 */
export function conditionHolds(input: Record<string, unknown>, item: Item | undefined): boolean {
  const expression = String(input.ConditionExpression);
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>;
  const path = (token: string) => {
    const name = token.startsWith('#') ? names[token] : token;
    if (name === undefined) throw validation(`An expression attribute name is not defined: ${token}`);
    return name;
  };
  const value = (token: string) => {
    if (!(token in values)) throw validation(`An expression attribute value is not defined: ${token}`);
    return JSON.stringify(values[token]);
  };
  const term = (text: string): boolean => {
    const fn = /^(attribute_exists|attribute_not_exists)\(\s*([#\w]+)\s*\)$/.exec(text);
    if (fn) return (item?.[path(fn[2])] !== undefined) === (fn[1] === 'attribute_exists');
    const comparison = /^([#\w]+)\s*(=|<>)\s*(:\w+)$/.exec(text);
    if (!comparison) throw validation(`The local endpoint does not support the condition: ${text}`);
    const current = item?.[path(comparison[1])];
    const expected = value(comparison[3]);
    // as in DynamoDB, a comparison with an attribute the item lacks is false
    if (current === undefined) return false;
    return (JSON.stringify(current) === expected) === (comparison[2] === '=');
  };
  return expression
    .split(/\s+OR\s+/i)
    .some((alternative) => alternative.split(/\s+AND\s+/i).every((t) => term(t.trim())));
}
