// Encryption at rest for the local endpoint's DynamoDB items, as DynamoDB
// encrypts every table: AES-256-GCM under a key kept apart from the data (a
// file beside the state file, readable by its owner only; in memory when the
// state is). The state file then holds no item value in plain text.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writePrivateFile } from './private-files';

export interface AtRestKey {
  seal(plain: string): string;
  open(sealed: string): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFrom(file: string | undefined): Buffer {
  if (file === undefined) return randomBytes(32);
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const key = randomBytes(32);
  writePrivateFile(file, `${key.toString('base64')}\n`);
  return key;
}

/** The key in `file` (made on first use), or a key for this process alone. */
export function atRestKey(file?: string): AtRestKey {
  const key = keyFrom(file);
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(sealed) {
      const data = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}
