// The TypeScript module `finspace-user import` writes: one construct class
// (several past one stack's capacity) declaring each user of an environment as
// a FinspaceUser with the values FinSpace holds, so that a first deploy
// changes nothing. Pure: the same users give the same text, byte for byte.
import {
  API_ACCESS_VALUES,
  type ApiAccess,
  checkString,
  formatViolations,
  STRING_SHAPES,
  USER_TYPES,
  type UserDeclaration,
  validateDeclaration,
} from '../../finspace/constraints';
import type { GetUserOutput } from '../../finspace/client';
import { assignRoleIds, assignUserIds, compare, userBaseId, variableName } from './construct-ids';
import { commentText, tsString } from './ts-literal';
import { USERS_PER_STACK } from '../../lambda/consts';

export { USERS_PER_STACK };

const ADMIN_ROLE_ID = 'AdminRole';
const PRINT_WIDTH = 120;

export interface ModuleOptions {
  readonly environmentId: string;
  readonly adminRoleArn: string;
  /** The construct class; with several, `<className>1`, `<className>2`, ... */
  readonly className: string;
  /** Declare first and last names (false: leave them unmanaged, no personal data in code). */
  readonly names: boolean;
  /** Construct ids of users in the module written before, by user id (kept). */
  readonly previousIds?: ReadonlyMap<string, string>;
}

export interface GeneratedModule {
  readonly source: string;
  /** Each class and how many users it declares. */
  readonly classes: readonly { readonly name: string; readonly users: number }[];
}

/** A value FinSpace holds that cannot be declared as it is: the user and the reason. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

/** The FinSpace fields of a user's declaration, and what the generated code says about them. */
interface Declaration extends Pick<
  UserDeclaration,
  'userId' | 'type' | 'firstName' | 'lastName' | 'apiAccess' | 'apiAccessPrincipalArn'
> {
  readonly comments: readonly string[];
}

function declarationOf(user: GetUserOutput, options: ModuleOptions): Declaration {
  const userId = user.userId ?? '';
  const userProblem = checkString(userId, STRING_SHAPES.userId);
  if (userProblem) throw new ImportError(`user ${JSON.stringify(userId)}: userId: ${userProblem}`);
  const type = user.type;
  if (type === undefined || !USER_TYPES.includes(type)) {
    throw new ImportError(
      `user ${userId}: type: FinSpace returned ${JSON.stringify(type ?? null)}, which is not one of ${USER_TYPES.join(', ')}`,
    );
  }
  const comments: string[] = [];
  if (user.status === 'DISABLED') {
    comments.push('Disabled in FinSpace. FinspaceUser does not manage status yet: a deploy leaves it disabled.');
  } else if (user.status === 'CREATING') {
    comments.push('Still CREATING in FinSpace when imported. FinspaceUser does not manage status yet.');
  }
  if (user.apiAccessPrincipalArn === options.adminRoleArn && user.apiAccess === 'ENABLED') {
    comments.push("The admin role's own user: the handler acts as it. Keep its API access and principal as they are.");
  }

  const names: { firstName?: string; lastName?: string } = {};
  if (options.names) {
    for (const field of ['firstName', 'lastName'] as const) {
      const value = user[field];
      if (value === undefined) continue;
      const problem = checkString(value, STRING_SHAPES[field]);
      if (problem)
        comments.push(`FinSpace holds a ${field} that FinspaceUser cannot declare (${problem}): not managed.`);
      else names[field] = value;
    }
  }

  let apiAccess: ApiAccess | undefined;
  if (user.apiAccess !== undefined) {
    if (API_ACCESS_VALUES.includes(user.apiAccess)) apiAccess = user.apiAccess;
    else comments.push(`FinSpace returned apiAccess ${JSON.stringify(user.apiAccess)}: not managed.`);
  }
  let apiAccessPrincipalArn: string | undefined;
  const principal = user.apiAccessPrincipalArn;
  if (principal !== undefined && principal !== '') {
    const problem = checkString(principal, STRING_SHAPES.apiAccessPrincipalArn);
    if (problem) comments.push(`FinSpace holds an API principal that is not a role ARN (${problem}): not managed.`);
    else if (apiAccess !== 'ENABLED')
      comments.push(
        `FinSpace keeps the API principal ${principal} with API access off: not managed (declared, it would make synth warn that the principal is unused; declare apiAccessPrincipal to manage it).`,
      );
    else apiAccessPrincipalArn = principal;
  }

  const declaration = { userId, type, ...names, apiAccess, apiAccessPrincipalArn, comments };
  // The construct would refuse anything this let through; better to say so here, naming the user.
  const violations = validateDeclaration({
    ...declaration,
    environmentId: options.environmentId,
    adminRoleArn: options.adminRoleArn,
    removalPolicy: 'retain',
  });
  if (violations.length > 0) throw new ImportError(`user ${userId}: ${formatViolations(violations)}`);
  return declaration;
}

/** `n` users in as few classes as one stack each can hold, of even sizes (each keeps room to grow). */
function chunks<T>(items: readonly T[]): T[][] {
  const count = Math.max(1, Math.ceil(items.length / USERS_PER_STACK));
  const size = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** `// text`, wrapped at the print width; what came from data is shown escaped (commentText). */
function comment(indent: string, text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of commentText(text).split(/ +/)) {
    if (line !== '' && `${indent}// ${line} ${word}`.length > PRINT_WIDTH) {
      lines.push(`${indent}// ${line}`);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, `${indent}// ${line}`];
}

/** `const name = iam.Role.fromRoleArn(this, 'Id', arn, { mutable: false });`, wrapped as Prettier would. */
function importRole(variable: string, id: string, arnExpression: string): string[] {
  const indent = '    ';
  const call = `const ${variable} = iam.Role.fromRoleArn(this, ${tsString(id)}, ${arnExpression}, `;
  const oneLine = `${indent}${call}{ mutable: false });`;
  if (oneLine.length <= PRINT_WIDTH) return [oneLine];
  const hugged = `${indent}${call}{`;
  if (hugged.length <= PRINT_WIDTH) return [hugged, `${indent}  mutable: false,`, `${indent}});`];
  return [
    `${indent}const ${variable} = iam.Role.fromRoleArn(`,
    `${indent}  this,`,
    `${indent}  ${tsString(id)},`,
    `${indent}  ${arnExpression},`,
    `${indent}  { mutable: false },`,
    `${indent});`,
  ];
}

export function generateModule(users: readonly GetUserOutput[], options: ModuleOptions): GeneratedModule {
  const declarations = users.map((u) => declarationOf(u, options)).sort((a, b) => compare(a.userId, b.userId));
  const ids = assignUserIds(
    declarations.map((d) => ({
      userId: d.userId,
      baseId: userBaseId(d.userId),
    })),
    options.previousIds ?? new Map(),
    new Set([ADMIN_ROLE_ID]),
  );
  const parts = chunks(declarations);
  const classNames = parts.length === 1 ? [options.className] : parts.map((_, i) => `${options.className}${i + 1}`);

  const lines: string[] = [];
  // The environment id is checked against the model, which bounds only its length: shown escaped, in comments too.
  const environment = commentText(options.environmentId);
  lines.push(
    `// The FinSpace users of environment ${environment}, as \`finspace-user import\` read them.`,
    '// Re-running the import on an unchanged environment writes this file byte for byte; construct ids',
    '// already in it are kept. Users declared here are managed: a value you change is written on deploy.',
  );
  if (options.names) {
    lines.push('// First and last names are personal data; `--no-names` leaves them unmanaged and out of the code.');
  }
  lines.push('//');
  if (parts.length === 1) {
    lines.push('// Add the construct to a stack of your app:', `//   new ${classNames[0]}(stack, '${classNames[0]}');`);
  } else {
    lines.push(
      `// ${declarations.length} users are more than one stack holds: CloudFormation allows 500 resources per stack,`,
      `// each user is one and the FinspaceUser provider takes 9, so at most ${USERS_PER_STACK}. Each class holds at most`,
      `// ${parts[0].length} users; add each to a stack of its own:`,
      ...classNames.map((name, i) => `//   new ${name}(stack${i + 1}, '${name}');`),
    );
  }
  lines.push('');
  const usesApiAccess = declarations.some((d) => d.apiAccess !== undefined);
  const libraryImports = [...(usesApiAccess ? ['FinspaceApiAccess'] : []), 'FinspaceUser', 'FinspaceUserType'];
  lines.push(
    "import * as iam from 'aws-cdk-lib/aws-iam';",
    "import { Construct } from 'constructs';",
    `import { ${libraryImports.join(', ')} } from 'finspace-user';`,
    '',
    `const ENVIRONMENT_ID = ${tsString(options.environmentId)};`,
    `const ADMIN_ROLE_ARN = ${tsString(options.adminRoleArn)};`,
  );

  parts.forEach((part, index) => {
    const userIds = new Set(part.map((d) => ids.get(d.userId) ?? ''));
    const principals = [...new Set(part.flatMap((d) => d.apiAccessPrincipalArn ?? [])).values()].filter(
      (arn) => arn !== options.adminRoleArn,
    );
    const roleIds = assignRoleIds(principals, new Set([...userIds, ADMIN_ROLE_ID, variableName(ADMIN_ROLE_ID)]));
    const roleVariable = (arn: string) =>
      arn === options.adminRoleArn ? variableName(ADMIN_ROLE_ID) : variableName(roleIds.get(arn) ?? '');

    lines.push(
      '',
      `/** ${part.length} FinSpace user${part.length === 1 ? '' : 's'} of environment ${environment}${parts.length > 1 ? ` (part ${index + 1} of ${parts.length}: a stack of its own)` : ''}. */`,
      `export class ${classNames[index]} extends Construct {`,
      '  constructor(scope: Construct, id: string) {',
      '    super(scope, id);',
      ...importRole(variableName(ADMIN_ROLE_ID), ADMIN_ROLE_ID, 'ADMIN_ROLE_ARN'),
    );
    for (const [arn, id] of [...roleIds].sort((a, b) => compare(a[1], b[1]))) {
      lines.push(...importRole(variableName(id), id, tsString(arn)));
    }
    for (const d of part) {
      lines.push('');
      for (const text of d.comments) lines.push(...comment('    ', text));
      lines.push(
        `    new FinspaceUser(this, ${tsString(ids.get(d.userId) ?? '')}, {`,
        '      environmentId: ENVIRONMENT_ID,',
        '      adminRole,',
        `      userId: ${tsString(d.userId)},`,
        `      type: FinspaceUserType.${d.type},`,
      );
      if (d.firstName !== undefined) lines.push(`      firstName: ${tsString(d.firstName)},`);
      if (d.lastName !== undefined) lines.push(`      lastName: ${tsString(d.lastName)},`);
      if (d.apiAccess !== undefined) lines.push(`      apiAccess: FinspaceApiAccess.${d.apiAccess},`);
      if (d.apiAccessPrincipalArn !== undefined) {
        lines.push(`      apiAccessPrincipal: ${roleVariable(d.apiAccessPrincipalArn)},`);
      }
      lines.push('    });');
    }
    lines.push('  }', '}');
  });
  return {
    source: `${lines.join('\n')}\n`,
    classes: parts.map((part, i) => ({ name: classNames[i], users: part.length })),
  };
}
