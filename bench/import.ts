// `npm run bench -- --only import`: how long `finspace-user import` takes for
// 250 and 1,000 users against the local endpoint, and how many calls it makes
// (target: one ListUsers per 100 users plus the credential exchange, no GetUser).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runImport } from '../cli/import/command';
import { startEmulator } from '../local/emulator';
import { IMPORT_ADMIN_ROLE, IMPORT_ENVIRONMENT, importState } from '../test/support/import-state';

export const IMPORT_SIZES = [250, 1_000];
const RUNS = 5;

export interface ImportMeasure {
  readonly users: number;
  readonly medianMs: number;
  readonly calls: {
    readonly ListUsers: number;
    readonly GetUser: number;
    readonly credentialExchange: number;
    readonly total: number;
  };
  readonly targetCalls: number;
}

export async function benchImport(say: (line?: string) => void): Promise<ImportMeasure[]> {
  const work = mkdtempSync(join(tmpdir(), 'finspace-bench-import-'));
  const measures: ImportMeasure[] = [];
  say('finspace-user import (local endpoint, median of 5 runs)');
  try {
    for (const users of IMPORT_SIZES) {
      const emulator = await startEmulator({ state: importState(users) });
      const times: number[] = [];
      let calls: ImportMeasure['calls'] | undefined;
      for (let run = 0; run < RUNS; run++) {
        const before = emulator.calls.length;
        const started = performance.now();
        const code = await runImport(
          [
            '--endpoint',
            emulator.url,
            '--environment-id',
            IMPORT_ENVIRONMENT,
            '--admin-role-arn',
            IMPORT_ADMIN_ROLE,
            '--out',
            join(work, `users-${users}.ts`),
          ],
          new PassThrough(),
        );
        times.push(performance.now() - started);
        if (code !== 0) throw new Error(`import of ${users} users exited ${code}`);
        const made = emulator.calls.slice(before).map((c) => c.operation);
        const count = (operation: string) => made.filter((o) => o === operation).length;
        calls = {
          ListUsers: count('ListUsers'),
          GetUser: count('GetUser'),
          credentialExchange: count('AssumeRole') + count('GetProgrammaticAccessCredentials'),
          total: made.length,
        };
      }
      await emulator.close();
      times.sort((a, b) => a - b);
      const measure = {
        users,
        medianMs: Math.round(times[Math.floor(RUNS / 2)]),
        calls: calls as ImportMeasure['calls'],
        targetCalls: Math.ceil(users / 100) + 2,
      };
      measures.push(measure);
      say(
        `${String(users).padEnd(6)} users: ${measure.medianMs} ms, ${measure.calls.total} calls ` +
          `(${measure.calls.ListUsers} ListUsers, ${measure.calls.credentialExchange} credential exchange, ` +
          `${measure.calls.GetUser} GetUser; target ${measure.targetCalls})`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return measures;
}
