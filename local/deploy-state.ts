// What the local deploy runner has deployed, per stack, so that the next run
// sends exactly the Update and Delete events a real redeploy would.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { HandlerFunction } from '../toolkit/cloud-assembly';
import { makeTreePrivate, privateDir, writePrivateFile } from './private-files';
import { type DeployedStack, newStackId } from './stack-deployment';

export type DeployState = Record<string, DeployedStack>;

export function loadDeployState(file: string): DeployState {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DeployState) : {};
}

export function saveDeployState(file: string, state: DeployState): void {
  writePrivateFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

export function deployedStack(state: DeployState, stackName: string): DeployedStack {
  return state[stackName] ?? { stackId: newStackId(stackName), resources: {} };
}

/**
 * Keeps a copy of a handler bundle under the state directory, since cdk.out
 * is rewritten by every synth; returns the handler pointing at the copy. The
 * copy is code this machine runs with FinSpace admin credentials: owner-only.
 */
export function preserveHandler(stateDir: string, handler: HandlerFunction): HandlerFunction {
  const handlers = join(stateDir, 'handlers');
  privateDir(stateDir);
  privateDir(handlers);
  const copy = join(handlers, basename(handler.assetDir));
  if (!existsSync(join(copy, 'index.js'))) cpSync(handler.assetDir, copy, { recursive: true });
  makeTreePrivate(copy);
  return { ...handler, assetDir: copy };
}
