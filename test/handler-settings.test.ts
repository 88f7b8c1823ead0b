// What a platform team tunes with FinspaceUserProvider.configure, and the
// runtime the handler gets when it tunes nothing: the highest Node.js runtime
// of the app's own aws-cdk-lib that the handler is tested on, which is what
// cdk-nag's AwsSolutions-L1 asks for.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FinspaceUserProvider, type FinspaceUserProviderOptions, FinspaceUserType } from '../lib';
import { declareUser, type UserSpec } from './support/roles';

const BASE: UserSpec = {
  environmentId: 'demoenvironment0000000001',
  userId: 'u-quant-analyst',
  type: FinspaceUserType.APP_USER,
  adminRoleArn: 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin',
};
const RUNTIME_WARNING = 'finspace-user:handler-runtime-not-latest';

function stackWith(options?: FinspaceUserProviderOptions): Stack {
  const stack = new Stack(new App(), 'Test');
  if (options) FinspaceUserProvider.configure(stack, options);
  declareUser(stack, 'User', BASE);
  return stack;
}

const handlerOf = (stack: Stack) => {
  const [handler] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  return handler.Properties;
};

/** Runs `body` with aws-cdk-lib's `Runtime.ALL` changed by `edit`, as an older or newer aws-cdk-lib would have it. */
function withRuntimes<T>(edit: (all: lambda.Runtime[]) => void, body: () => T): T {
  const saved = [...lambda.Runtime.ALL];
  try {
    edit(lambda.Runtime.ALL);
    return body();
  } finally {
    lambda.Runtime.ALL.splice(0, lambda.Runtime.ALL.length, ...saved);
  }
}
const without =
  (...names: string[]) =>
  (all: lambda.Runtime[]) => {
    for (let i = all.length - 1; i >= 0; i--) if (names.includes(all[i].name)) all.splice(i, 1);
  };

describe('the default runtime follows the app’s aws-cdk-lib', () => {
  test.each([
    ['2.278.0 (knows nodejs26.x)', [], 'nodejs26.x'],
    ['2.276.0 (knows nodejs24.x)', ['nodejs26.x'], 'nodejs24.x'],
    ['2.174.0 (knows nodejs22.x)', ['nodejs24.x', 'nodejs26.x'], 'nodejs22.x'],
  ])('like aws-cdk-lib %s', (_version, unknown, expected) => {
    const stack = withRuntimes(without(...unknown), () => stackWith());
    expect(handlerOf(stack).Runtime).toBe(expected);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(RUNTIME_WARNING))).toEqual([]);
  });

  test('a newer runtime than the handler is tested on: the highest tested one, and a warning naming both', () => {
    const stack = withRuntimes(
      (all) => all.push(new lambda.Runtime('nodejs28.x', lambda.RuntimeFamily.NODEJS)),
      () => stackWith(),
    );
    expect(handlerOf(stack).Runtime).toBe('nodejs26.x');
    const warnings = Annotations.fromStack(stack).findWarning('/Test/FinspaceUserProvider/Handler', Match.anyValue());
    expect(warnings.map((w) => String(w.entry.data))).toEqual([
      expect.stringMatching(
        /knows nodejs28\.x, .* tests its handler up to nodejs26\.x.*\[ack: finspace-user:handler-runtime-not-latest\]$/s,
      ),
    ]);
  });

  test('the runtime is aws-cdk-lib’s own object, as other constructs compare it', () => {
    const stack = stackWith();
    const provider = FinspaceUserProvider.of(stack);
    const fn = (provider as FinspaceUserProvider).handler as lambda.Function;
    expect(fn.runtime).toBe(lambda.Runtime.ALL.find((r) => r.name === 'nodejs26.x'));
  });
});

describe('configure', () => {
  test('runtime, memory, log retention and reserved concurrency reach the template', () => {
    const stack = stackWith({
      runtime: lambda.Runtime.NODEJS_22_X,
      memorySize: 512,
      logRetention: logs.RetentionDays.ONE_YEAR,
      reservedConcurrentExecutions: 10,
    });
    expect(handlerOf(stack)).toMatchObject({
      Runtime: 'nodejs22.x',
      MemorySize: 512,
      ReservedConcurrentExecutions: 10,
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    // a runtime the team chose is theirs: no warning about newer ones
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('defaults: 256 MB, a month of logs, nothing reserved', () => {
    const stack = stackWith({});
    expect(handlerOf(stack).MemorySize).toBe(256);
    expect(handlerOf(stack).ReservedConcurrentExecutions).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test.each([
    [
      { runtime: lambda.Runtime.NODEJS_20_X },
      'runtime: must be one of nodejs22.x, nodejs24.x, nodejs26.x, the runtimes the prebuilt handler is tested on (got "nodejs20.x")',
    ],
    [{ runtime: lambda.Runtime.PYTHON_3_12 }, 'runtime: must be one of nodejs22.x, nodejs24.x, nodejs26.x'],
    [{ memorySize: 64 }, 'memorySize: must be an integer from 128 to 10240 (got 64)'],
    [{ memorySize: 256.5 }, 'memorySize: must be an integer from 128 to 10240 (got 256.5)'],
    [
      { reservedConcurrentExecutions: 0 },
      'reservedConcurrentExecutions: must be an integer of 1 or more (0 would throttle every event) (got 0)',
    ],
    [{ logRetention: 42 as logs.RetentionDays }, 'logRetention: must be one of logs.RetentionDays (got 42)'],
  ])('%o is refused, naming the option and the rule', (options, message) => {
    expect(() => stackWith(options as FinspaceUserProviderOptions)).toThrow(
      `Test: FinspaceUserProvider.configure: ${message}`,
    );
  });
});
