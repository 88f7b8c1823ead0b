// What the handler keeps of a forward change so that its rollback can undo it,
// one record per (stack, resource, user) in the snapshot table. The record
// names both the properties the change applied and the ones it replaced (as
// hashes): a rollback Update undoes it only when its OldResourceProperties are
// the applied ones and its ResourceProperties the replaced ones, a rollback
// Delete only when the change made the resource. It keeps the before-values of
// the fields the change declared and altered (nothing else: no undeclared name),
// the request ids of the events it has seen (a redelivery is recognised), and
// a revision that every write checks (a rollback fences a forward event still
// running). Whatever is read back is an input: validated against the model and
// its own shape, and treated as absent when it does not hold.
import { createHash, randomBytes } from 'node:crypto';
import type { GetUserOutput } from '../finspace/client';
import {
  API_ACCESS_VALUES,
  checkString,
  FINSPACE_FIELDS,
  STRING_SHAPES,
  USER_TYPES,
  type UserDeclaration,
} from '../finspace/constraints';
import {
  RECORD_TTL_SECONDS,
  REDELIVERY_WINDOW_SECONDS,
  SNAPSHOT_KEY_ATTRIBUTE,
  SNAPSHOT_REVISION_ATTRIBUTE,
  SNAPSHOT_TTL_ATTRIBUTE,
} from './consts';
import type { StoredItem } from './outbound';
import { CLOUDFORMATION_PROPERTIES } from './resource-properties';

export type FinspaceField = (typeof FINSPACE_FIELDS)[number];

/** A field's value before the change, `null` when the user had none; names are personal data: never logged. */
export type Before = Partial<Record<FinspaceField, string | null>>;

/** `applying`: written before the FinSpace write; `applied`: after it; `restored`: undone by a rollback event. */
export type ChangeState = 'applying' | 'applied' | 'restored';

/** A forward event's change to the user. */
export interface ForwardChange {
  readonly requestId: string;
  /** `create`: the event made this physical resource (a Create, or a replacement's new side); `update`: in place. */
  readonly operation: 'create' | 'update';
  /** propertiesHash of the event's ResourceProperties. */
  readonly applied: string;
  /** propertiesHash of its OldResourceProperties (an Update's). */
  readonly replaced?: string;
  readonly before: Before;
  readonly state: ChangeState;
  /** The rollback event that undid it. */
  readonly restoredBy?: string;
}

/** An event a record has seen, and until when (epoch seconds) Lambda may run it again. */
export type HandledEvent = readonly [requestId: string, until: number];

export interface ChangeRecord {
  readonly key: string;
  /** The last forward change of this resource to this user, if one is kept. */
  readonly change?: ForwardChange;
  readonly handled: readonly HandledEvent[];
  /** Random, new at every write: the condition of the next one. */
  readonly rev: string;
  /** Epoch seconds: the table's time to live, and the end of the record for the handler. */
  readonly expiresAt: number;
}

const KIND = 'change';
const HASH = /^[0-9a-f]{64}$/;
const REVISION = /^[0-9a-f]{32}$/;
/** CloudFormation's request ids are UUIDs; the event guard admits up to 255 characters. */
const MAX_REQUEST_ID = 255;
/** Events kept in `handled`: a resource sees a few per operation. */
const MAX_HANDLED = 32;
/** A clock between the writer and the reader may be off by this much. */
const CLOCK_SKEW_SECONDS = 300;

/** One key per stack, resource and user; the `change` tag keeps it apart from claims' keys. */
export function changeKey(
  stackId: string,
  logicalId: string,
  user: Pick<UserDeclaration, 'environmentId' | 'userId'>,
): string {
  return createHash('sha256')
    .update(JSON.stringify([KIND, stackId, logicalId, user.environmentId, user.userId]))
    .digest('hex');
}

/**
 * A resource's properties as one value, whatever order CloudFormation lists
 * them in, and whether or not they parse (CloudFormation's own properties left out).
 */
export function propertiesHash(properties: Record<string, unknown> | undefined): string {
  const entries = Object.entries(properties ?? {})
    .filter(([name]) => !CLOUDFORMATION_PROPERTIES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

export function newRevision(): string {
  return randomBytes(16).toString('hex');
}

/** Why a before-value cannot be written back to FinSpace (the model's rule), or undefined. */
function beforeValueProblem(field: FinspaceField, value: string): string | undefined {
  switch (field) {
    case 'type':
      return (USER_TYPES as readonly string[]).includes(value) ? undefined : 'not a user type';
    case 'apiAccess':
      return (API_ACCESS_VALUES as readonly string[]).includes(value) ? undefined : 'not an apiAccess value';
    default:
      return checkString(value, STRING_SHAPES[field]) === undefined ? undefined : 'breaks the model';
  }
}

/**
 * The before-values to keep: of each field the declaration declares and the
 * write alters, and only those. A value FinSpace holds against the model could
 * not be written back, and is not kept (its field is named in `unkept`).
 */
export function beforeOf(live: GetUserOutput, declaration: UserDeclaration): { before: Before; unkept: string[] } {
  const before: Before = {};
  const unkept: string[] = [];
  for (const field of FINSPACE_FIELDS) {
    const declared = declaration[field];
    const value = live[field];
    if (declared === undefined || value === declared) continue;
    if (value !== undefined && beforeValueProblem(field, value) !== undefined) unkept.push(field);
    else before[field] = value ?? null;
  }
  return { before, unkept };
}

/** The events still within their redelivery window, and `requestId` with a new one. */
export function handledWith(handled: readonly HandledEvent[], requestId: string, nowMs: number): HandledEvent[] {
  const now = Math.floor(nowMs / 1000);
  const kept = handled.filter(([id, until]) => until > now && id !== requestId);
  return [...kept, [requestId, now + REDELIVERY_WINDOW_SECONDS] as const].slice(-MAX_HANDLED);
}

export function hasHandled(record: ChangeRecord | undefined, requestId: string, nowMs: number): boolean {
  const now = Math.floor(nowMs / 1000);
  return record?.handled.some(([id, until]) => id === requestId && until > now) ?? false;
}

/** The time to live of a record written now. */
export function recordExpiry(nowMs: number): number {
  return Math.floor(nowMs / 1000) + RECORD_TTL_SECONDS;
}

export function encodeChangeRecord(record: ChangeRecord): StoredItem {
  const item: Record<string, string> = {
    [SNAPSHOT_KEY_ATTRIBUTE]: record.key,
    kind: KIND,
    handled: JSON.stringify(record.handled),
    [SNAPSHOT_REVISION_ATTRIBUTE]: record.rev,
    [SNAPSHOT_TTL_ATTRIBUTE]: String(record.expiresAt),
  };
  const change = record.change;
  if (change) {
    item.requestId = change.requestId;
    item.operation = change.operation;
    item.applied = change.applied;
    if (change.replaced !== undefined) item.replaced = change.replaced;
    item.before = JSON.stringify(change.before);
    item.state = change.state;
    if (change.restoredBy !== undefined) item.restoredBy = change.restoredBy;
  }
  return item;
}

export type DecodedRecord =
  { readonly ok: true; readonly record: ChangeRecord } | { readonly ok: false; readonly problem: string };

const CHANGE_ATTRIBUTES = ['requestId', 'operation', 'applied', 'replaced', 'before', 'state', 'restoredBy'];
const ATTRIBUTES = new Set([
  SNAPSHOT_KEY_ATTRIBUTE,
  'kind',
  'handled',
  SNAPSHOT_REVISION_ATTRIBUTE,
  SNAPSHOT_TTL_ATTRIBUTE,
  ...CHANGE_ATTRIBUTES,
]);

function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_REQUEST_ID;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The record stored under `key`, checked attribute by attribute. A problem
 * names the attribute and the rule, never a value (a before-value may be a name).
 */
export function decodeChangeRecord(item: StoredItem, key: string, nowMs: number): DecodedRecord {
  const fail = (problem: string): DecodedRecord => ({ ok: false, problem });
  const unknown = Object.keys(item).find((name) => !ATTRIBUTES.has(name));
  if (unknown !== undefined) return fail('an attribute the handler does not write');
  if (item[SNAPSHOT_KEY_ATTRIBUTE] !== key) return fail(`${SNAPSHOT_KEY_ATTRIBUTE}: not the key read`);
  if (item.kind !== KIND) return fail(`kind: not ${KIND}`);
  const rev = item[SNAPSHOT_REVISION_ATTRIBUTE];
  if (rev === undefined || !REVISION.test(rev)) return fail(`${SNAPSHOT_REVISION_ATTRIBUTE}: not a revision`);
  const expiresAt = Number(item[SNAPSHOT_TTL_ATTRIBUTE]);
  const now = Math.floor(nowMs / 1000);
  if (!Number.isInteger(expiresAt)) return fail(`${SNAPSHOT_TTL_ATTRIBUTE}: not a whole number`);
  if (expiresAt <= now) return fail(`${SNAPSHOT_TTL_ATTRIBUTE}: expired`);
  if (expiresAt > now + RECORD_TTL_SECONDS + CLOCK_SKEW_SECONDS) {
    return fail(`${SNAPSHOT_TTL_ATTRIBUTE}: later than the handler ever sets it`);
  }
  const handled = parseJson(item.handled);
  if (
    !Array.isArray(handled) ||
    handled.length > MAX_HANDLED ||
    !handled.every(
      (entry) => Array.isArray(entry) && entry.length === 2 && isRequestId(entry[0]) && Number.isInteger(entry[1]),
    )
  ) {
    return fail('handled: not a list of request ids and times');
  }
  const base = { key, handled: handled as HandledEvent[], rev, expiresAt };
  if (CHANGE_ATTRIBUTES.every((name) => item[name] === undefined)) return { ok: true, record: base };

  if (!isRequestId(item.requestId)) return fail('requestId: not a request id');
  if (item.operation !== 'create' && item.operation !== 'update') return fail('operation: not create or update');
  if (!HASH.test(item.applied ?? '')) return fail('applied: not a hash');
  if (item.replaced !== undefined && !HASH.test(item.replaced)) return fail('replaced: not a hash');
  if (item.state !== 'applying' && item.state !== 'applied' && item.state !== 'restored') {
    return fail('state: not applying, applied or restored');
  }
  if (item.restoredBy !== undefined && !isRequestId(item.restoredBy)) return fail('restoredBy: not a request id');
  if ((item.restoredBy !== undefined) !== (item.state === 'restored'))
    return fail('restoredBy: not with state restored');
  const before = parseJson(item.before);
  if (typeof before !== 'object' || before === null || Array.isArray(before)) return fail('before: not an object');
  for (const [field, value] of Object.entries(before)) {
    if (!(FINSPACE_FIELDS as readonly string[]).includes(field)) return fail('before: a field FinSpace does not hold');
    if (value === null) continue;
    if (typeof value !== 'string') return fail(`before.${field}: not a string`);
    const problem = beforeValueProblem(field as FinspaceField, value);
    if (problem) return fail(`before.${field}: ${problem}`);
  }
  return {
    ok: true,
    record: {
      ...base,
      change: {
        requestId: item.requestId,
        operation: item.operation,
        applied: item.applied as string,
        replaced: item.replaced,
        before: before as Before,
        state: item.state,
        restoredBy: item.restoredBy,
      },
    },
  };
}

/**
 * Whether `before` holds only fields the applied declaration declares: a
 * record that holds more was not written for it, and is not used.
 */
export function beforeFitsDeclaration(before: Before, applied: UserDeclaration): boolean {
  return Object.keys(before).every((field) => applied[field as FinspaceField] !== undefined);
}
