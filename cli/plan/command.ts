// `finspace-user plan` (and `npm run plan`): what `cdk deploy` would change in
// live FinSpace, per user, before anyone approves it.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readStacks, type StackUsers } from '../../toolkit/cloud-assembly';
import { type Emulator, startEmulator } from '../../local/emulator';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/emulator-state';
import { desiredResources } from '../../local/local-deploy';
import { finspaceReader } from '../../toolkit/finspace-reader';
import { localFinspaceReader } from '../../local/finspace-reader';
import { UnresolvableError } from '../../toolkit/resolve-properties';
import { keyValues } from '../key-values';
import { synthesize } from '../synth';
import { cloudFormationStacks, type DeployedStack, type DeployedStacks, localStacks } from './deployed-stacks';
import { json, markdown, terminalTable } from './plan-report';
import { planRemovals } from './removal-plan';
import { exitCodeOf, planUsers } from './user-plan';

export const PLAN_HELP = `Usage: finspace-user plan [options]

Synthesizes the CDK app in the current directory and compares each declared
FinspaceUser with the live FinSpace user, field by field, and with what the
stack has deployed: what \`cdk deploy\` would change, including the users of
resources it removes or replaces (DESTROY: disabled). Reads only; nothing is
written to FinSpace or CloudFormation.

Where it reads from:
  (default)             AWS, with your credentials (default chain) and AWS_REGION:
                        each stack's deployed template and resources
                        (cloudformation:GetTemplate, ListStackResources), and each
                        user through its admin role, which you must be allowed to assume
  --local               the local endpoint's state and deployed stacks, as
                        \`finspace-user local\` left them
  --endpoint URL        a running \`finspace-user emulator\` (deployed stacks from --state-dir)

Options:
  --no-synth            use the existing cloud assembly
  --cdk-out DIR         the cloud assembly (default: cdk.out)
  -c, --context K=V     context for \`cdk synth\` (repeatable)
  --parameter NAME=V    a stack parameter's value (repeatable)
  --state-dir DIR       local state for --local (default: .finspace-local)
  --markdown | --json   a Markdown table (pull-request comment) | JSON (tools)
  --show-names          show first and last names (masked by default)
  -h, --help            this text

Exit code: 0 nothing would change, 2 something would (or might), a removal
included, 1 error (a user or a deployed stack could not be read).`;

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
    if (!values['no-synth']) await synthesize(projectDir, cdkOut, keyValues(values.context));
    const stacks = readStacks(cdkOut);
    const local = values.local || values.endpoint !== undefined;
    const stateDir = resolve(projectDir, values['state-dir'] ?? '.finspace-local');
    const parameters = keyValues(values.parameter);
    let endpoint = values.endpoint;
    if (values.local && !endpoint) {
      const stateFile = join(stateDir, 'emulator.json');
      // Started on nothing, the endpoint would hold no user and map no admin role: every read refused.
      if (!existsSync(stateFile))
        throw new Error(`--local: no local endpoint state in ${stateDir} (run \`finspace-user local\` first)`);
      emulator = await startEmulator({ stateFile });
      endpoint = emulator.url;
    }
    const reader = local ? localFinspaceReader(endpoint as string, 3) : finspaceReader();
    const deployedStacks = local
      ? localStacks(join(stateDir, 'deployments.json'), (stack, resource) => localResolved(stack, resource, parameters))
      : cloudFormationStacks();
    const deployed = await readDeployed(stacks, deployedStacks);
    const context = {
      region: local ? LOCAL_REGION : (process.env.AWS_REGION ?? ''),
      accountId: local ? LOCAL_ACCOUNT : process.env.CDK_DEFAULT_ACCOUNT,
      parameters,
      local,
    };
    const users = await planUsers(stacks, reader, context, deployed);
    const removals = await planRemovals(stacks, deployed, reader, context);
    const plan = { users, removals };
    const options = { showNames: values['show-names'] ?? false };
    const text = values.json
      ? json(plan, options)
      : values.markdown
        ? markdown(plan, options)
        : terminalTable(plan, options);
    out.write(`${text}\n`);
    return exitCodeOf(users, removals);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await emulator?.close();
  }
}

/** What each stack has deployed; a stack that cannot be read fails the plan (it never counts as "nothing deployed"). */
async function readDeployed(
  stacks: readonly StackUsers[],
  source: DeployedStacks,
): Promise<Map<string, DeployedStack | undefined>> {
  const deployed = new Map<string, DeployedStack | undefined>();
  for (const stack of stacks) deployed.set(stack.stackName, await source.read(stack));
  return deployed;
}

/** A declared resource's properties as the local deploy would send them, or undefined where it cannot resolve them. */
function localResolved(
  stack: StackUsers,
  resource: StackUsers['users'][number],
  parameters: Record<string, string>,
): Record<string, unknown> | undefined {
  try {
    return desiredResources([{ ...stack, users: [resource] }], parameters).get(stack.stackName)?.[0]?.properties;
  } catch (error) {
    if (error instanceof UnresolvableError) return undefined;
    throw error;
  }
}
