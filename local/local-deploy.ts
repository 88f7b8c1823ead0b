// The local deploy: read a synthesized app, then drive each stack's
// Custom::FinspaceUser resources through CloudFormation's lifecycle with the
// real bundled handler, against a local FinSpace endpoint.
import { chmodSync, createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GetUserOutput } from '../finspace/client';
import { ADMIN_ROLES_ENV, ADMIN_ROLES_SEPARATOR, LOG_GROUP_ENV, STACK_ID_ENV } from '../lambda/consts';
import { PROPERTY_NAMES, RESOURCE_TYPE } from '../lambda/resource-properties';
import { LifecycleError } from '../lambda/user-lifecycle';
import { readStacks, type StackUsers } from '../toolkit/cloud-assembly';
import type { UserRow } from './deploy-report';
import { deployedStack, loadDeployState, preserveHandler, saveDeployState } from './deploy-state';
import { PRIVATE_FILE_MODE, privateDir } from './private-files';
import { type Emulator, startEmulator } from './emulator';
import { type EmulatorState, LOCAL_ACCOUNT, LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION } from './emulator-state';
import type { FaultOptions } from './faults';
import type { ReadTarget } from '../toolkit/finspace-reader';
import { localFinspaceReader } from './finspace-reader';
import {
  enterStackStatus,
  type LocalStack,
  type LocalStackResource,
  startCloudFormationEndpoint,
  trackResourceEvent,
} from './cloudformation-endpoint';
import { provisionTables, tablePolicyContext } from './provision-tables';
import { customResourceInvoke } from './custom-resource-invoke';
import { LambdaHost } from './lambda-host';
import { resolveProperties, UnresolvableError } from '../toolkit/resolve-properties';
import { type AppDeclarations, appDeclarations } from './app-declarations';
import type { Seeded } from './seed';
import { type DeploymentResult, deployStack, type DesiredResource, type ResourceEvent } from './stack-deployment';

export interface LocalDeployOptions {
  /** The project whose app is synthesized (holds cdk.json). @default process.cwd() */
  readonly projectDir?: string;
  /** Cloud assembly directory. @default <projectDir>/cdk.out */
  readonly cdkOut?: string;
  /** Where local state lives. @default <projectDir>/.finspace-local */
  readonly stateDir?: string;
  /** Values of the stacks' parameters, by name (`--parameter`). @default - each parameter's default */
  readonly parameters?: Record<string, string>;
  /** A running local endpoint to use (npm run emulator); otherwise one is started in this process. */
  readonly endpoint?: string;
  /**
   * The local FinSpace to start from when `stateDir` holds none yet: all that
   * FinSpace holds, to which declarations add nothing, then or later.
   * @default - seeded from the app's own declarations (local/seed.ts), and on
   * each run with what it declares new
   */
  readonly seed?: () => EmulatorState;
  /** Faults for the in-process endpoint. */
  readonly faults?: FaultOptions;
  /** Events in flight at once, and warm handler instances. @default 4 */
  readonly concurrency?: number;
  /** Overrides the handler's Lambda timeout (tests of the time budget). @default - the template's */
  readonly handlerTimeoutSeconds?: number;
  /** Environment variables for the handler on top of the template's (e.g. AWS_MAX_ATTEMPTS). */
  readonly handlerEnvironment?: Record<string, string>;
  /** Read the users before and after for the report. @default true */
  readonly readUsers?: boolean;
  /** Called for each resource event as it happens. */
  readonly onEvent?: (event: ResourceEvent) => void;
  /** Progress text while waiting (a spinner shows it). */
  readonly onProgress?: (text: string) => void;
}

export interface StackOutcome {
  readonly stackName: string;
  readonly status: DeploymentResult['status'];
  /** The stack's status at the end, as CloudFormation names it (UPDATE_ROLLBACK_COMPLETE, say); none without changes. */
  readonly stackStatus?: string;
  readonly reason?: string;
  readonly events: ResourceEvent[];
}

export interface LocalDeployResult {
  readonly ok: boolean;
  readonly endpoint: string;
  readonly stacks: StackOutcome[];
  readonly users: UserRow[];
  /** What this run seeded into the kept local FinSpace because the app declares it now (none with `endpoint`). */
  readonly seeded?: Seeded;
}

/** The handler function's ARN here: the resources' ServiceToken. */
function localHandlerArn(stackName: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${stackName}-FinspaceUserHandler`;
}

/** Each stack's Custom::FinspaceUser resources, their properties resolved as CloudFormation would here. */
export function desiredResources(
  stacks: readonly StackUsers[],
  parameters: Record<string, string> = {},
): Map<string, DesiredResource[]> {
  const desiredByStack = new Map<string, DesiredResource[]>();
  for (const stack of stacks) {
    const serviceToken = localHandlerArn(stack.stackName);
    const context = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      serviceToken,
      stackName: stack.stackName,
      parameters,
    };
    desiredByStack.set(
      stack.stackName,
      stack.users.map((u) => ({
        logicalId: u.logicalId,
        path: u.path,
        properties: resolvedOrNamed(u.path, () => resolveProperties(u.properties, stack.template, context)),
        ...(u.deletionPolicy === undefined ? {} : { deletionPolicy: u.deletionPolicy }),
        ...(u.updateReplacePolicy === undefined ? {} : { updateReplacePolicy: u.updateReplacePolicy }),
      })),
    );
  }
  return desiredByStack;
}

/** A value that cannot be resolved here fails naming the resource: an app may have many stacks. */
function resolvedOrNamed<T>(path: string, resolved: () => T): T {
  try {
    return resolved();
  } catch (error) {
    if (!(error instanceof UnresolvableError)) throw error;
    throw new UnresolvableError(`${path}: ${error.message}`);
  }
}

/** What the app in an assembly declares, as the local endpoint needs it (nothing when there is no assembly). */
export function declaredApp(cdkOut: string): AppDeclarations {
  if (!existsSync(join(cdkOut, 'manifest.json'))) return { declarations: [], roles: {}, handlerRoleArns: [] };
  const stacks = readStacks(cdkOut);
  return appDeclarations(stacks, desiredResources(stacks));
}

/** A given seed is all that FinSpace holds: declarations never add to it (unless the file says otherwise). */
function fromSeedFile(seed: () => EmulatorState): () => EmulatorState {
  return () => {
    const state = seed();
    state.seededFromDeclarations ??= false;
    return state;
  };
}

/** The (environment, admin role) a declared user is read through. */
function targetOf(properties: Record<string, unknown>): ReadTarget & { userId: string } {
  const externalId = properties[PROPERTY_NAMES.externalId];
  return {
    environmentId: String(properties[PROPERTY_NAMES.environmentId]),
    adminRoleArn: String(properties[PROPERTY_NAMES.adminRoleArn]),
    ...(typeof externalId === 'string' ? { externalId } : {}),
    userId: String(properties[PROPERTY_NAMES.userId]),
  };
}

export async function localDeploy(options: LocalDeployOptions = {}): Promise<LocalDeployResult> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const cdkOut = resolve(projectDir, options.cdkOut ?? 'cdk.out');
  const stateDir = resolve(projectDir, options.stateDir ?? '.finspace-local');
  const progress = options.onProgress ?? (() => undefined);
  privateDir(stateDir);

  const stacks = readStacks(cdkOut);
  // The declared resources, their properties resolved as CloudFormation would: once per stack, and before
  // anything starts, so that an unresolvable value fails the deploy with nothing to clean up.
  const desiredByStack = desiredResources(stacks, options.parameters);

  let emulator: Emulator | undefined;
  const endpoint =
    options.endpoint ??
    (emulator = await startEmulator({
      stateFile: join(stateDir, 'emulator.json'),
      ...(options.seed ? { seed: fromSeedFile(options.seed) } : {}),
      app: () => appDeclarations(stacks, desiredByStack, options.parameters),
      faults: options.faults,
    })).url;
  const stateFile = join(stateDir, 'deployments.json');
  const state = loadDeployState(stateFile);
  const reader = localFinspaceReader(endpoint);
  const logFile = join(stateDir, 'handler.log');
  const log = createWriteStream(logFile, { flags: 'a', mode: PRIVATE_FILE_MODE });
  if (existsSync(logFile)) chmodSync(logFile, PRIVATE_FILE_MODE);
  // The handler asks CloudFormation whether its stack rolls back: this run answers for its stacks.
  const cloudformation = await startCloudFormationEndpoint();

  // Every user the deploy touches: declared now, or deployed before.
  const touched = new Map<string, { path: string; target: ReadTarget; userId: string }>();
  for (const stack of stacks) {
    const previous = state[stack.stackName]?.resources ?? {};
    for (const r of [...Object.values(previous), ...(desiredByStack.get(stack.stackName) ?? [])]) {
      const t = targetOf(r.properties);
      touched.set(`${t.environmentId}\n${t.userId}`, { path: r.path, target: t, userId: t.userId });
    }
  }
  const readKey = (target: ReadTarget) => `${target.environmentId}\n${target.adminRoleArn}\n${target.externalId ?? ''}`;
  /** Every touched environment's users, and why an environment could not be read (by its read key). */
  const snapshot = async (): Promise<{ users: Map<string, GetUserOutput>; unreadable: Map<string, string> }> => {
    const users = new Map<string, GetUserOutput>();
    const unreadable = new Map<string, string>();
    if (options.readUsers === false) return { users, unreadable };
    const seen = new Set<string>();
    for (const { target } of touched.values()) {
      const key = readKey(target);
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        for (const [id, user] of await reader.listUsers(target)) {
          // The e-mail address is personal data nobody declared here: it stays out of the output.
          const { emailAddress: _, ...shown } = user;
          users.set(`${target.environmentId}\n${id}`, shown);
        }
      } catch (error) {
        // Unreadable (the admin role not trusting the handler, no such environment): said, never shown as missing.
        // A LifecycleError's message already names the call and the service's error (`AssumeRole ...: AccessDenied: ...`).
        unreadable.set(
          key,
          error instanceof LifecycleError
            ? error.message
            : error instanceof Error
              ? `${error.name}: ${error.message}`
              : String(error),
        );
      }
    }
    return { users, unreadable };
  };

  const outcomes: StackOutcome[] = [];
  try {
    progress('reading FinSpace users');
    const before = await snapshot();

    for (const stack of stacks) {
      const deployed = deployedStack(state, stack.stackName);
      if (stack.users.length === 0 && Object.keys(deployed.resources).length === 0) continue;
      // What DescribeStackResource answers: the deployed resources, then each as its events go.
      const resources = new Map(
        Object.values(deployed.resources).map((r) => [
          r.logicalId,
          { resourceType: RESOURCE_TYPE, physicalResourceId: r.physicalId, resourceStatus: 'UPDATE_COMPLETE' },
        ]),
      );
      const stackRecord: LocalStack & { readonly resources: Map<string, LocalStackResource> } = {
        stackId: deployed.stackId,
        stackName: stack.stackName,
        status: Object.keys(deployed.resources).length === 0 ? 'REVIEW_IN_PROGRESS' : 'UPDATE_COMPLETE',
        creationTime: new Date(),
        resources,
        events: [],
      };
      cloudformation.stacks.set(deployed.stackId, stackRecord);
      await provisionTables(endpoint, stack.tables, tablePolicyContext(stack, options.parameters));
      // A template that no longer has the handler still has its Deletes served by the deployed one.
      const handler = stack.handler ? preserveHandler(stateDir, stack.handler) : deployed.handler;
      if (!handler) throw new Error(`${stack.stackName}: no bundled FinspaceUser handler found in ${cdkOut}`);
      const host = new LambdaHost({
        assetDir: handler.assetDir,
        timeoutSeconds: options.handlerTimeoutSeconds ?? handler.timeoutSeconds,
        instances: options.concurrency ?? 4,
        log,
        environment: {
          ...handler.environment,
          AWS_REGION: LOCAL_REGION,
          AWS_ENDPOINT_URL: endpoint,
          AWS_ENDPOINT_URL_CLOUDFORMATION: cloudformation.url,
          AWS_ACCESS_KEY_ID: LOCAL_HANDLER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_HANDLER_CREDENTIALS.secretAccessKey,
          AWS_LAMBDA_FUNCTION_NAME: `${stack.stackName}-FinspaceUserHandler`,
          // The template holds references that CloudFormation resolves: the stack id is the one this
          // deploy's events carry; there is no log group here (handler.log, which the CLI names).
          [STACK_ID_ENV]: deployed.stackId,
          [LOG_GROUP_ENV]: '',
          // The template joins the stack's admin roles, which CloudFormation resolves: here, the resources' own.
          [ADMIN_ROLES_ENV]: [
            ...new Set(
              (desiredByStack.get(stack.stackName) ?? []).map((r) => String(r.properties[PROPERTY_NAMES.adminRoleArn])),
            ),
          ].join(ADMIN_ROLES_SEPARATOR),
          // Lambda runs a current Node.js; the SDK's warning about Node 20 is noise here.
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...options.handlerEnvironment,
        },
      });
      const desired = desiredByStack.get(stack.stackName) ?? [];
      let inFlight = 0;
      try {
        const result = await deployStack({
          desired,
          deployed,
          invoke: customResourceInvoke(host, cloudformation, localHandlerArn(stack.stackName)),
          concurrency: options.concurrency ?? 4,
          onStackStatus: (status) => enterStackStatus(stackRecord, status),
          onEvent: (event) => {
            trackResourceEvent(stackRecord, RESOURCE_TYPE, event);
            // a skipped Delete was never in flight
            if (event.status !== 'SKIPPED') inFlight += event.status === 'IN_PROGRESS' ? 1 : -1;
            options.onEvent?.(event);
            progress(`${stack.stackName}: ${inFlight} resource event${inFlight === 1 ? '' : 's'} in progress`);
          },
        });
        // After a rollback the previous declaration, and its handler, is what stands. A deploy that sends no
        // event (an upgrade of the library alone, say) still deploys the template's function: its handler stands.
        const deployedHandler = result.status === 'COMPLETE' || result.status === 'NO_CHANGES';
        state[stack.stackName] = deployedHandler ? { ...result.deployed, handler } : result.deployed;
        saveDeployState(stateFile, state);
        outcomes.push({
          stackName: stack.stackName,
          status: result.status,
          stackStatus: result.status === 'NO_CHANGES' ? undefined : stackRecord.status,
          reason: result.reason,
          events: result.events,
        });
      } finally {
        await host.close();
      }
    }

    progress('reading FinSpace users');
    const after = await snapshot();
    const users: UserRow[] = [...touched.entries()].map(([key, t]) => {
      const beforeError = before.unreadable.get(readKey(t.target));
      const afterError = after.unreadable.get(readKey(t.target));
      return {
        path: t.path,
        userId: t.userId,
        before: before.users.get(key),
        after: after.users.get(key),
        ...(beforeError === undefined ? {} : { beforeError }),
        ...(afterError === undefined ? {} : { afterError }),
      };
    });
    const ok =
      outcomes.every((o) => o.status === 'COMPLETE' || o.status === 'NO_CHANGES') && outcomes.every((o) => !o.reason);
    return { ok, endpoint, stacks: outcomes, users, ...(emulator ? { seeded: emulator.seeded } : {}) };
  } finally {
    log.end();
    await cloudformation.close();
    await emulator?.close();
  }
}
