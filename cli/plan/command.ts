// `finspace-user plan` (and `npm run plan`): what `cdk deploy` would change in
// live FinSpace, per user, before anyone approves it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readStacks } from '../../toolkit/cloud-assembly';
import { type Emulator, startEmulator } from '../../local/emulator';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/emulator-state';
import { finspaceReader } from '../../toolkit/finspace-reader';
import { localFinspaceReader } from '../../local/finspace-reader';
import { keyValues } from '../key-values';
import { synthesize } from '../synth';
import { json, markdown, terminalTable } from './plan-report';
import { exitCodeOf, planUsers } from './user-plan';

export const PLAN_HELP = `Usage: finspace-user plan [options]

Synthesizes the CDK app in the current directory and compares each declared
FinspaceUser with the live FinSpace user, field by field: what \`cdk deploy\`
would change. Reads only; nothing is written to FinSpace.

Where it reads from:
  (default)             AWS, with your credentials (default chain) and AWS_REGION;
                        you must be allowed to assume each user's admin role
  --local               the local endpoint's state, as \`finspace-user local\` left it
  --endpoint URL        a running \`finspace-user emulator\`

Options:
  --no-synth            use the existing cloud assembly
  --cdk-out DIR         the cloud assembly (default: cdk.out)
  -c, --context K=V     context for \`cdk synth\` (repeatable)
  --parameter NAME=V    a stack parameter's value (repeatable)
  --state-dir DIR       local state for --local (default: .finspace-local)
  --markdown | --json   a Markdown table (pull-request comment) | JSON (tools)
  --show-names          show first and last names (masked by default)
  -h, --help            this text

Exit code: 0 nothing would change, 2 something would (or might), 1 error.`;

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
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    out.write(`${PLAN_HELP}\n`);
    return 0;
  }
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
      const stateFile = join(stateDir, 'emulator.json');
      // Started on nothing, the endpoint would hold no user and map no admin role: every read refused.
      if (!existsSync(stateFile))
        throw new Error(`--local: no local endpoint state in ${stateDir} (run \`finspace-user local\` first)`);
      emulator = await startEmulator({ stateFile });
      endpoint = emulator.url;
    }
    const reader = local ? localFinspaceReader(endpoint as string, 3) : finspaceReader();
    const plans = await planUsers(stacks, reader, {
      region: local ? LOCAL_REGION : (process.env.AWS_REGION ?? ''),
      accountId: local ? LOCAL_ACCOUNT : process.env.CDK_DEFAULT_ACCOUNT,
      parameters: keyValues(values.parameter),
      local,
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
