// `npm run plan` / `npx finspace-user-plan`: what `cdk deploy` would change in
// live FinSpace, per user, before anyone approves it.
//   --local            against the local endpoint's state (.finspace-local), as `npm start` left it
//   --endpoint URL     against a running local endpoint (npm run emulator)
//   (neither)          against AWS, with the caller's credentials and AWS_REGION; the caller must be
//                      allowed to assume each user's admin role
//   --markdown | --json   output for a pull-request comment | for tools (default: a terminal table)
//   --show-names       show first and last names (masked by default)
//   --no-synth, --cdk-out DIR, -c key=value, --parameter Name=Value
// Exit code: 0 nothing would change, 2 something would (or might), 1 error.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readStacks } from '../local/cloud-assembly';
import { type Emulator, startEmulator } from '../local/emulator';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local/emulator-state';
import { finspaceReader, localFinspaceReader } from '../local/finspace-reader';
import { keyValues } from '../local/key-values';
import { synthesize } from '../local/local-deploy';
import { json, markdown, terminalTable } from './plan-report';
import { exitCodeOf, planUsers } from './user-plan';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function runPlan(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      local: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'show-names': { type: 'boolean', default: false },
      'no-synth': { type: 'boolean', default: false },
      'cdk-out': { type: 'string' },
      'state-dir': { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true },
      parameter: { type: 'string', multiple: true },
    },
  });
  const projectDir = process.cwd();
  const cdkOut = resolve(projectDir, values['cdk-out'] ?? 'cdk.out');
  let emulator: Emulator | undefined;
  try {
    if (!values['no-synth']) synthesize(projectDir, cdkOut, keyValues(values.context));
    const stacks = readStacks(cdkOut);
    const local = values.local || values.endpoint !== undefined;
    let endpoint = values.endpoint;
    if (values.local && !endpoint) {
      const stateDir = resolve(projectDir, values['state-dir'] ?? '.finspace-local');
      emulator = await startEmulator({ stateFile: join(stateDir, 'emulator.json') });
      endpoint = emulator.url;
    }
    const reader = local ? localFinspaceReader(endpoint as string, 3) : finspaceReader();
    const plans = await planUsers(stacks, reader, {
      region: local ? LOCAL_REGION : (process.env.AWS_REGION ?? ''),
      accountId: local ? LOCAL_ACCOUNT : process.env.CDK_DEFAULT_ACCOUNT,
      parameters: keyValues(values.parameter),
    });
    const options = { showNames: values['show-names'] ?? false };
    const text = values.json
      ? json(plans, options)
      : values.markdown
        ? markdown(plans, options)
        : terminalTable(plans, options);
    out.write(`${text}\n`);
    return exitCodeOf(plans);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await emulator?.close();
  }
}

if (require.main === module) {
  runPlan(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
