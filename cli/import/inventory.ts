// `finspace-user import --json`: every field of every user, for audits and
// migrations off FinSpace. It holds personal data, and says so in the file.
import type { GetUserOutput } from '../../finspace/client';
import { compare } from './construct-ids';

export const INVENTORY_WARNING =
  'Personal data: this file holds the names and e-mail addresses of FinSpace users. ' +
  'Keep it out of version control, tickets and logs, and delete it when you no longer need it.';

/** The fields of the API's User shape, in the model's order; any other field FinSpace returns follows, by name. */
const FIELD_ORDER: readonly (keyof GetUserOutput)[] = [
  'userId',
  'status',
  'firstName',
  'lastName',
  'emailAddress',
  'type',
  'apiAccess',
  'apiAccessPrincipalArn',
  'createTime',
  'lastEnabledTime',
  'lastDisabledTime',
  'lastModifiedTime',
  'lastLoginTime',
];

function ordered(user: GetUserOutput): Record<string, unknown> {
  const fields = user as Record<string, unknown>;
  const names = [
    ...FIELD_ORDER.filter((f) => f in fields),
    ...Object.keys(fields)
      .filter((f) => !(FIELD_ORDER as readonly string[]).includes(f))
      .sort(compare),
  ];
  return Object.fromEntries(names.map((f) => [f, fields[f]]));
}

export function inventory(environmentId: string, users: readonly GetUserOutput[]): string {
  const sorted = [...users].sort((a, b) => compare(a.userId ?? '', b.userId ?? ''));
  const document = { warning: INVENTORY_WARNING, environmentId, userCount: sorted.length, users: sorted.map(ordered) };
  return `${JSON.stringify(document, null, 2)}\n`;
}
