// Local state holds FinSpace user records, names and (short-lived) secrets:
// only its owner may read it, whatever the umask. Modes are set explicitly,
// since `mode` at creation is masked by the umask and ignored for what exists.
// It is kept out of git as well: a user's app has no rule for it in its .gitignore.
//
// The tool changes the permissions of, and deletes (`local --reset`), only a
// directory it made: one holding its marker file, or an empty one it then
// marks. Any other directory (a home directory given as `--state-dir`, say) is
// refused, and a symbolic link is never followed.
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The file that marks a directory as the tool's own. */
export const STATE_DIR_MARKER = '.finspace-user-state';

const MARKER_TEXT =
  'This directory is local state that finspace-user made: it keeps it owner-only, and `local --reset` deletes it.\n';

/** What a private directory's own `.gitignore` says: ignore everything here, this file included. */
const PRIVATE_DIR_GITIGNORE =
  '# Local FinSpace state (user names, keys), written by finspace-user: never commit it.\n*\n';

export class NotOwnDirectoryError extends Error {}

/** lstat, or undefined when nothing is there. */
function lstat(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A regular file (not a link) whose text is `text`, if given. */
function isOwnFile(path: string, text?: string): boolean {
  if (lstat(path)?.isFile() !== true) return false;
  return text === undefined || readFileSync(path, 'utf8') === text;
}

/**
 * True when `dir` is a directory the tool made: its marker is there (or, from
 * releases before the marker, the `.gitignore` the tool writes). Refuses a
 * symbolic link or a file.
 */
export function isOwnDirectory(dir: string): boolean {
  const stat = lstat(dir);
  if (stat === undefined) return false;
  if (stat.isSymbolicLink())
    throw new NotOwnDirectoryError(`${dir} is a symbolic link: finspace-user does not follow it`);
  if (!stat.isDirectory()) throw new NotOwnDirectoryError(`${dir} is not a directory`);
  return isOwnFile(join(dir, STATE_DIR_MARKER)) || isOwnFile(join(dir, '.gitignore'), PRIVATE_DIR_GITIGNORE);
}

/** chmod of the directory itself, never of what a link points at. */
function chmodDirectory(dir: string, mode: number): void {
  const noFollow = constants.O_NOFOLLOW ?? 0;
  const directory = constants.O_DIRECTORY ?? 0;
  if (noFollow === 0) return chmodSync(dir, mode); // no O_NOFOLLOW here (Windows): lstat has checked it
  const fd = openSync(dir, constants.O_RDONLY | noFollow | directory);
  try {
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

function writeNew(path: string, text: string): void {
  rmSync(path, { force: true }); // a stale file, or a link someone left: removed, never written through
  writeFileSync(path, text, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
}

/**
 * Makes `dir` the tool's private directory: created (with its parents) if
 * needed, or taken over when empty, or kept when the tool made it; then
 * owner-only, marked, and ignored by git. Any other directory is refused,
 * untouched.
 */
export function privateDir(dir: string): void {
  if (lstat(dir) === undefined) {
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
  } else if (!isOwnDirectory(dir) && readdirSync(dir).length > 0) {
    throw new NotOwnDirectoryError(
      `${dir} is not a directory finspace-user made (it has no ${STATE_DIR_MARKER}) and is not empty: ` +
        'finspace-user neither changes its permissions nor writes its state there; choose a new or empty directory',
    );
  }
  chmodDirectory(dir, PRIVATE_DIR_MODE);
  if (!isOwnFile(join(dir, STATE_DIR_MARKER))) writeNew(join(dir, STATE_DIR_MARKER), MARKER_TEXT);
  if (!isOwnFile(join(dir, '.gitignore'))) writeNew(join(dir, '.gitignore'), PRIVATE_DIR_GITIGNORE);
}

/**
 * Deletes `dir` and everything in it, if the tool made it (`local --reset`);
 * nothing there is fine; any other directory is refused, untouched. Links
 * inside are removed, not followed.
 */
export function removeOwnDirectory(dir: string): void {
  if (lstat(dir) === undefined) return;
  if (!isOwnDirectory(dir)) {
    throw new NotOwnDirectoryError(
      `${dir} is not a directory finspace-user made (it has no ${STATE_DIR_MARKER}): not deleted`,
    );
  }
  rmSync(dir, { recursive: true });
}

/**
 * Writes to a temporary file and renames it, so that a crash never leaves
 * half a file; owner-only. A missing directory is made private; an existing
 * one is left as it is (its permissions are its owner's business).
 */
export function writePrivateFile(file: string, text: string): void {
  if (lstat(dirname(file)) === undefined) privateDir(dirname(file));
  const tmp = `${file}.tmp`;
  writeNew(tmp, text);
  chmodSync(tmp, PRIVATE_FILE_MODE);
  renameSync(tmp, file);
}

/** Makes a copied tree owner-only: directories 0700, files 0600 (nobody else may read or swap its code); links are left alone. */
export function makeTreePrivate(dir: string): void {
  if (lstat(dir)?.isDirectory() !== true) throw new NotOwnDirectoryError(`${dir} is not a directory`);
  chmodDirectory(dir, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeTreePrivate(path);
    else if (entry.isFile()) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
