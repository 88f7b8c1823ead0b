import { createHash } from 'node:crypto';
import { Token } from 'aws-cdk-lib';

/** IAM's limit on a role name. */
export const ROLE_NAME_MAX_LENGTH = 64;

/** What follows the stack's part of the name, before the region. */
const SUFFIX = '-FinspaceUserHandler-';

/**
 * Room kept for the region, so that the stack's part of the name is the same
 * whether the region is known at synth or only at deploy (an
 * environment-agnostic stack). The longest region names today have 15
 * characters (`us-isof-south-1`).
 */
const REGION_ROOM = 16;

/** Hex digits of SHA-256 that stand for what a shortened name cut off. */
const HASH_LENGTH = 8;

const hashOf = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, HASH_LENGTH);

/** `value` as is when it fits in `room` characters; else its head, a dash and a hash of the whole. */
function fit(value: string, room: number): string {
  return value.length <= room ? value : `${value.slice(0, room - HASH_LENGTH - 1)}-${hashOf(value)}`;
}

/**
 * The handler role's name when the app gives none: `<stack>-FinspaceUserHandler-<region>`,
 * known before the first deploy, unique per account (a stack name is unique
 * per account and region, and IAM names are global), and within IAM's 64
 * characters. A stack name longer than 27 characters is cut to its first 18,
 * a dash and 8 hex digits of its SHA-256. `region` may be a token (an
 * environment-agnostic stack): the name is then one too, the same string once
 * CloudFormation resolves it.
 */
export function defaultHandlerRoleName(stackName: string, region: string): string {
  const regionKnown = !Token.isUnresolved(region);
  if (regionKnown && region.length > REGION_ROOM) {
    return fit(`${stackName}${SUFFIX}${region}`, ROLE_NAME_MAX_LENGTH);
  }
  return `${fit(stackName, ROLE_NAME_MAX_LENGTH - SUFFIX.length - REGION_ROOM)}${SUFFIX}${region}`;
}
