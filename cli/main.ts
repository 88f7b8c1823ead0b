#!/usr/bin/env node
// `npx finspace-user <command>`: the one command-line entry point.
import { EMULATOR_HELP, runEmulator } from './emulator-command';
import { IMPORT_HELP, runImport } from './import/command';
import { LOCAL_HELP, runLocal } from './local-command';
import { packageVersion } from './package-version';
import { PLAN_HELP, runPlan } from './plan/command';

// The SDK warns that its 2027 releases need Node 22; on Node 20 today the warning says nothing useful here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface Command {
  readonly summary: string;
  readonly help: string;
  readonly run: (argv: string[]) => Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  plan: { summary: 'what `cdk deploy` would change in FinSpace, per user and field', help: PLAN_HELP, run: runPlan },
  local: { summary: "deploy your app's FinSpace users to a local FinSpace endpoint", help: LOCAL_HELP, run: runLocal },
  emulator: { summary: 'run the local FinSpace endpoint in the foreground', help: EMULATOR_HELP, run: runEmulator },
  import: { summary: 'declare the users of an existing environment as code', help: IMPORT_HELP, run: runImport },
};

export const MAIN_HELP = `Usage: finspace-user <command> [options]

Run from the directory of a CDK app that declares FinspaceUser constructs.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`)
  .join('\n')}

\`finspace-user <command> --help\` describes a command's options; \`finspace-user --version\`
prints the version. \`finspace-user-plan\` is another name for \`finspace-user plan\`.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS[rest[0] ?? ''] : undefined;
    process.stdout.write(`${topic?.help ?? MAIN_HELP}\n`);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`finspace-user: unknown command '${name}'\n\n${MAIN_HELP}\n`);
    return 1;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(`finspace-user ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
