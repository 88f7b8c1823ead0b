// `finspace-user local` (and `npm start` in this repository): deploy an app's
// FinspaceUser resources to a local FinSpace endpoint, through the handler
// bundled in its cloud assembly, the way `cdk deploy` would against AWS.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { eventLine, Spinner, usersTable } from '../local/deploy-report';
import type { EmulatorState } from '../local/emulator-state';
import { type LocalDeployResult, localDeploy } from '../local/local-deploy';
import { removeOwnDirectory } from '../local/private-files';
import { keyValues } from './key-values';
import { MASK, maskedUser, type RenderOptions } from '../toolkit/name-masking';
import { synthesize } from './synth';

export const LOCAL_HELP = `Usage: finspace-user local [options]

Synthesizes the CDK app in the current directory, starts a local FinSpace Data API
and STS endpoint on 127.0.0.1, and drives the app's Custom::FinspaceUser resources
through CloudFormation's lifecycle (create, update, delete, rollback) with the
handler bundled in cdk.out. Nothing leaves this machine; no AWS account is needed.

The first run seeds the local FinSpace from the app's own declarations: each
environment exists, each declared user exists as an app user without API access,
and each admin role is mapped to a superuser. Each later run seeds what the app
declares new, and changes nothing that is there. State is kept in .finspace-local/.

Options:
  --no-synth            use the existing cloud assembly instead of running \`cdk synth\`
  --cdk-out DIR         the cloud assembly (default: cdk.out)
  -c, --context K=V     context for \`cdk synth\` (repeatable)
  --parameter NAME=V    a stack parameter's value (repeatable; default: its Default)
  --state-dir DIR       local state (default: .finspace-local)
  --seed FILE           start a new state directory from FILE (the format of
                        .finspace-local/emulator.json) instead of the declarations;
                        FILE is all that FinSpace holds: declarations add nothing
  --reset               forget the local state first (FinSpace and deployed stacks):
                        deletes the state directory, only if finspace-user made it
  --endpoint URL        use a running \`finspace-user emulator\` instead of an in-process one
  --concurrency N       resource events in flight at once (default: 4)
  --json                the result as JSON on stdout
  --show-names          show first and last names (masked by default)
  -h, --help            this text

Exit code: 0 deployed (or nothing to change), 1 the deploy failed or an error.`;

export async function runLocal(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      'show-names': { type: 'boolean', default: false },
      'no-synth': { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      concurrency: { type: 'string', default: '4' },
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      parameter: { type: 'string', multiple: true },
      'cdk-out': { type: 'string' },
      'state-dir': { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    out.write(`${LOCAL_HELP}\n`);
    return 0;
  }
  const projectDir = process.cwd();
  const cdkOut = resolve(projectDir, values['cdk-out'] ?? 'cdk.out');
  const stateDir = resolve(projectDir, values['state-dir'] ?? '.finspace-local');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error('--concurrency must be a whole number of 1 or more');
  const seed = values.seed === undefined ? undefined : readSeed(resolve(projectDir, values.seed));
  // Only a state directory this tool made is deleted; anything else named by --state-dir is refused.
  if (values.reset) removeOwnDirectory(stateDir);

  const spinner = new Spinner(process.stderr, out);
  const human = !values.json;
  const names: RenderOptions = { showNames: values['show-names'] ?? false };
  try {
    if (!values['no-synth']) await synthesize(projectDir, cdkOut, keyValues(values.context));
    const result = await localDeploy({
      projectDir,
      cdkOut,
      stateDir,
      parameters: keyValues(values.parameter),
      seed,
      endpoint: values.endpoint,
      concurrency,
      onProgress: (text) => spinner.update(text),
      onEvent: (event) => {
        if (human && event.status !== 'IN_PROGRESS') spinner.print(eventLine(event));
      },
    });
    spinner.stop();
    if (values.json) {
      const users = result.users.map((row) => ({
        ...row,
        before: row.before && maskedUser(row.before, names),
        after: row.after && maskedUser(row.after, names),
      }));
      out.write(`${JSON.stringify({ ...result, users }, null, 2)}\n`);
      return result.ok ? 0 : 1;
    }
    const seeded = seededLine(result.seeded);
    if (seeded) out.write(`${seeded}\n`);
    for (const stack of result.stacks) {
      const summary = stack.status === 'NO_CHANGES' ? 'no changes: nothing sent to FinSpace' : stack.stackStatus;
      out.write(`\n${stack.stackName}: ${summary}${stack.reason ? `\n  reason: ${stack.reason}` : ''}\n`);
    }
    if (result.stacks.length === 0) out.write('\nNo FinspaceUser resources to deploy.\n');
    if (result.users.length > 0)
      out.write(
        `\nFinSpace users at ${result.endpoint} (* changed${names.showNames ? '' : `; names masked (${MASK}), --show-names shows them`}):\n\n` +
          `${usersTable(result.users, names)}\n`,
      );
    const handlerLog = relative(projectDir, join(stateDir, 'handler.log'));
    out.write(`\n${outcomeLine(result, handlerLog)} Change your app and run this again; --reset starts over.\n`);
    return result.ok ? 0 : 1;
  } finally {
    spinner.stop();
  }
}

/** What a run seeded because the app declares it since the last run, if anything. */
export function seededLine(seeded: LocalDeployResult['seeded']): string | undefined {
  if (!seeded) return undefined;
  const parts = [
    ...seeded.environments.map((id) => `environment ${id}`),
    ...seeded.users.map((u) => `user ${u.userId} in ${u.environmentId}`),
    ...seeded.roles.map((arn) => `role ${arn}`),
  ];
  return parts.length === 0 ? undefined : `\nSeeded in the local FinSpace, newly declared: ${parts.join('; ')}.`;
}

/** What the deploy left FinSpace as: a rollback that failed too is not "as they were". */
export function outcomeLine(result: Pick<LocalDeployResult, 'ok' | 'stacks'>, handlerLog: string): string {
  if (result.ok) return 'Deployed.';
  if (result.stacks.some((stack) => stack.status === 'ROLLBACK_FAILED')) {
    return `Deploy failed, and so did its rollback: some FinSpace users may not be as they were (see the reasons above and ${handlerLog}).`;
  }
  return 'Deploy failed and rolled back: FinSpace users are as they were before this deploy.';
}

/** A seed file: the emulator's state format, checked for the parts a deploy needs. */
function readSeed(file: string): () => EmulatorState {
  if (!existsSync(file)) throw new Error(`--seed ${file}: no such file`);
  const state = JSON.parse(readFileSync(file, 'utf8')) as EmulatorState;
  for (const key of ['environments', 'roles', 'accessKeys'] as const) {
    if (typeof state[key] !== 'object' || state[key] === null) throw new Error(`--seed ${file}: "${key}" is missing`);
  }
  return () => structuredClone(state);
}
