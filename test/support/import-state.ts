// An environment set up by hand over the years, for `finspace-user import`:
// `count` users with awkward names, users without names, API principals, both
// types, disabled and still-creating users, and the admin role's own user.
import {
  emptyState,
  type EmulatorState,
  LOCAL_HANDLER_CREDENTIALS,
  seedUser,
  type UserRecord,
} from '../../local/emulator-state';

export const IMPORT_ENVIRONMENT = 'importenvironment00000001';
export const IMPORT_ADMIN_ROLE = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
export const PIPELINE_ROLE = 'arn:aws:iam::123456789012:role/DataPipeline';
export const READER_ROLE = 'arn:aws:iam::123456789012:role/team/analytics-reader';

/** Names that break naive code generation: quotes, backslashes, `${`, astral and non-Latin text, invisible characters. */
export const AWKWARD_NAMES: readonly [string, string | undefined][] = [
  ["O'Brien", 'Back\\slash'],
  ['${process.exit(1)}', '`template`'],
  ['"Double"', 'It\'s "both"'],
  ['Zoë 🚀', '李小龍'],
  ['Ωμέγα', 'Привет'],
  ['Line\nBreak', 'Tab\there'],
  ['Evil\u202Eright-to-left', 'Zero\u200Bwidth'],
  ['*/ closing', '// slash'],
  ['x'.repeat(50), 'y'],
  ['Solo', undefined],
  ['\\u0041', "'; process.exit(1); '"],
];

export const userIdOf = (i: number) => `u-imp-${String(i).padStart(4, '0')}`;

export function importState(count: number): EmulatorState {
  const users: UserRecord[] = [
    seedUser('u-admin', 'SUPER_USER', 'Platform', 'Admin', 'ENABLED', IMPORT_ADMIN_ROLE),
    // Two people with the same name.
    seedUser('u-twin-a', 'APP_USER', 'Ada', 'Lovelace', 'DISABLED'),
    seedUser('u-twin-b', 'APP_USER', 'Ada', 'Lovelace', 'DISABLED'),
    // A principal left behind when API access was switched off.
    seedUser('u-stale-principal', 'APP_USER', 'Stale', 'Principal', 'DISABLED', PIPELINE_ROLE),
  ];
  for (let i = users.length; i < count; i++) {
    const [first, last] = AWKWARD_NAMES[i % AWKWARD_NAMES.length];
    const named = i % 7 !== 0; // every seventh has no names
    const principal = i % 5 === 0 ? PIPELINE_ROLE : i % 5 === 1 ? READER_ROLE : undefined;
    const user = seedUser(
      userIdOf(i),
      i % 3 === 0 ? 'SUPER_USER' : 'APP_USER',
      named ? first : undefined,
      named ? last : undefined,
      principal ? 'ENABLED' : 'DISABLED',
      principal,
    );
    if (i % 11 === 0) user.status = 'DISABLED';
    if (i % 13 === 0) user.status = 'CREATING';
    users.push(user);
  }
  const state = emptyState();
  state.environments[IMPORT_ENVIRONMENT] = Object.fromEntries(users.map((u) => [u.userId, u]));
  state.roles[IMPORT_ADMIN_ROLE] = { trusted: [LOCAL_HANDLER_CREDENTIALS.principalArn] };
  return state;
}
