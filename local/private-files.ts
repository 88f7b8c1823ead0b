// Local state holds FinSpace user records, names and (short-lived) secrets:
// only its owner may read it, whatever the umask. Modes are set explicitly,
// since `mode` at creation is masked by the umask and ignored for what exists.
// It is kept out of git as well: a user's app has no rule for it in its .gitignore.
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** What a private directory's own `.gitignore` says: ignore everything here, this file included. */
const PRIVATE_DIR_GITIGNORE =
  '# Local FinSpace state (user names, keys), written by finspace-user: never commit it.\n*\n';

/** Creates `dir` (and its parents) if needed; `dir` itself ends owner-only, and ignored by git. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
  const gitignore = join(dir, '.gitignore');
  if (!existsSync(gitignore)) writeFileSync(gitignore, PRIVATE_DIR_GITIGNORE, { mode: PRIVATE_FILE_MODE });
}

/** Writes to a temporary file and renames it, so that a crash never leaves half a file; owner-only. */
export function writePrivateFile(file: string, text: string): void {
  privateDir(dirname(file));
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text, { mode: PRIVATE_FILE_MODE });
  chmodSync(tmp, PRIVATE_FILE_MODE);
  renameSync(tmp, file);
}

/** Makes a copied tree owner-only: directories 0700, files 0600 (nobody else may read or swap its code). */
export function makeTreePrivate(dir: string): void {
  chmodSync(dir, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) makeTreePrivate(path);
    else if (entry.isFile()) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
