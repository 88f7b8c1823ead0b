// `npm run bench`: FinspaceUser measured side by side with AwsCustomResource
// (the generic construct a CDK user reaches for first), in one run on one
// machine. Prints a table and writes bench/results.json. Not part of npm test.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import * as constructLibrary from '../lib';
import { readStacks } from '../toolkit/cloud-assembly';
import { startEmulator, WRITE_OPERATIONS } from '../local/emulator';
import { LOCAL_HANDLER_CREDENTIALS, type UserRecord } from '../local/emulator-state';
import { demoState } from '../test/support/demo-state';
import { customResourceInvoke } from '../local/custom-resource-invoke';
import { LambdaHost } from '../local/lambda-host';
import { localDeploy } from '../local/local-deploy';
import { resolveProperties } from '../toolkit/resolve-properties';
import { STACK_ID_ENV } from '../lambda/consts';
import { startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { provisionSnapshotTable, snapshotTableEnv } from '../test/support/snapshot-table';
import type { LifecycleEvent } from '../lambda/user-lifecycle';
import { benchImport } from './import';
import { ENVIRONMENT, synthesizeBench, userId, type Variant } from './synth-stack.cjs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const SIZES = [1, 10, 100, 300];
const VARIANTS: Variant[] = ['FinspaceUser', 'AwsCustomResource'];
/** Fresh processes per variant and size; each takes about 4 s on a quiet machine, most of it the CDK's template validator. */
const COLD_RUNS = 5;
const COLD_RUNS_WITHOUT_VALIDATION = 15;
const WARM_BLOCKS = 3;
/** Timed synths per block: at least this many, and for at least WARM_BLOCK_MS (a 1-user synth takes about 15 ms). */
const WARM_BLOCK_RUNS = 5;
const WARM_BLOCK_MS = 1_000;
/** Untimed synths before the warm runs: the first compiles the validator's WASM, the next stay slow while V8 optimises it. */
const WARM_UP_MS = 20_000;
const LIMITS = { resources: 500, templateBytes: 1_000_000, rolePolicyChars: 10_240 };

interface TemplateCost {
  readonly users: number;
  readonly resources: number;
  readonly templateBytes: number;
  /** Characters of the inline policies attached to the busiest role, as IAM counts them (no whitespace). */
  readonly rolePolicyChars: number;
}

/** Construction plus `app.synth()` in this process, on the library's sources (capacity() applies the resource limit). */
function synthesize(variant: Variant, count: number, outdir?: string): { app: App; stack: Stack; ms: number } {
  const started = process.hrtime.bigint();
  const { app, stack } = synthesizeBench(variant, count, constructLibrary, outdir);
  return { app, stack, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

function templateCost(variant: Variant, count: number): TemplateCost {
  const { app } = synthesize(variant, count);
  const template = app.synth().getStackByName('Bench').template as {
    Resources: Record<string, { Type: string; Properties?: { PolicyDocument?: unknown; Roles?: { Ref: string }[] } }>;
  };
  const perRole = new Map<string, number>();
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    for (const role of r.Properties?.Roles ?? []) {
      perRole.set(role.Ref, (perRole.get(role.Ref) ?? 0) + JSON.stringify(r.Properties?.PolicyDocument).length);
    }
  }
  return {
    users: count,
    resources: Object.keys(template.Resources).length,
    templateBytes: JSON.stringify(template).length,
    rolePolicyChars: Math.max(0, ...perRole.values()),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The most users one stack holds, and which limit binds first. */
function capacity(costs: TemplateCost[]): { users: number; binding: string; perUser: Record<string, number> } {
  const first = costs[0];
  const last = costs[costs.length - 1];
  const span = last.users - first.users;
  const perUser = {
    resources: (last.resources - first.resources) / span,
    templateBytes: (last.templateBytes - first.templateBytes) / span,
    rolePolicyChars: (last.rolePolicyChars - first.rolePolicyChars) / span,
  };
  const fixed = (key: keyof typeof perUser) => first[key] - perUser[key] * first.users;
  const candidates = (Object.keys(LIMITS) as (keyof typeof LIMITS)[]).map((key) => ({
    key,
    users: perUser[key] > 0 ? Math.floor((LIMITS[key] - fixed(key)) / perUser[key]) : Number.POSITIVE_INFINITY,
  }));
  const binding = candidates.reduce((a, b) => (b.users < a.users ? b : a));
  return { users: binding.users, binding: binding.key, perUser };
}

/** A fresh Node process: its wall time and output (asynchronous: the local endpoint it calls lives in this process). */
function runProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ wallMs: number; stdout: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env: { PATH: process.env.PATH, ...env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`node ${args[0]} ... failed: ${stderr}`));
      else resolve({ wallMs: Number(process.hrtime.bigint() - started) / 1e6, stdout });
    });
  });
}

async function timeProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return (await runProcess(args, env)).wallMs;
}

async function medianOf(runs: number, measure: (run: number) => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < runs; i++) values.push(await measure(i));
  return median(values);
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'finspace-bench-'));
  const results: Record<string, unknown> = {
    measuredAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
  };
  const lines: string[] = [];
  const say = (line = '') => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };

  // 1. Template cost per user, and capacity.
  const variants = VARIANTS;
  const costs = Object.fromEntries(variants.map((v) => [v, SIZES.map((n) => templateCost(v, n))])) as Record<
    Variant,
    TemplateCost[]
  >;
  const capacities = Object.fromEntries(variants.map((v) => [v, capacity(costs[v])])) as Record<
    Variant,
    ReturnType<typeof capacity>
  >;
  results.templateCost = costs;
  results.capacity = capacities;
  say('Template cost (resources / template bytes / largest role inline policy chars)');
  say(`${'users'.padEnd(8)}${variants.map((v) => v.padEnd(34)).join('')}`);
  for (let i = 0; i < SIZES.length; i++) {
    say(
      `${String(SIZES[i]).padEnd(8)}${variants.map((v) => `${costs[v][i].resources} / ${costs[v][i].templateBytes} / ${costs[v][i].rolePolicyChars}`.padEnd(34)).join('')}`,
    );
  }
  for (const v of variants) {
    const c = capacities[v];
    say(
      `${v}: per extra user ${c.perUser.resources.toFixed(2)} resources, ${c.perUser.templateBytes.toFixed(0)} bytes, ${c.perUser.rolePolicyChars.toFixed(0)} policy chars; at most ${c.users} users per stack (${c.binding} binds)`,
    );
  }
  const bytesRatio = capacities.FinspaceUser.perUser.templateBytes / capacities.AwsCustomResource.perUser.templateBytes;
  say(`template bytes per user, ours/peer: ${bytesRatio.toFixed(2)}`);
  say();

  // 2. Synth time.
  results.synthTime = await synthSection(say);
  say();

  // 3. Cold start.
  const oursOut = join(work, 'ours.out');
  synthesize('FinspaceUser', 1, oursOut);
  const ours = readStacks(oursOut)[0];
  const peerOut = join(work, 'peer.out');
  synthesize('AwsCustomResource', 1, peerOut);
  const peerAsset = findPeerAsset(peerOut);
  const state = demoState();
  const users = state.environments[ENVIRONMENT];
  for (let i = 0; i < 100; i++) users[userId(i)] = { ...(users['u-quant-analyst'] as UserRecord), userId: userId(i) };
  const emulator = await startEmulator({ state });
  await provisionSnapshotTable(emulator.url);
  const BENCH_STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Bench/1';
  // The handler asks CloudFormation whether its stack rolls back: a deployed stack, not rolling back.
  const cloudformation = await startCloudFormationEndpoint();
  cloudformation.stacks.set(BENCH_STACK_ID, {
    stackId: BENCH_STACK_ID,
    stackName: 'Bench',
    status: 'UPDATE_IN_PROGRESS',
    creationTime: new Date(),
  });
  const handlerEnv = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    [STACK_ID_ENV]: BENCH_STACK_ID,
    ...snapshotTableEnv,
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
  };
  const createEvent = (index: number, requestId: string): LifecycleEvent => ({
    RequestType: 'Create',
    RequestId: requestId,
    StackId: BENCH_STACK_ID,
    LogicalResourceId: `User${index}`,
    ResourceType: 'Custom::FinspaceUser',
    ResourceProperties: resolveProperties(ours.users[0].properties, ours.template, {
      region: 'us-east-1',
      accountId: '123456789012',
      serviceToken: 'arn:local',
    }),
  });
  const coldRuns = 7;
  const bare = await medianOf(coldRuns, () => timeProcess(['-e', '']));
  const script = (asset: string, event: unknown) =>
    `require(${JSON.stringify(asset)}).handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 60000 }).then(() => {}, (e) => { console.error(e.message); process.exitCode = 1; });`;
  const oursAsset = join(ours.handler!.assetDir, 'index.js');
  const oursCreate = await medianOf(coldRuns, async (i) => {
    // As CloudFormation calls it: the event names where to answer, and the answer is checked.
    const channel = cloudformation.openResponse();
    const ms = await timeProcess(
      ['-e', script(oursAsset, { ...createEvent(0, `cold-${i}`), ResponseURL: channel.url })],
      handlerEnv,
    );
    const answer = channel.received() as { Status?: string } | undefined;
    channel.close();
    if (answer?.Status !== 'SUCCESS')
      throw new Error(`the cold Create was not answered SUCCESS: ${JSON.stringify(answer)}`);
    return ms;
  });
  const oursLoad = await medianOf(coldRuns, () =>
    timeProcess(['-e', `require(${JSON.stringify(oursAsset)})`], handlerEnv),
  );
  const peerLoad = peerAsset
    ? await medianOf(coldRuns, () => timeProcess(['-e', `require(${JSON.stringify(peerAsset)})`], handlerEnv))
    : undefined;
  const bundleBytes = statSync(join(ours.handler!.assetDir, 'index.js')).size;
  const networkBytes = statSync(join(ours.handler!.assetDir, 'aws-clients.js')).size;
  const peerBytes = peerAsset ? statSync(peerAsset).size : undefined;
  results.coldStart = {
    runs: coldRuns,
    bareNodeMs: bare,
    ours: { bundleBytes, networkBytes, loadMs: oursLoad, createMs: oursCreate },
    peer: {
      bundleBytes: peerBytes,
      loadMs: peerLoad,
      create:
        'not possible: the peer cannot obtain FinSpace credentials, and @aws-sdk/client-finspace-data does not exist to load',
    },
  };
  say(`Handler cold start, median of ${coldRuns} fresh Node processes (bare node -e '': ${bare.toFixed(0)} ms)`);
  say(
    `ours: handler ${(bundleBytes / 1024).toFixed(0)} KiB (+ ${(networkBytes / 1024).toFixed(0)} KiB network stack, loaded by the first call), load ${oursLoad.toFixed(0)} ms (${(oursLoad / bare).toFixed(2)}x bare), load + Create ${oursCreate.toFixed(0)} ms (${(oursCreate / bare).toFixed(2)}x bare)`,
  );
  if (peerLoad !== undefined && peerBytes !== undefined) {
    say(
      `peer: bundle ${(peerBytes / 1024).toFixed(0)} KiB, load ${peerLoad.toFixed(0)} ms (${(peerLoad / bare).toFixed(2)}x bare); a Create cannot run (no FinSpace client, no two-step credentials)`,
    );
    say(`load time ours/peer: ${(oursLoad / peerLoad).toFixed(2)}`);
  }
  say();

  // 4. FinSpace calls per lifecycle event, fresh and warm.
  const host = new LambdaHost({
    assetDir: ours.handler!.assetDir,
    timeoutSeconds: 60,
    instances: 1,
    environment: handlerEnv,
  });
  const invoke = customResourceInvoke(host, cloudformation, 'arn:aws:lambda:us-east-1:123456789012:function:bench');
  const count = async (event: LifecycleEvent) => {
    const before = emulator.calls.length;
    const describedBefore = cloudformation.answered.length;
    const answer = await invoke(event);
    if (answer.Status !== 'SUCCESS') throw new Error(`${event.RequestType} failed: ${answer.Reason}`);
    const calls = emulator.calls.slice(before);
    // the stack's status, asked of CloudFormation (its own endpoint here), is a call too
    const described = cloudformation.answered.slice(describedBefore).map(() => 'DescribeStacks');
    return {
      total: calls.length + described.length,
      writes: calls.filter((c) => WRITE_OPERATIONS.has(c.operation)).length,
      operations: [...described, ...calls.map((c) => c.operation)],
    };
  };
  const props = createEvent(0, 'x').ResourceProperties;
  const physicalId = `${ENVIRONMENT}/${userId(0)}`;
  const changed = { ...props, FirstName: 'Changed' };
  const callCounts = {
    createFresh: await count(createEvent(0, 'calls-create')),
    noOpUpdateWarm: await count({
      ...createEvent(0, 'calls-noop'),
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      OldResourceProperties: props,
    }),
    updateWarm: await count({
      ...createEvent(0, 'calls-update'),
      RequestType: 'Update',
      PhysicalResourceId: physicalId,
      ResourceProperties: changed,
      OldResourceProperties: props,
    }),
    deleteRetainWarm: await count({
      ...createEvent(0, 'calls-delete'),
      RequestType: 'Delete',
      PhysicalResourceId: physicalId,
      ResourceProperties: changed,
    }),
    deleteDestroyWarm: await count({
      ...createEvent(0, 'calls-delete-d'),
      RequestType: 'Delete',
      PhysicalResourceId: physicalId,
      ResourceProperties: { ...changed, RemovalPolicy: 'destroy' },
    }),
    createWarm: await count(createEvent(0, 'calls-create-2')),
  };
  await host.close();
  results.callsPerEvent = callCounts;
  say('Calls per lifecycle event: FinSpace, STS, DynamoDB and CloudFormation (total / FinSpace writes)');
  for (const [name, c] of Object.entries(callCounts))
    say(`${name.padEnd(20)}${c.total} / ${c.writes}   ${c.operations.join(', ')}`);
  say();

  // 5. Fleet deploy: 100 users, endpoint limited to 10 requests per second, in each SDK retry mode.
  const fleetOut = join(work, 'fleet.out');
  synthesize('FinspaceUser', 100, fleetOut);
  const rate = 10;
  const fleetResults: Record<string, unknown> = {};
  say(`Fleet deploy: 100 users, endpoint limited to ${rate} req/s, 10 concurrent events`);
  // adaptive is what the construct configures; standard is the SDK default, for comparison
  for (const mode of ['adaptive', 'standard']) {
    emulator.faults.configure({ throttleRps: rate });
    const before = emulator.calls.length;
    const started = Date.now();
    const fleet = await localDeploy({
      projectDir: work,
      stateDir: join(work, `state-${mode}`),
      cdkOut: fleetOut,
      endpoint: emulator.url,
      concurrency: 10,
      readUsers: false,
      handlerEnvironment: { AWS_RETRY_MODE: mode },
    });
    const seconds = (Date.now() - started) / 1000;
    emulator.faults.configure({});
    const fleetCalls = emulator.calls.slice(before).filter((c) => c.service === 'finspace');
    const needed = fleetCalls.filter((c) => c.statusCode === 200).length;
    const throttled = fleetCalls.filter((c) => c.errorName === 'ThrottlingException').length;
    const failures = fleet.stacks.flatMap((s) => s.events).filter((e) => e.status === 'FAILED').length;
    const minimum = needed / rate;
    fleetResults[mode] = {
      seconds,
      successfulCalls: needed,
      throttled,
      theoreticalMinimumSeconds: minimum,
      ratio: seconds / minimum,
      failures,
    };
    say(
      `AWS_RETRY_MODE=${mode.padEnd(9)} ${seconds.toFixed(1)} s for ${needed} FinSpace calls (minimum ${minimum.toFixed(1)} s): ${(seconds / minimum).toFixed(2)}x the minimum, ${failures} failures, ${throttled} throttled attempts`,
    );
  }
  results.fleetDeploy = { users: 100, rateLimitRps: rate, concurrency: 10, ...fleetResults };

  await emulator.close();
  await cloudformation.close();
  rmSync(work, { recursive: true, force: true });
  say();
  results.import = await importSection(say);
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  say();
  say(
    `wrote bench/results.json (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version})`,
  );
}

type Say = (line?: string) => void;
type PerVariant<T> = Record<Variant, T>;
const perVariant = <T>(make: () => T): PerVariant<T> => ({ FinspaceUser: make(), AwsCustomResource: make() });
const ratio = (ours: number, peer: number) => Number((ours / peer).toFixed(2));
const ms = (value: number, width = 6) => value.toFixed(0).padStart(width);

/** Section 2: whole-stack synth (construction plus `app.synth()`), ours and the peer's, cold and warm. */
async function synthSection(say: Say): Promise<Record<string, unknown>> {
  const work = mkdtempSync(join(tmpdir(), 'finspace-bench-synth-'));
  try {
    const cold = await coldSynth(work, say, true);
    say();
    const coldWithoutValidation = await coldSynth(work, say, false);
    say();
    const warm = warmSynth(work, say);
    return {
      measuredAt: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cold,
      coldWithoutValidation,
      warm,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface ColdRun {
  /** Loading aws-cdk-lib and the construct module (ours) or aws-cdk-lib/custom-resources (the peer). */
  readonly loadMs: number;
  /** Construction plus `app.synth()`. */
  readonly synthMs: number;
  /**
   * The whole process as the parent sees it: Node's start, the above, and the exit, which waits
   * for V8 to finish optimising the validator's WASM in the background.
   */
  readonly processMs: number;
}

/** One synth in a fresh Node process on the compiled library (bench/synth-child.cjs). */
async function coldRun(variant: Variant, users: number, work: string, validation: boolean): Promise<ColdRun> {
  const outdir = mkdtempSync(join(work, 'cold-'));
  const { wallMs, stdout } = await runProcess(
    [join(__dirname, 'synth-child.cjs'), variant, String(users), outdir],
    // aws-cdk-lib's own switch for its template validator
    validation ? {} : { CDK_VALIDATION: 'false' },
  );
  rmSync(outdir, { recursive: true, force: true });
  const { loadMs, synthMs } = JSON.parse(stdout) as { loadMs: number; synthMs: number };
  return { loadMs, synthMs, processMs: wallMs };
}

/** The fresh processes load dist/, which must be built from the current sources. */
function assertBuilt(): void {
  const root = join(__dirname, '..');
  // `npm run build` writes both: the assembly with dist/lib (jsii), then the handler bundle.
  const builtAt = Math.min(
    ...['.jsii', 'dist/handler/index.js'].map((f) => statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0),
  );
  for (const dir of ['lib', 'finspace', 'lambda']) {
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts'))) {
      if (builtAt < statSync(join(root, dir, file)).mtimeMs) {
        throw new Error(`bench: dist/ is missing or older than ${dir}/${file}; run \`npm run build\` first`);
      }
    }
  }
}

/**
 * Cold, the `cdk synth` condition: each run is one fresh Node process that loads the modules,
 * constructs the app and synthesizes once, on the compiled library users get. Rounds cover every
 * size with ours and the peer alternating (the order flips each round), so the drift of this
 * noisy machine over the minutes hits both alike. aws-cdk-lib's template validator takes most of
 * such a run (3 to 8 s to set its engine up, the same for any app), and its time swings with the
 * machine's load; the second pass turns it off (`CDK_VALIDATION=false`, as a user may) to show
 * what the constructs themselves cost, measured many more times since each run is short.
 */
async function coldSynth(work: string, say: Say, validation: boolean): Promise<Record<string, unknown>> {
  assertBuilt();
  const rounds = validation ? COLD_RUNS : COLD_RUNS_WITHOUT_VALIDATION;
  for (const v of VARIANTS) await coldRun(v, 1, work, validation); // untimed: fills the file cache
  const runs = perVariant(() => SIZES.map((): ColdRun[] => []));
  for (let round = 0; round < rounds; round++) {
    for (const [i, n] of SIZES.entries()) {
      for (const v of round % 2 ? [...VARIANTS].reverse() : VARIANTS) {
        runs[v][i].push(await coldRun(v, n, work, validation));
      }
    }
  }
  const medians = perVariant(
    () =>
      [] as {
        users: number;
        loadMs: number;
        synthMs: number;
        loadAndSynthMs: number;
        processMs: number;
        synthMsRuns: number[];
      }[],
  );
  for (const v of VARIANTS) {
    for (const [i, n] of SIZES.entries()) {
      const of = (pick: (run: ColdRun) => number) => median(runs[v][i].map(pick));
      medians[v].push({
        users: n,
        loadMs: of((r) => r.loadMs),
        synthMs: of((r) => r.synthMs),
        loadAndSynthMs: of((r) => r.loadMs + r.synthMs),
        processMs: of((r) => r.processMs),
        // every run, in order (runs of the same round are adjacent in time): the spread behind the median
        synthMsRuns: runs[v][i].map((r) => Math.round(r.synthMs)),
      });
    }
  }
  // Ratios of the medians, and "paired": the median of each round's ratio, whose two runs ran one
  // after the other, so load on the machine that changes within minutes cancels out.
  const paired = (i: number, pick: (run: ColdRun) => number) =>
    ratio(median(runs.FinspaceUser[i].map((ours, round) => pick(ours) / pick(runs.AwsCustomResource[i][round]))), 1);
  const oursOverPeer = SIZES.map((n, i) => {
    const [ours, peer] = [medians.FinspaceUser[i], medians.AwsCustomResource[i]];
    return {
      users: n,
      load: ratio(ours.loadMs, peer.loadMs),
      synth: ratio(ours.synthMs, peer.synthMs),
      synthPaired: paired(i, (r) => r.synthMs),
      loadAndSynth: ratio(ours.loadAndSynthMs, peer.loadAndSynthMs),
      loadAndSynthPaired: paired(i, (r) => r.loadMs + r.synthMs),
      process: ratio(ours.processMs, peer.processMs),
    };
  });
  say(
    `Synth time, cold${validation ? '' : ', CDK_VALIDATION=false'}: one synth per fresh Node process, as \`cdk synth\` runs it (compiled library; median of ${rounds} runs, ours and the peer alternating; ms, ours / peer = ratio; paired = median of the per-round ratios)`,
  );
  say(
    `${'users'.padEnd(8)}${'module load'.padEnd(22)}${'construction + synth'.padEnd(37)}${'load + construction + synth'.padEnd(37)}whole process`,
  );
  for (const [i, n] of SIZES.entries()) {
    const [ours, peer, r] = [medians.FinspaceUser[i], medians.AwsCustomResource[i], oursOverPeer[i]];
    const cell = (o: number, p: number, q: number) => `${ms(o)} / ${ms(p)} = ${q.toFixed(2)}`;
    say(
      `${String(n).padEnd(8)}${cell(ours.loadMs, peer.loadMs, r.load).padEnd(22)}${`${cell(ours.synthMs, peer.synthMs, r.synth)} paired ${r.synthPaired.toFixed(2)}`.padEnd(37)}${`${cell(ours.loadAndSynthMs, peer.loadAndSynthMs, r.loadAndSynth)} paired ${r.loadAndSynthPaired.toFixed(2)}`.padEnd(37)}${cell(ours.processMs, peer.processMs, r.process)}`,
    );
  }
  return { runs: rounds, validation, library: 'dist/lib', ...medians, oursOverPeer };
}

/**
 * Warm, the unit-test condition: many synths of one stack shape in one process, on the sources.
 * aws-cdk-lib validates every template with a WASM engine that it re-initialises (about 150 ms)
 * whenever a template has resource types the current engine does not cover, so alternating ours
 * and the peer synth by synth would charge that to every synth of both. Runs therefore come in
 * blocks of one variant, each opened by an untimed synth that sets the engine up for its
 * resource types; the blocks alternate so both variants see the same machine state. Before
 * them, WARM_UP_MS of untimed synths: the process's first synth compiles the engine (about 3.5
 * s), and the synths after it stay several times slower for seconds while V8 optimises it on the
 * same two cores.
 */
function warmSynth(work: string, say: Say): Record<string, unknown> {
  const synthIn = (v: Variant, n: number) => {
    const outdir = mkdtempSync(join(work, 'warm-')); // a fresh output directory, as App gives each test
    const { ms: elapsed } = synthesize(v, n, outdir);
    rmSync(outdir, { recursive: true, force: true });
    return elapsed;
  };
  const warmUpStarted = Date.now();
  while (Date.now() - warmUpStarted < WARM_UP_MS) for (const n of SIZES) for (const v of VARIANTS) synthIn(v, n);
  const medians = perVariant(() => [] as { users: number; medianMs: number; runs: number }[]);
  for (const n of SIZES) {
    const runs = perVariant((): number[] => []);
    for (let block = 0; block < WARM_BLOCKS * VARIANTS.length; block++) {
      const v = VARIANTS[block % VARIANTS.length];
      synthIn(v, n);
      const started = Date.now();
      for (let run = 0; run < WARM_BLOCK_RUNS || Date.now() - started < WARM_BLOCK_MS; run++)
        runs[v].push(synthIn(v, n));
    }
    for (const v of VARIANTS) medians[v].push({ users: n, medianMs: median(runs[v]), runs: runs[v].length });
  }
  const slope = (v: Variant) => {
    const s = medians[v];
    return (s[s.length - 1].medianMs - s[0].medianMs) / (s[s.length - 1].users - s[0].users);
  };
  const oursOverPeer = SIZES.map((n, i) => ({
    users: n,
    synth: ratio(medians.FinspaceUser[i].medianMs, medians.AwsCustomResource[i].medianMs),
  }));
  say(
    `Synth time, warm: synths of one stack shape in one process, as unit tests run them (sources; median of ${WARM_BLOCKS} blocks of at least ${WARM_BLOCK_RUNS} runs and ${WARM_BLOCK_MS} ms each, alternating with the peer's; ms)`,
  );
  for (const [i, n] of SIZES.entries()) {
    say(
      `${String(n).padEnd(8)}ours ${ms(medians.FinspaceUser[i].medianMs)}   peer ${ms(medians.AwsCustomResource[i].medianMs)}   ours/peer ${oursOverPeer[i].synth.toFixed(2)}   (runs: ${medians.FinspaceUser[i].runs} / ${medians.AwsCustomResource[i].runs})`,
    );
  }
  const msPerUser = { FinspaceUser: slope('FinspaceUser'), AwsCustomResource: slope('AwsCustomResource') };
  say(
    `per extra user: ours ${msPerUser.FinspaceUser.toFixed(2)} ms, peer ${msPerUser.AwsCustomResource.toFixed(2)} ms, ratio ${(msPerUser.FinspaceUser / msPerUser.AwsCustomResource).toFixed(2)}`,
  );
  return {
    blocks: WARM_BLOCKS,
    minRunsPerBlock: WARM_BLOCK_RUNS,
    minBlockMs: WARM_BLOCK_MS,
    ...medians,
    oursOverPeer,
    msPerUser,
  };
}

/** The AwsCustomResource provider's asset: the function whose Handler is index.handler and isn't ours. */
function findPeerAsset(outdir: string): string | undefined {
  const template = JSON.parse(readFileSync(join(outdir, 'Bench.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties?: { Code?: { S3Key?: string } } }>;
  };
  const assets = JSON.parse(readFileSync(join(outdir, 'Bench.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string } }>;
  };
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const hash = r.Properties?.Code?.S3Key?.replace(/\.zip$/, '');
    const path = hash ? assets.files[hash]?.source.path : undefined;
    if (path) {
      const file = join(outdir, path, 'index.js');
      try {
        statSync(file);
        return file;
      } catch {
        // not a directory asset with index.js
      }
    }
  }
  return undefined;
}

/** The import's figures, with when and where they were measured (`--only import` refreshes just these). */
async function importSection(say: Say): Promise<Record<string, unknown>> {
  const measures = await benchImport(say);
  return { measuredAt: new Date().toISOString(), node: process.version, cpus: cpus().length, measures };
}

/** Sections that run alone (`npm run bench -- --only <name>`), and their key in results.json. */
const SECTIONS = {
  import: { key: 'import', run: importSection },
  synth: { key: 'synthTime', run: synthSection },
} as const;

/** Measures one section alone and merges its figures into results.json. */
async function onlySection(name: keyof typeof SECTIONS): Promise<void> {
  const file = join(__dirname, 'results.json');
  const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const { key, run } = SECTIONS[name];
  results[key] = await run((line = '') => process.stdout.write(`${line}\n`));
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`merged the ${name} figures into bench/results.json\n`);
}

const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && !Object.hasOwn(SECTIONS, only)) {
  throw new Error(`--only: one of ${Object.keys(SECTIONS).join(', ')} can run alone (got ${only})`);
}
(only === undefined ? main() : onlySection(only as keyof typeof SECTIONS)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
