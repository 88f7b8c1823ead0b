// Runs a bundled Lambda handler the way the Lambda service would: a few warm
// instances (Node processes), each handling one event at a time, with the
// function's environment and timeout, and its logs kept out of the caller's
// output. `invoke` settles when the handler does (with what it returned);
// CloudFormation's side, the ResponseURL, is custom-resource-invoke.ts's.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

export interface LambdaHostOptions {
  /** Directory of the bundled asset (holds index.js). */
  readonly assetDir: string;
  /** The function's environment, on top of nothing inherited from this process but PATH. */
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
  /** How long an instance may take to load the handler (Lambda's init phase). @default 10 */
  readonly initTimeoutSeconds?: number;
  /** Warm instances at most. @default 4 */
  readonly instances?: number;
  /** Where the handler's stdout and stderr go. @default - discarded */
  readonly log?: Writable;
  /**
   * The Node.js binary that runs the handler, as a Lambda runtime would (a
   * test runs the bundle on each runtime it supports this way).
   * @default - the Node.js running this process
   */
  readonly nodeBinary?: string;
}

interface Pending {
  readonly event: object;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Instance {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  busy: boolean;
}

type ChildMessage =
  { ready: true } | { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export class LambdaHost {
  private readonly instances: Instance[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private closed = false;
  /** Fresh instances started (cold starts). */
  coldStarts = 0;

  constructor(private readonly options: LambdaHostOptions) {}

  /** Runs `event` on a free instance; resolves with what the handler returned, rejects with its error. */
  invoke(event: object): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the Lambda host is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.instances.map(
        (instance) =>
          new Promise<void>((resolve) => {
            if (instance.child.exitCode !== null || instance.child.signalCode !== null) return resolve();
            instance.child.once('exit', () => resolve());
            instance.child.kill();
          }),
      ),
    );
    this.instances.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let instance = this.instances.find((i) => !i.busy);
      if (!instance && this.instances.length < (this.options.instances ?? 4)) instance = this.start();
      if (!instance) return;
      const pending = this.queue.shift() as Pending;
      instance.busy = true;
      this.run(instance, pending);
    }
  }

  private start(): Instance {
    this.coldStarts += 1;
    const child = fork(join(__dirname, 'lambda-host-child.cjs'), [], {
      env: {
        PATH: process.env.PATH ?? '',
        ...this.options.environment,
        FINSPACE_LOCAL_HANDLER_ASSET: join(this.options.assetDir, 'index.js'),
      },
      execArgv: [],
      execPath: this.options.nodeBinary,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => this.options.log?.write(chunk));
    }
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if ('ready' in message) {
          child.off('message', onMessage);
          resolve();
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the handler process exited during init (code ${code})`)));
    });
    ready.catch(() => undefined);
    const instance: Instance = { child, ready, busy: false };
    this.instances.push(instance);
    return instance;
  }

  private run(instance: Instance, pending: Pending): void {
    const id = ++this.nextId;
    const timeoutMs = this.options.timeoutSeconds * 1000;
    let settled = false;
    const finish = (outcome: { result?: unknown; error?: Error }, keep: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      instance.child.off('message', onMessage);
      instance.child.off('exit', onExit);
      if (keep) instance.busy = false;
      else this.discard(instance);
      if (outcome.error) pending.reject(outcome.error);
      else pending.resolve(outcome.result);
      this.dispatch();
    };
    const onMessage = (message: ChildMessage) => {
      if ('ready' in message || message.id !== id) return;
      if (message.ok) finish({ result: message.result }, true);
      else finish({ error: new Error(message.error) }, true);
    };
    const onExit = (code: number | null) =>
      finish({ error: new Error(`the handler process exited (code ${code})`) }, false);
    // As in Lambda, loading the handler (init) is timed apart from the invocation: the function's
    // timeout starts when the event is handed over, from the same instant as the handler's deadline.
    const initTimeoutSeconds = this.options.initTimeoutSeconds ?? 10;
    let timer = setTimeout(
      () => finish({ error: new Error(`INIT timed out after ${initTimeoutSeconds} seconds`) }, false),
      initTimeoutSeconds * 1000,
    );
    instance.child.on('message', onMessage);
    instance.child.once('exit', onExit);
    instance.ready.then(
      () => {
        if (settled) return;
        clearTimeout(timer);
        const deadline = Date.now() + timeoutMs;
        timer = setTimeout(() => {
          finish({ error: new Error(`Task timed out after ${this.options.timeoutSeconds} seconds`) }, false);
        }, timeoutMs);
        instance.child.send({ id, event: pending.event, deadline });
      },
      (error: Error) => finish({ error }, false),
    );
  }

  private discard(instance: Instance): void {
    const index = this.instances.indexOf(instance);
    if (index >= 0) this.instances.splice(index, 1);
    instance.child.kill();
  }
}
