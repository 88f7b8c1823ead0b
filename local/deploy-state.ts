// What the local deploy runner has deployed, per stack, so that the next run
// sends exactly the Update and Delete events a real redeploy would.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HandlerFunction } from '../cli/cloud-assembly';
import { type DeployedStack, newStackId } from './stack-deployment';

export type DeployState = Record<string, DeployedStack>;

export function loadDeployState(file: string): DeployState {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DeployState) : {};
}

export function saveDeployState(file: string, state: DeployState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function deployedStack(state: DeployState, stackName: string): DeployedStack {
  return state[stackName] ?? { stackId: newStackId(stackName), resources: {} };
}

/**
 * Keeps a copy of a handler bundle under the state directory, since cdk.out
 * is rewritten by every synth; returns the handler pointing at the copy.
 */
export function preserveHandler(stateDir: string, handler: HandlerFunction): HandlerFunction {
  const copy = join(stateDir, 'handlers', basename(handler.assetDir));
  if (!existsSync(join(copy, 'index.js'))) cpSync(handler.assetDir, copy, { recursive: true });
  return { ...handler, assetDir: copy };
}
