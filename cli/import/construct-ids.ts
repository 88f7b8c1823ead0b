// Construct ids for imported users and roles: from the user id, never from
// the names (a construct id becomes the resource's logical id, which
// CloudFormation's events, the handler's log lines and every report show,
// where names must not be), stable (an id already in the previous output is
// kept, so a user keeps its CloudFormation resource) and unique.
import { parseTsString, TS_STRING_PATTERN } from './ts-literal';

/** ASCII words of a text: accents folded (José → Jose), anything else a separator. */
function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
}

const pascal = (parts: readonly string[]) => parts.map((w) => w[0].toUpperCase() + w.slice(1)).join('');

/** `User_<id>`: a user's base construct id, whatever its names. */
export function userBaseId(userId: string): string {
  return `User_${safeUserId(userId)}`;
}

/** A user id as construct-id text: `/` is not allowed in ids, and anything but letters, digits, `-` and `_` is unreadable in paths. */
function safeUserId(userId: string): string {
  return userId.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** `DataPipelinePrincipal` from `arn:aws:iam::123456789012:role/team/data-pipeline`. */
export function principalBaseId(roleArn: string): string {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const base = pascal(words(roleName));
  return `${/^[A-Za-z]/.test(base) ? base : `Role${base}`}Principal`;
}

/** `dataPipelinePrincipal` for a construct id of letters and digits. */
export const variableName = (constructId: string) => constructId[0].toLowerCase() + constructId.slice(1);

/**
 * Ids for users: each keeps its id from `previous` when it has one, else gets
 * its base id; users whose base ids collide (with each other or with a kept
 * id) each get their user id appended, and a number if even that collides.
 * The result depends only on the inputs, never on the order of `users`.
 */
export function assignUserIds(
  users: readonly { readonly userId: string; readonly baseId: string }[],
  previous: ReadonlyMap<string, string>,
  reserved: ReadonlySet<string>,
): Map<string, string> {
  const assigned = new Map<string, string>();
  const taken = new Set(reserved);
  const sorted = [...users].sort((a, b) => compare(a.userId, b.userId));
  for (const user of sorted) {
    const kept = previous.get(user.userId);
    if (kept !== undefined && isConstructId(kept) && !taken.has(kept)) {
      assigned.set(user.userId, kept);
      taken.add(kept);
    }
  }
  const fresh = sorted.filter((u) => !assigned.has(u.userId));
  const baseCount = new Map<string, number>();
  for (const u of fresh) baseCount.set(u.baseId, (baseCount.get(u.baseId) ?? 0) + 1);
  for (const user of fresh) {
    let id =
      baseCount.get(user.baseId) === 1 && !taken.has(user.baseId)
        ? user.baseId
        : user.baseId.startsWith('User_')
          ? user.baseId
          : `${user.baseId}_${safeUserId(user.userId)}`;
    const first = id;
    for (let n = 2; taken.has(id); n++) id = `${first}_${n}`;
    assigned.set(user.userId, id);
    taken.add(id);
  }
  return assigned;
}

/** Role ids within one construct: the base id, numbered when two roles (or a user) would share it. */
export function assignRoleIds(roleArns: readonly string[], taken: ReadonlySet<string>): Map<string, string> {
  const assigned = new Map<string, string>();
  const used = new Set(taken);
  for (const arn of [...roleArns].sort(compare)) {
    const base = principalBaseId(arn);
    let id = base;
    for (let n = 2; used.has(id) || used.has(variableName(id)); n++) id = `${base}${n}`;
    assigned.set(arn, id);
    used.add(id);
  }
  return assigned;
}

/** What the CDK accepts as an id and a reviewer can read in a path. */
const isConstructId = (id: string) => /^[A-Za-z][A-Za-z0-9_-]{0,254}$/.test(id);

/** Code-unit order: the same on every machine and locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The user construct ids of a module this command wrote before, by user id:
 * `new FinspaceUser(this, '<id>', {` followed by its `userId: '<user id>',`.
 */
export function previousUserIds(source: string): Map<string, string> {
  const ids = new Map<string, string>();
  const literal = TS_STRING_PATTERN;
  const declaration = new RegExp(
    String.raw`new FinspaceUser\(this, ${literal}, \{\n(?:[^\n]*\n){0,3}?\s*userId: ${literal},`,
    'g',
  );
  const value = (single: string | undefined, double: string | undefined) =>
    single !== undefined ? parseTsString(single, "'") : parseTsString(double ?? '', '"');
  for (const match of source.matchAll(declaration)) {
    try {
      ids.set(value(match[3], match[4]), value(match[1], match[2]));
    } catch {
      // not a literal we wrote: that user gets a fresh id
    }
  }
  return ids;
}
