// Reads and writes change records (change-record.ts) in the snapshot table.
// A read validates what it finds and reports an item it cannot use, by the
// rule it breaks and never by its values; a write is conditional on the
// revision of the item it replaces, so that two events of one resource (a
// forward event still running, and the rollback that undoes it) never write
// over each other unseen.
import { SNAPSHOT_REVISION_ATTRIBUTE, SNAPSHOT_TTL_ATTRIBUTE } from './consts';
import { type ChangeRecord, decodeChangeRecord, encodeChangeRecord } from './change-record';
import type { Outbound } from './outbound';
import { serviceCall } from './stack-status';

export interface StoreDeps {
  readonly outbound: Outbound;
  readonly signal?: AbortSignal;
  /** @default Date.now */
  readonly now?: () => number;
  /** Logs what the handler noticed and set aside (identifiers and rules only). */
  readonly notice?: (message: string) => void;
}

export interface StoredChange {
  /** The valid, unexpired record, if there is one. */
  readonly record?: ChangeRecord;
  /** An item is stored under the key, valid or not. */
  readonly exists: boolean;
  /** The revision of whatever item is stored, valid or not: the condition of the next write. */
  readonly rev: string | undefined;
}

/** The record under `key`; one that breaks a rule is absent (and noticed). `userId` names it in errors. */
export async function readChange(key: string, userId: string, deps: StoreDeps): Promise<StoredChange> {
  const item = await serviceCall(
    'GetItem',
    `change record of ${userId}`,
    () => deps.outbound.getItem(key, deps.signal),
    deps.signal,
  );
  if (!item) return { exists: false, rev: undefined };
  const rev = item[SNAPSHOT_REVISION_ATTRIBUTE];
  const decoded = decodeChangeRecord(item, key, (deps.now ?? Date.now)());
  if (!decoded.ok) {
    // An expired record is the normal end of one; anything else is worth a line in the log.
    if (!decoded.problem.startsWith(`${SNAPSHOT_TTL_ATTRIBUTE}: expired`)) {
      deps.notice?.(`a stored change record was set aside as absent: ${decoded.problem}`);
    }
    return { exists: true, rev };
  }
  return { record: decoded.record, exists: true, rev };
}

/** Writes `record` if the stored item still has revision `expected`; false when it does not (nothing written). */
export function writeChange(
  record: ChangeRecord,
  expected: string | undefined,
  userId: string,
  deps: StoreDeps,
): Promise<boolean> {
  return serviceCall(
    'PutItem',
    `change record of ${userId}`,
    () => deps.outbound.putItem(encodeChangeRecord(record), { rev: expected }, deps.signal),
    deps.signal,
  );
}
