// `npm start`: deploy the example app's FinSpace users to the local endpoint.
//   --json                 the result, machine-readable, on stdout
//   --no-synth             use the existing cdk.out
//   --endpoint URL         a running `npm run emulator` instead of an in-process one
//   --concurrency N        resource events in flight at once (default 4)
//   -c key=value           context for cdk synth (repeatable)
//   --cdk-out DIR          the cloud assembly (default cdk.out)
//   --state-dir DIR        local state (default .finspace-local)
import { parseArgs } from 'node:util';

// The SDK warns that its 2027 releases need Node 22; this tool runs on Node 20 today and says nothing useful by repeating it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { eventLine, Spinner, usersTable } from './deploy-report';
import { keyValues } from './key-values';
import { localDeploy } from './local-deploy';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'no-synth': { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      'cdk-out': { type: 'string' },
      'state-dir': { type: 'string' },
    },
  });
  const spinner = new Spinner(process.stderr);
  const human = !values.json;
  try {
    const result = await localDeploy({
      synth: !values['no-synth'],
      cdkOut: values['cdk-out'],
      stateDir: values['state-dir'],
      endpoint: values.endpoint,
      concurrency: Number(values.concurrency),
      context: keyValues(values.context),
      onProgress: (text) => spinner.update(text),
      onEvent: (event) => {
        if (human && event.status !== 'IN_PROGRESS') spinner.print(eventLine(event));
      },
    });
    spinner.stop();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.ok ? 0 : 1;
    }
    for (const stack of result.stacks) {
      const summary = stack.status === 'NO_CHANGES' ? 'no changes: nothing sent to FinSpace' : stack.status;
      process.stdout.write(`\n${stack.stackName}: ${summary}${stack.reason ? `\n  reason: ${stack.reason}` : ''}\n`);
    }
    if (result.stacks.length === 0) process.stdout.write('\nNo FinspaceUser resources to deploy.\n');
    if (result.users.length > 0)
      process.stdout.write(`\nFinSpace users at ${result.endpoint} (* changed):\n\n${usersTable(result.users)}\n`);
    process.stdout.write(
      `\n${result.ok ? 'Deployed.' : 'Deploy failed: FinSpace is back to the last deployed declaration.'} ` +
        'Edit bin/example-stack.ts and run `npm start` again; `npm run reset` starts over.\n',
    );
    return result.ok ? 0 : 1;
  } catch (error) {
    spinner.stop();
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

main().then((code) => {
  process.exitCode = code;
});
