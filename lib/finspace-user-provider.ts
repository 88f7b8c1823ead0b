import * as cdk from 'aws-cdk-lib';
import { Aws, CfnOutput, Duration, Lazy, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import {
  ADMIN_ROLES_ENV,
  ADMIN_ROLES_SEPARATOR,
  DEFAULT_MAX_ATTEMPTS,
  HANDLER_EXPORT,
  HANDLER_TIMEOUT_SECONDS,
  LOG_GROUP_ENV,
  MAX_EVENT_AGE_SECONDS,
  RETRY_ATTEMPTS,
  SERVICE_TIMEOUT_SECONDS,
  SNAPSHOT_TABLE_ENV,
  STACK_ID_ENV,
} from '../lambda/consts';
import { handlerAssetDir } from './handler-asset';
import { defaultHandlerRoleName } from './handler-role-name';
import { defaultHandlerRuntime, handlerRuntimeProblem, latestKnownNodeRuntime } from './handler-runtime';
import { snapshotTable } from './snapshot-table';

/** Days CloudWatch keeps the handler's logs, unless `configure` says otherwise. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/** The handler's memory (MB), unless `configure` says otherwise: it holds one event and the SDK. */
export const MEMORY_SIZE = 256;

/** How long one handler invocation may run. */
export const HANDLER_TIMEOUT = Duration.seconds(HANDLER_TIMEOUT_SECONDS);

/**
 * How long Lambda keeps one of the handler's asynchronous events, retries
 * included, before it discards it: with the timeout, it bounds how late a run
 * of an event can act (lambda/consts.ts derives the rest from it).
 */
export const MAX_EVENT_AGE = Duration.seconds(MAX_EVENT_AGE_SECONDS);

/**
 * How long CloudFormation waits for a FinspaceUser's response (the custom
 * resource's `ServiceTimeout`) instead of its default hour: longer than any
 * run of the event can still start and finish (the maximum event age and the
 * timeout), so a run CloudFormation still waits for can always answer; a
 * stack whose handler never answers fails in minutes.
 */
export const SERVICE_TIMEOUT = Duration.seconds(SERVICE_TIMEOUT_SECONDS);

/** The construct id, under the stack, of the opt-in output of the handler role's ARN. */
export const HANDLER_ROLE_ARN_OUTPUT_ID = 'FinspaceUserHandlerRoleArn';

/**
 * How a stack's provider makes the handler and its role: names and a path
 * that a service control policy, a permissions boundary or an admin role's
 * trust policy can find, and the settings a platform team tunes. Given once
 * per stack, with `FinspaceUserProvider.configure`, before the stack's first
 * FinspaceUser.
 */
export interface FinspaceUserProviderOptions {
  /**
   * The path of the handler's role (for example `/finspace-user/`): an SCP or a trust
   * policy can then match `arn:aws:iam::<account>:role/finspace-user/*`.
   * @default '/'
   */
  readonly rolePath?: string;
  /**
   * The name of the handler's role, the one that assumes the admin roles. A
   * name is unique in an account: one stack per account may use it.
   * @default - `FinspaceUserProvider.defaultHandlerRoleName(stackName, region)`:
   * `<stack>-FinspaceUserHandler-<region>`, known before the first deploy
   */
  readonly handlerRoleName?: string;
  /**
   * The name of the handler function, so that a service control policy or
   * an identity policy can deny `lambda:InvokeFunction` on exactly it to
   * every principal but the deploying role (README "Credentials", step 4).
   * A name is unique in an account and region: one stack per region may use it.
   * @default - a name CloudFormation generates
   */
  readonly handlerFunctionName?: string;
  /**
   * A permissions boundary for the handler's role. (`iam.PermissionsBoundary.of(scope).apply(policy)`,
   * the CDK's own, sets one on every role of a scope, this one included.)
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
  /**
   * The role CloudFormation deploys this stack as: its service role, or,
   * for a stack deployed without one, the role whose credentials deploy it.
   * Only it may change the snapshot table or the table's policy (README
   * "The snapshot table"); a deploy as another role that changes them fails.
   * @default - the DefaultStackSynthesizer's CloudFormation execution role;
   *   with another synthesizer none, and a warning: the table's items are
   *   still the handler's alone, but any principal allowed
   *   `dynamodb:DeleteResourcePolicy` could lift that
   */
  readonly deployingRole?: iam.IRole;
  /**
   * The handler's Lambda runtime: one of nodejs22.x, nodejs24.x and
   * nodejs26.x, the runtimes the prebuilt handler is tested on.
   * @default - the highest of those your aws-cdk-lib knows (`lambda.Runtime.ALL`),
   * which is what cdk-nag's AwsSolutions-L1 asks for
   */
  readonly runtime?: lambda.Runtime;
  /**
   * The handler's memory, in MB (128 to 10240). More memory is also more CPU:
   * a cold start takes less time.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * How long CloudWatch keeps the handler's logs, the audit trail of who
   * changed which user. The log group is kept when the stack is deleted.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Concurrent executions reserved for the handler (1 or more): a deploy of
   * many users then never takes the account's whole concurrency, and is
   * never starved by other functions; it also caps how many users the
   * handler writes at once.
   * @default - none reserved: the handler uses the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * Marks a stack's provider whichever copy of this library created it (an app
 * may hold two: its own, and one nested under another library), the way
 * `Stack.isStack` does. The `v1` is the contract below: `serviceToken` and
 * `grantAssumeRole(role)`.
 */
const PROVIDER_MARKER = Symbol.for('finspace-user.FinspaceUserProvider.v1');

/** The opt-in stack output of the handler role's ARN. */
export interface HandlerRoleArnOutputOptions {
  /**
   * Exports the output under this name, for `Fn::ImportValue` in another stack.
   * @default - not exported
   */
  readonly exportName?: string;
}

/** What a FinspaceUser needs of its stack's provider, whichever copy of the library made it. */
export interface IFinspaceUserProvider extends IConstruct {
  /** The service token of the `Custom::FinspaceUser` resources. */
  readonly serviceToken: string;
  /** The role the handler runs as. */
  readonly handlerRole: iam.IRole;
  /** Lets the handler assume `role`, and makes `role` trust the handler when it is defined in the same stack. */
  grantAssumeRole(role: iam.IRole): void;
}

/**
 * The one handler Lambda and provider of a stack, shared by all its
 * FinspaceUser resources: a thousand users cost a thousand small resources,
 * not a thousand functions.
 */
export class FinspaceUserProvider extends Construct implements IFinspaceUserProvider {
  /** The construct id of the singleton, directly under its stack. */
  static readonly ID = 'FinspaceUserProvider';

  /** True for a provider made by any copy of this library. */
  static isFinspaceUserProvider(x: unknown): x is IFinspaceUserProvider {
    return typeof x === 'object' && x !== null && PROVIDER_MARKER in x;
  }

  /** The stack's provider: the existing one, from whichever copy of the library made it, or a new one. */
  static of(scope: Construct): IFinspaceUserProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(FinspaceUserProvider.ID);
    if (existing === undefined) return new FinspaceUserProvider(stack, FinspaceUserProvider.ID, {});
    if (FinspaceUserProvider.isFinspaceUserProvider(existing)) return existing;
    throw new Error(
      `${stack.node.path}: a construct named '${FinspaceUserProvider.ID}' already exists and is not a FinspaceUser provider`,
    );
  }

  /**
   * Makes the stack's provider with `options` (role path, names, permissions
   * boundary). Call it before the stack's first FinspaceUser: the provider is
   * made once per stack, and an existing one cannot be changed.
   */
  static configure(scope: Construct, options: FinspaceUserProviderOptions): IFinspaceUserProvider {
    const stack = Stack.of(scope);
    if (stack.node.tryFindChild(FinspaceUserProvider.ID) !== undefined) {
      throw new Error(
        `${stack.node.path}: FinspaceUserProvider.configure must be called before the stack's first FinspaceUser ` +
          'and before outputHandlerRoleArn (its provider already exists)',
      );
    }
    return new FinspaceUserProvider(stack, FinspaceUserProvider.ID, options);
  }

  /**
   * The handler role's name when `configure` gives none:
   * `<stack>-FinspaceUserHandler-<region>`, known before the first deploy, so
   * that an admin role managed elsewhere can trust it beforehand (README
   * "Credentials: the admin role"). Within IAM's 64 characters: a stack name
   * longer than 27 characters is cut to its first 18, a dash and 8 hex digits
   * of its SHA-256. For a nested stack, whose name CloudFormation generates,
   * the stack's construct unique id (`Names.uniqueId`) stands for its name.
   * @param stackName the stack's name
   * @param region the stack's region; a token (an environment-agnostic stack) makes the name a token too
   */
  static defaultHandlerRoleName(stackName: string, region: string): string {
    return defaultHandlerRoleName(stackName, region);
  }

  /**
   * A stack output (opt-in) holding the ARN of the handler's role, for the
   * owner of an admin role managed elsewhere to put in its trust policy.
   * Called again, returns the same output.
   */
  static outputHandlerRoleArn(scope: Construct, options: HandlerRoleArnOutputOptions = {}): CfnOutput {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(HANDLER_ROLE_ARN_OUTPUT_ID);
    if (existing instanceof CfnOutput) {
      if (options.exportName !== undefined && existing.exportName !== options.exportName) {
        throw new Error(
          `${stack.node.path}: the handler role's ARN is already an output, exported as ${existing.exportName ?? '(not exported)'}, not ${options.exportName}`,
        );
      }
      return existing;
    }
    return new CfnOutput(stack, HANDLER_ROLE_ARN_OUTPUT_ID, {
      value: FinspaceUserProvider.of(stack).handlerRole.roleArn,
      description: 'The role the FinspaceUser handler runs as: trust it in each admin role (sts:AssumeRole)',
      exportName: options.exportName,
    });
  }

  /** The handler: CloudFormation invokes it for each event, and it talks to STS and FinSpace. */
  readonly handler: lambda.IFunction;
  /** The role the handler runs as: it may assume the declared admin roles and nothing else. */
  readonly handlerRole: iam.IRole;
  readonly serviceToken: string;

  private readonly assumeRoleStatement: iam.PolicyStatement;
  private readonly adminRoleArns = new Set<string>();

  private constructor(scope: Construct, id: string, options: FinspaceUserProviderOptions) {
    super(scope, id);
    Object.defineProperty(this, PROVIDER_MARKER, { value: true });
    const stack = Stack.of(this);
    const problems = optionProblems(options);
    if (problems.length > 0) {
      throw new Error(`${stack.node.path}: FinspaceUserProvider.configure: ${problems.join('; ')}`);
    }

    // The handler's log is the audit trail of who changed which user: it outlives the stack. A generated
    // name: a retained log group never clashes with the next deploy's.
    const handlerLogs = new logs.LogGroup(this, 'HandlerLogs', {
      retention: options.logRetention ?? LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A nested stack's name is CloudFormation's to generate: its unique id stands for it.
    const stackName = Token.isUnresolved(stack.stackName) ? Names.uniqueId(stack) : stack.stackName;
    const handlerRole = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'FinspaceUser handler: assumes the declared FinSpace admin roles',
      // Known before the first deploy, so that an admin role managed elsewhere can trust it beforehand.
      roleName: options.handlerRoleName ?? defaultHandlerRoleName(stackName, stack.region),
      path: options.rolePath,
      permissionsBoundary: options.permissionsBoundary,
    });
    handlerLogs.grantWrite(handlerRole);
    this.assumeRoleStatement = new iam.PolicyStatement({ actions: ['sts:AssumeRole'] });
    this.handlerRole = handlerRole;
    const snapshots = snapshotTable(this, 'Snapshots', handlerRole, options.deployingRole);

    const runtime = options.runtime ?? defaultHandlerRuntime();
    this.handler = new lambda.Function(this, 'Handler', {
      functionName: options.handlerFunctionName,
      description: 'Applies Custom::FinspaceUser resources to Amazon FinSpace',
      // Bundled once when this library was built (index.js + the SDK calls beside it): synth bundles nothing.
      code: lambda.Code.fromAsset(handlerAssetDir()),
      handler: `index.${HANDLER_EXPORT}`,
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: options.memorySize ?? MEMORY_SIZE,
      reservedConcurrentExecutions: options.reservedConcurrentExecutions,
      timeout: HANDLER_TIMEOUT,
      // Bounds how late an event can run (its function's EventInvokeConfig): see lambda/consts.ts.
      maxEventAge: MAX_EVENT_AGE,
      retryAttempts: RETRY_ATTEMPTS,
      role: handlerRole,
      logGroup: handlerLogs,
      environment: {
        // The SDK's own settings: enough attempts to ride out a burst, and client-side rate limiting
        // so that a stack of users deploying at once backs off together (see the fleet benchmark).
        AWS_MAX_ATTEMPTS: String(DEFAULT_MAX_ATTEMPTS),
        AWS_RETRY_MODE: 'adaptive',
        // The handler acts on this stack's events only, and names it in its AssumeRole sessions.
        [STACK_ID_ENV]: Aws.STACK_ID,
        // Failure reasons point here.
        [LOG_GROUP_ENV]: handlerLogs.logGroupName,
        // Where the handler keeps users' before-values for rollbacks.
        [SNAPSHOT_TABLE_ENV]: snapshots.tableName,
        // Every admin role of the stack's FinspaceUsers: the handler never locks out the FinSpace user of any.
        [ADMIN_ROLES_ENV]: Lazy.string({ produce: () => [...this.adminRoleArns].join(ADMIN_ROLES_SEPARATOR) }),
      },
    });

    // CloudFormation invokes the handler directly, and the handler answers at the event's ResponseURL
    // (lambda/cfn-response.ts): no provider framework, no second function or role between them.
    this.serviceToken = this.handler.functionArn;

    const latest = latestKnownNodeRuntime();
    if (options.runtime === undefined && latest !== undefined && latest !== runtime.name) {
      cdk.Annotations.of(this.handler).addWarningV2(
        'finspace-user:handler-runtime-not-latest',
        `FinspaceUser: your aws-cdk-lib knows ${latest}, and this release of finspace-user tests its handler up to ` +
          `${runtime.name}; cdk-nag's AwsSolutions-L1 reports the handler until a release supports ${latest} ` +
          '(README "cdk-nag and the warnings this library emits").',
      );
    }
  }

  grantAssumeRole(role: iam.IRole): void {
    const roleArn = role.roleArn;
    if (this.adminRoleArns.has(roleArn)) return;
    if (this.adminRoleArns.size === 0) this.handlerRole.addToPrincipalPolicy(this.assumeRoleStatement);
    this.adminRoleArns.add(roleArn);
    this.assumeRoleStatement.addResources(roleArn);
    this.trustHandler(role);
  }

  /**
   * A role defined in this stack trusts the handler role itself. A role of
   * another stack would need the handler role's ARN from this one while this
   * one needs the role's ARN from it, a cycle: its owner adds the trust (README).
   */
  private trustHandler(role: iam.IRole): void {
    if (!(role instanceof iam.Role) || !cdk.Resource.isOwnedResource(role)) return;
    if (Stack.of(role) !== Stack.of(this)) {
      cdk.Annotations.of(role).addWarningV2(
        'finspace-user:admin-role-trust',
        `FinspaceUser: this role is in stack ${Stack.of(role).stackName}, the FinspaceUser handler in ${Stack.of(this).stackName}; ` +
          'add the handler role to its trust policy yourself (README "Credentials: the admin role").',
      );
      return;
    }
    role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        principals: [new iam.ArnPrincipal(this.handlerRole.roleArn)],
      }),
    );
  }
}

/** What `configure` refuses, each naming the option and the rule; numbers known only at deploy time pass. */
function optionProblems(options: FinspaceUserProviderOptions): string[] {
  const problems: string[] = [];
  const known = (value: number | undefined): value is number => value !== undefined && !Token.isUnresolved(value);
  if (options.runtime !== undefined) {
    const problem = handlerRuntimeProblem(options.runtime);
    if (problem !== undefined) problems.push(`runtime: ${problem}`);
  }
  const memory = options.memorySize;
  // Lambda's own limits.
  if (known(memory) && !(Number.isInteger(memory) && memory >= 128 && memory <= 10240)) {
    problems.push(`memorySize: must be an integer from 128 to 10240 (got ${memory})`);
  }
  const reserved = options.reservedConcurrentExecutions;
  // Lambda allows 0, which throttles every invocation: each deploy would wait for its events to time out.
  if (known(reserved) && !(Number.isInteger(reserved) && reserved >= 1)) {
    problems.push(
      `reservedConcurrentExecutions: must be an integer of 1 or more (0 would throttle every event) (got ${reserved})`,
    );
  }
  if (options.logRetention !== undefined && !Object.values(logs.RetentionDays).includes(options.logRetention)) {
    problems.push(`logRetention: must be one of logs.RetentionDays (got ${String(options.logRetention)})`);
  }
  return problems;
}
