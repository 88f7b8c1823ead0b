import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { DEFAULT_MAX_ATTEMPTS, HANDLER_EXPORT, NETWORK_MODULE } from '../lambda/consts';

/** Days CloudWatch keeps the handler's and the framework's logs. */
export const LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * The one handler Lambda and provider of a stack, shared by all its
 * FinspaceUser resources: a thousand users cost a thousand small resources,
 * not a thousand functions.
 */
export class FinspaceUserProvider extends Construct {
  /** The construct id of the singleton, directly under its stack. */
  static readonly ID = 'FinspaceUserProvider';

  static of(scope: Construct): FinspaceUserProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(FinspaceUserProvider.ID);
    return existing instanceof FinspaceUserProvider
      ? existing
      : new FinspaceUserProvider(stack, FinspaceUserProvider.ID);
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

    const { logGroup: handlerLogs, role: handlerRole } = this.functionIdentity(
      'Handler',
      'FinspaceUser handler: assumes the declared FinSpace admin roles',
    );
    this.assumeRoleStatement = new iam.PolicyStatement({ actions: ['sts:AssumeRole'] });
    this.handlerRole = handlerRole;

    this.handler = new NodejsFunction(this, 'Handler', {
      description: 'Applies Custom::FinspaceUser resources to Amazon FinSpace',
      entry: path.join(__dirname, '..', 'lambda', 'handler.ts'),
      handler: HANDLER_EXPORT,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(5),
      role: handlerRole,
      logGroup: handlerLogs,
      // The SDK's own settings: enough attempts to ride out a burst, and client-side rate limiting
      // so that a stack of users deploying at once backs off together (see the fleet benchmark).
      environment: { AWS_MAX_ATTEMPTS: String(DEFAULT_MAX_ATTEMPTS), AWS_RETRY_MODE: 'adaptive' },
      bundling: {
        // Self-contained: the SDK parts are bundled, not taken from the Lambda runtime. The network
        // stack goes into a second file that the handler loads on its first call (a faster cold start).
        externalModules: [],
        esbuildArgs: { [`--external:${NETWORK_MODULE}`]: true },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir: string, outputDir: string) => [
            [
              JSON.stringify(require.resolve('esbuild/bin/esbuild')),
              JSON.stringify(path.join(__dirname, '..', 'lambda', 'outbound.ts')),
              '--bundle --platform=node --target=node20 --format=cjs --minify --log-level=warning',
              `--outfile=${JSON.stringify(path.join(outputDir, NETWORK_MODULE))}`,
            ].join(' '),
          ],
        },
        minify: true,
        sourceMap: false,
        target: 'node20',
        format: OutputFormat.CJS,
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
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
    });
    this.serviceToken = provider.serviceToken;

    // The provider framework grants itself lambda:InvokeFunction on the handler and on `<handler ARN>:*`,
    // its versions and aliases: a wildcard over one function, not over functions.
    const stack = Stack.of(this);
    const handlerLogicalId = stack.resolve(stack.getLogicalId(this.handler.node.defaultChild as lambda.CfnFunction));
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${handlerLogicalId}.Arn>:*]`,
      reason:
        'The CDK provider framework may invoke the FinspaceUser handler and its versions and aliases (`<arn>:*`); no other function.',
    });
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

  /** Lets the handler assume `roleArn`, once per distinct role. */
  grantAssumeRole(roleArn: string): void {
    if (this.adminRoleArns.has(roleArn)) return;
    if (this.adminRoleArns.size === 0) this.handlerRole.addToPrincipalPolicy(this.assumeRoleStatement);
    this.adminRoleArns.add(roleArn);
    this.assumeRoleStatement.addResources(roleArn);
  }
}
