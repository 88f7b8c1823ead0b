// The admin role's CloudTrail shows who acted through it by the session name
// of each AssumeRole: the handler names its stack there. A session name rather
// than a source identity, because setting a source identity needs
// `sts:SetSourceIdentity` in the admin role's trust policy, and it then sticks
// to every session chained from it.
import { createHash } from 'node:crypto';
import { ROLE_SESSION_NAME } from './consts';

/** STS RoleSessionName: 2 to 64 characters. */
const MAX_SESSION_NAME = 64;
const PREFIX = 'finspace-user@';

/** The stack name in a CloudFormation stack id (`arn:…:stack/<name>/<uuid>`), if it is one. */
export function stackNameOf(stackId: string): string | undefined {
  const match = /^arn:[^:]+:cloudformation:[^:]*:[^:]*:stack\/([A-Za-z][A-Za-z0-9-]*)\//.exec(stackId);
  return match?.[1];
}

/**
 * `finspace-user@<stack name>`; a name too long for the 64 characters keeps
 * its start and a hash of the whole. Without a stack, the generic name.
 */
export function roleSessionName(stackId: string | undefined): string {
  const stackName = stackId === undefined ? undefined : stackNameOf(stackId);
  if (stackName === undefined) return ROLE_SESSION_NAME;
  const full = `${PREFIX}${stackName}`;
  if (full.length <= MAX_SESSION_NAME) return full;
  const hash = createHash('sha256').update(stackName).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_SESSION_NAME - hash.length - 1)}.${hash}`;
}
