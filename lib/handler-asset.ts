import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The prebuilt handler (`npm run build` bundles it once). In the published
 * package it sits beside the compiled library (dist/handler next to
 * dist/lib); in a source checkout the library runs from lib/ and the bundle
 * is under dist/.
 */
export function handlerAssetDir(): string {
  const candidates = [join(__dirname, '..', 'handler'), join(__dirname, '..', 'dist', 'handler')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.js')));
  if (!found) {
    throw new Error(
      `FinspaceUser: the prebuilt handler is missing (looked in ${candidates.join(', ')}); run \`npm run build\``,
    );
  }
  return found;
}
