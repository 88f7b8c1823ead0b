// The local Lambda host times an invocation as Lambda does: the function's
// timeout covers the handler's run, not the loading of its code (init), which
// has a limit of its own. A slow cold start on a busy machine therefore never
// eats the handler's time budget.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LambdaHost } from '../local/lambda-host';
import { createEvent } from './support/events';

let assetDir: string;
beforeEach(() => {
  assetDir = mkdtempSync(join(tmpdir(), 'finspace-lambda-host-'));
  // A handler whose init takes INIT_MS (busy, as loading a large bundle would be), then answers at once
  // with the time its context says is left.
  writeFileSync(
    join(assetDir, 'index.js'),
    `const until = Date.now() + Number(process.env.INIT_MS);
     while (Date.now() < until) {}
     exports.handler = async (_event, context) => ({ Data: { remainingMs: context.getRemainingTimeInMillis() } });`,
  );
});
afterEach(() => rmSync(assetDir, { recursive: true, force: true }));

test('an init longer than the function timeout does not time the invocation out, nor shorten its budget', async () => {
  const timeoutSeconds = 2;
  // init takes half as long again as the whole invocation may
  const host = new LambdaHost({ assetDir, timeoutSeconds, environment: { INIT_MS: String(timeoutSeconds * 1500) } });
  try {
    const response = (await host.invoke(createEvent())) as { Data: { remainingMs: number } };
    const remainingMs = response.Data.remainingMs;
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(timeoutSeconds * 1000);
  } finally {
    await host.close();
  }
});

test('an init that does not finish fails the invocation after the init limit', async () => {
  const initTimeoutSeconds = 1;
  const host = new LambdaHost({
    assetDir,
    timeoutSeconds: 30,
    initTimeoutSeconds,
    environment: { INIT_MS: String(Number.MAX_SAFE_INTEGER) },
  });
  try {
    await expect(host.invoke(createEvent())).rejects.toThrow(`INIT timed out after ${initTimeoutSeconds} seconds`);
  } finally {
    await host.close();
  }
});
