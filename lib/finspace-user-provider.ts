import * as cdk from 'aws-cdk-lib';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_MAX_ATTEMPTS, HANDLER_EXPORT, SNAPSHOT_TABLE_ENV } from '../lambda/consts';
import { handlerAssetDir } from './handler-asset';
import { snapshotTable } from './snapshot-table';

/** Days CloudWatch keeps the handler's and the framework's logs. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * The Lambda runtime of the handler. Named by string, not by the
 * `Runtime.NODEJS_24_X` constant, so that the oldest aws-cdk-lib we support
 * (which predates the constant) deploys the same runtime.
 */
export const HANDLER_RUNTIME = new lambda.Runtime('nodejs24.x', lambda.RuntimeFamily.NODEJS);

/**
 * Marks a stack's provider whichever copy of this library created it (an app
 * may hold two: its own, and one nested under another library), the way
 * `Stack.isStack` does. The `v1` is the contract below: `serviceToken` and
 * `grantAssumeRole(role)`.
 */
const PROVIDER_MARKER = Symbol.for('finspace-user.FinspaceUserProvider.v1');

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
    if (existing === undefined) return new FinspaceUserProvider(stack, FinspaceUserProvider.ID);
    if (FinspaceUserProvider.isFinspaceUserProvider(existing)) return existing;
    throw new Error(
      `${stack.node.path}: a construct named '${FinspaceUserProvider.ID}' already exists and is not a FinspaceUser provider`,
    );
  }

  /** The onEvent handler that talks to STS and FinSpace. */
  readonly handler: lambda.IFunction;
  /** The role the handler runs as: it may assume the declared admin roles and nothing else. */
  readonly handlerRole: iam.IRole;
  readonly serviceToken: string;

  private readonly assumeRoleStatement: iam.PolicyStatement;
  private readonly adminRoleArns = new Set<string>();

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    Object.defineProperty(this, PROVIDER_MARKER, { value: true });

    const { logGroup: handlerLogs, role: handlerRole } = this.functionIdentity(
      'Handler',
      'FinspaceUser handler: assumes the declared FinSpace admin roles',
    );
    this.assumeRoleStatement = new iam.PolicyStatement({ actions: ['sts:AssumeRole'] });
    this.handlerRole = handlerRole;
    const snapshots = snapshotTable(this, 'Snapshots', handlerRole);

    this.handler = new lambda.Function(this, 'Handler', {
      description: 'Applies Custom::FinspaceUser resources to Amazon FinSpace',
      // Bundled once when this library was built (index.js + the network stack beside it): synth bundles nothing.
      code: lambda.Code.fromAsset(handlerAssetDir()),
      handler: `index.${HANDLER_EXPORT}`,
      runtime: HANDLER_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(5),
      role: handlerRole,
      logGroup: handlerLogs,
      // The SDK's own settings: enough attempts to ride out a burst, and client-side rate limiting
      // so that a stack of users deploying at once backs off together (see the fleet benchmark).
      environment: {
        AWS_MAX_ATTEMPTS: String(DEFAULT_MAX_ATTEMPTS),
        AWS_RETRY_MODE: 'adaptive',
        [SNAPSHOT_TABLE_ENV]: snapshots.tableName,
      },
    });

    const { logGroup: frameworkLogs, role: frameworkRole } = this.functionIdentity(
      'Framework',
      'FinspaceUser provider framework: invokes the handler',
    );
    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.handler,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogs,
      // The framework must never log events: their properties hold names.
      frameworkLambdaLoggingLevel: lambda.ApplicationLogLevel.FATAL,
    });
    this.serviceToken = provider.serviceToken;

    // The provider framework grants itself lambda:InvokeFunction on the handler and on `<handler ARN>:*`,
    // its versions and aliases: a wildcard over one function, not over functions. `acknowledge` is
    // recent (aws-cdk-lib 2.252); with an older aws-cdk-lib there is nothing to acknowledge to.
    if (typeof cdk.Validations?.prototype?.acknowledge === 'function') {
      const handlerLogicalId = Stack.of(this).resolve(
        Stack.of(this).getLogicalId(this.handler.node.defaultChild as lambda.CfnFunction),
      );
      cdk.Validations.of(frameworkRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
        reason:
          'The CDK provider framework may invoke the FinspaceUser handler and its versions and aliases (`<arn>:*`); no other function.',
      });
    }
  }

  /** A function's own log group (bounded retention) and role, which may write to it and nothing else yet. */
  private functionIdentity(prefix: string, description: string): { logGroup: logs.LogGroup; role: iam.Role } {
    const logGroup = new logs.LogGroup(this, `${prefix}Logs`, {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, `${prefix}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description,
    });
    logGroup.grantWrite(role);
    return { logGroup, role };
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
