// The DynamoDB operations the handler's snapshot table needs (awsJson1_0,
// SigV4 service `dynamodb`), against the emulator's state: CreateTable and
// UpdateTimeToLive (the local deploy provisions a stack's tables with them,
// as CloudFormation would), GetItem, PutItem with a condition, DeleteItem.
// Items are encrypted at rest (at-rest.ts); expired items are gone.
import type { AtRestKey } from './at-rest';
import type { EmulatorState, LocalTable } from './emulator-state';
import { ServiceError } from './service-error';

export type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

const dynamoError = (name: string, message: string, statusCode = 400) => new ServiceError(name, statusCode, message);
const validation = (message: string) => dynamoError('ValidationException', message);

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

export class DynamoDbService {
  constructor(
    private readonly state: EmulatorState,
    private readonly atRest: AtRestKey,
    private readonly now: () => number,
  ) {}

  /** Runs `operation` (the part of X-Amz-Target after the prefix) with its JSON input. */
  invoke(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'CreateTable':
        return this.createTable(input);
      case 'UpdateTimeToLive':
        return this.updateTimeToLive(input);
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
    this.tables()[name] = { keyAttributes, items: {} };
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
