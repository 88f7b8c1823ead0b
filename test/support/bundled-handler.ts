// Runs the bundled handler as a Lambda instance would: a fresh Node process
// given the event with a ResponseURL of the local CloudFormation endpoint
// (unless the event brings one of its own making: the S3 one of support/events.ts
// is replaced), and what the handler PUT there read back; and that endpoint,
// with the events' stack being created.
import { execFile } from 'node:child_process';
import type { CloudFormationResponse } from '../../lambda/cfn-response';
import {
  type CloudFormationEndpoint,
  enterStackStatus,
  type LocalStack,
  startCloudFormationEndpoint,
} from '../../local/cloudformation-endpoint';
import { type Emulator, startEmulator } from '../../local/emulator';
import { demoState } from './demo-state';
import { EVENTS_RESPONSE_BUCKET, STACK_ID } from './events';
import { provisionSnapshotTable } from './snapshot-table';

export interface BundledRun {
  /** What the handler PUT at the event's ResponseURL. */
  readonly response?: CloudFormationResponse;
  /** What the invocation threw (Lambda would run the event again). */
  readonly error?: string;
  /** Everything the handler logged. */
  readonly logs: string;
  /** Every module the process required, in order. */
  readonly loaded: string[];
}

const MARK = 'BUNDLED-RUN ';

export async function runBundledHandler(
  indexJs: string,
  event: object,
  env: Record<string, string | undefined>,
  cloudformation: Pick<CloudFormationEndpoint, 'url' | 'openResponse'>,
  /** When CloudFormation sent the event (its ResponseURL's signing time). @default now */
  sentAt?: Date,
): Promise<BundledRun> {
  const channel = cloudformation.openResponse(sentAt);
  const own = (event as { ResponseURL?: unknown }).ResponseURL;
  const ofItsOwn = 'ResponseURL' in event && !(typeof own === 'string' && own.startsWith(EVENTS_RESPONSE_BUCKET));
  const ownUrl = ofItsOwn ? { ResponseURL: own } : {};
  const script = `const m = require('node:module'); const loaded = []; const load = m._load;
    m._load = function (request, ...rest) { loaded.push(request); return load.call(this, request, ...rest); };
    const done = (error) => process.stdout.write(${JSON.stringify(MARK)} + JSON.stringify({ error, loaded }) + '\\n');
    require(${JSON.stringify(indexJs)}).handler(JSON.parse(process.argv[1])).then(() => done(), (e) => done(e.message));`;
  try {
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-e', script, JSON.stringify({ ...event, ResponseURL: channel.url, ...ownUrl })],
        { env: { PATH: process.env.PATH, AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url, ...env } },
        (_e, out, err) => resolve({ stdout: out, stderr: err }),
      );
    });
    const lines = stdout.split('\n');
    const mark = lines.find((l) => l.startsWith(MARK));
    const { error, loaded } = mark
      ? (JSON.parse(mark.slice(MARK.length)) as { error?: string; loaded: string[] })
      : { error: `the process ended without settling: ${stderr}`, loaded: [] };
    return {
      response: channel.received() as CloudFormationResponse | undefined,
      error,
      logs: lines.filter((l) => !l.startsWith(MARK)).join('\n') + stderr,
      loaded,
    };
  } finally {
    channel.close();
  }
}

export interface HandlerEndpoints {
  /** The local FinSpace with the demo users and the handler's snapshot table; no call recorded yet. */
  readonly emulator: Emulator;
  readonly cloudformation: CloudFormationEndpoint;
}

/** What a bundled handler runs against in a test, fresh: close both with `closeHandlerEndpoints`. */
export async function startHandlerEndpoints(): Promise<HandlerEndpoints> {
  const emulator = await startEmulator({ seed: demoState });
  await provisionSnapshotTable(emulator.url);
  emulator.calls.length = 0;
  return { emulator, cloudformation: await cloudFormationCreatingStack() };
}

export async function closeHandlerEndpoints(endpoints: HandlerEndpoints): Promise<void> {
  await endpoints.emulator.close();
  await endpoints.cloudformation.close();
}

/**
 * The local CloudFormation endpoint, creating the stack of support/events.ts:
 * the handler serves that stack's events only while it is being deployed.
 */
export async function cloudFormationCreatingStack(): Promise<CloudFormationEndpoint> {
  const cloudformation = await startCloudFormationEndpoint();
  const stack: LocalStack = {
    stackId: STACK_ID,
    stackName: 'FinspaceUsers',
    status: 'REVIEW_IN_PROGRESS',
    creationTime: new Date(),
    events: [],
  };
  enterStackStatus(stack, 'CREATE_IN_PROGRESS', stack.creationTime);
  cloudformation.stacks.set(STACK_ID, stack);
  return cloudformation;
}
