// Files the compiled CLI needs beside it that TypeScript does not emit: the
// local Lambda host's child process script.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
mkdirSync(join(root, 'dist', 'local'), { recursive: true });
copyFileSync(join(root, 'local', 'lambda-host-child.cjs'), join(root, 'dist', 'local', 'lambda-host-child.cjs'));
