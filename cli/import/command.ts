// `finspace-user import`: adopt an existing environment. Reads every user
// (ListUsers, all pages, through the two-step credentials) and writes a
// TypeScript module declaring each as a FinspaceUser, or with --json an
// inventory of every field. Nothing is written to FinSpace.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkString, STRING_SHAPES } from '../../finspace/constraints';
import type { GetUserOutput } from '../../finspace/client';
import { failure, LifecycleError } from '../../lambda/user-lifecycle';
import { type Emulator, startEmulator } from '../../local/emulator';
import { finspaceReader, type FinspaceReader } from '../../toolkit/finspace-reader';
import { visible } from '../../toolkit/visible-text';
import { localFinspaceReader } from '../../local/finspace-reader';
import { previousUserIds } from './construct-ids';
import { generateModule, ImportError, USERS_PER_STACK } from './generate-module';
import { inventory, INVENTORY_WARNING } from './inventory';
import { writeFileAtomically } from './write-file';

export const IMPORT_HELP = `Usage: finspace-user import --environment-id ID --admin-role-arn ARN [options]

Reads every user of a FinSpace environment (ListUsers, through the admin role's
two-step credentials, as the handler does) and writes a TypeScript module that
declares each as a FinspaceUser with the values FinSpace holds: add its construct
to a stack and the first deploy changes nothing. Reads only; nothing is written
to FinSpace. Re-running it on an unchanged environment writes the same bytes, and
construct ids already in the output file are kept.

Required:
  --environment-id ID   the FinSpace environment
  --admin-role-arn ARN  a role FinSpace maps to a superuser with API access
                        (the adminRole of the generated declarations)

Options:
  --out FILE            where to write (default: finspace-users.ts, or
                        finspace-users.json with --json; - for stdout, not with --json)
  --class NAME          the construct class (default: FinspaceUsers); over ${USERS_PER_STACK}
                        users, one class per stack: NAME1, NAME2, ...
  --exclude USER_ID     leave this user out (repeatable)
  --no-names            leave first and last names unmanaged: no personal data in code
  --json                an inventory of every field of every user instead, for audits
                        and migrations (holds names and e-mail addresses; written to
                        a file readable only by you, never printed)

Where it reads from:
  (default)             AWS, with your credentials (default chain) and AWS_REGION;
                        you must be allowed to assume the admin role
  --local               the local endpoint's state, as \`finspace-user local\` left it
  --endpoint URL        a running \`finspace-user emulator\`
  --state-dir DIR       local state for --local (default: .finspace-local)
  -h, --help            this text

Exit code: 0 written, 1 error (the output file is then left as it was).`;

const RESERVED_CLASS_NAMES = new Set(['Construct', 'FinspaceUser', 'FinspaceUserType', 'FinspaceApiAccess', 'iam']);

export async function runImport(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'environment-id': { type: 'string' },
      'admin-role-arn': { type: 'string' },
      out: { type: 'string' },
      class: { type: 'string', default: 'FinspaceUsers' },
      exclude: { type: 'string', multiple: true, default: [] },
      'no-names': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      local: { type: 'boolean', default: false },
      endpoint: { type: 'string' },
      'state-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    out.write(`${IMPORT_HELP}\n`);
    return 0;
  }
  const environmentId = values['environment-id'];
  const adminRoleArn = values['admin-role-arn'];
  const className = values.class ?? 'FinspaceUsers';
  const problems: string[] = [];
  if (environmentId === undefined) problems.push('--environment-id is required');
  else {
    const problem = checkString(environmentId, STRING_SHAPES.environmentId);
    if (problem) problems.push(`--environment-id: ${problem}`);
  }
  if (adminRoleArn === undefined) problems.push('--admin-role-arn is required');
  else {
    const problem = checkString(adminRoleArn, STRING_SHAPES.adminRoleArn);
    if (problem) problems.push(`--admin-role-arn: ${problem}`);
  }
  if (!/^[A-Z][A-Za-z0-9]{0,63}$/.test(className) || RESERVED_CLASS_NAMES.has(className)) {
    problems.push(
      `--class: must be a class name of letters and digits starting with a capital, other than ${[...RESERVED_CLASS_NAMES].join(', ')} (got ${JSON.stringify(className)})`,
    );
  }
  if (values.json && values.out === '-') {
    problems.push('--out -: the inventory holds personal data and is only written to a file');
  }
  if (values.local && values.endpoint !== undefined) problems.push('--local and --endpoint: give one of them');
  if (problems.length > 0 || environmentId === undefined || adminRoleArn === undefined) {
    process.stderr.write(`finspace-user import: ${problems.join('; ')}\n`);
    return 1;
  }

  // The model bounds the environment id's length only: a message shows it escaped, as the generated code does.
  const environment = visible(environmentId);
  const projectDir = process.cwd();
  const toStdout = values.out === '-';
  const outFile = toStdout
    ? undefined
    : resolve(projectDir, values.out ?? (values.json ? 'finspace-users.json' : 'finspace-users.ts'));
  // The summary goes where the module does not.
  const report = toStdout ? process.stderr : out;
  let emulator: Emulator | undefined;
  try {
    let reader: FinspaceReader;
    if (values.local) {
      const stateDir = resolve(projectDir, values['state-dir'] ?? '.finspace-local');
      const stateFile = join(stateDir, 'emulator.json');
      if (!existsSync(stateFile))
        throw new Error(`--local: no local endpoint state in ${stateDir} (run \`finspace-user local\` first)`);
      emulator = await startEmulator({ stateFile });
      reader = localFinspaceReader(emulator.url, 3);
    } else if (values.endpoint !== undefined) {
      reader = localFinspaceReader(values.endpoint, 3);
    } else {
      reader = finspaceReader();
    }

    const users = await readUsers(reader, environmentId, adminRoleArn);
    const excluded = new Set(values.exclude);
    for (const userId of excluded) {
      if (!users.has(userId))
        throw new ImportError(`--exclude ${visible(userId)}: no such user in environment ${environment}`);
    }
    const kept = [...users.values()].filter((u) => !excluded.has(u.userId ?? ''));
    if (kept.length === 0) throw new ImportError(`environment ${environment}: no users to import`);
    const counts = statusCounts(kept, excluded.size);

    if (values.json) {
      const file = outFile as string;
      writeFileAtomically(file, inventory(environmentId, kept), 0o600);
      report.write(`Wrote the inventory of ${kept.length} users of environment ${environment} to ${file}${counts}.\n`);
      process.stderr.write(`Warning: ${INVENTORY_WARNING}\n`);
      return 0;
    }

    const previous = outFile !== undefined && existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
    const module = generateModule(kept, {
      environmentId,
      adminRoleArn,
      className,
      names: !values['no-names'],
      previousIds: previousUserIds(previous),
    });
    if (outFile === undefined) out.write(module.source);
    else writeFileAtomically(outFile, module.source);
    const where = outFile ?? 'stdout';
    if (module.classes.length === 1) {
      report.write(
        `Wrote ${kept.length} users of environment ${environment} to ${where} (class ${className})${counts}.\n`,
      );
    } else {
      report.write(
        `Wrote ${kept.length} users of environment ${environment} to ${where} as ${module.classes.length} classes ` +
          `(${module.classes.map((c) => `${c.name}: ${c.users}`).join(', ')})${counts}.\n` +
          `A stack holds at most ${USERS_PER_STACK} FinspaceUsers (CloudFormation's 500 resources, less the provider's 10): ` +
          'add each class to a stack of its own.\n',
      );
    }
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      `finspace-user import: ${message}${outFile && existsSync(outFile) ? ` (${outFile} is unchanged)` : ''}\n`,
    );
    return 1;
  } finally {
    await emulator?.close();
  }
}

/** Every user of the environment; failures name the environment and the reason. */
async function readUsers(
  reader: FinspaceReader,
  environmentId: string,
  adminRoleArn: string,
): Promise<Map<string, GetUserOutput>> {
  try {
    return await reader.listUsers({ environmentId, adminRoleArn });
  } catch (error) {
    // credential failures arrive formatted already (`AssumeRole <role>: AccessDenied: ...`)
    const reason = error instanceof LifecycleError ? error.message : failure('ListUsers', environmentId, error).message;
    throw new ImportError(`environment ${visible(environmentId)}: ${reason}`);
  }
}

/** `: 3 disabled, 1 still creating, 2 excluded`, or nothing. */
function statusCounts(users: readonly GetUserOutput[], excluded: number): string {
  const disabled = users.filter((u) => u.status === 'DISABLED').length;
  const creating = users.filter((u) => u.status === 'CREATING').length;
  const parts = [
    ...(disabled > 0 ? [`${disabled} disabled`] : []),
    ...(creating > 0 ? [`${creating} still creating`] : []),
    ...(excluded > 0 ? [`${excluded} excluded`] : []),
  ];
  return parts.length > 0 ? `: ${parts.join(', ')}` : '';
}
