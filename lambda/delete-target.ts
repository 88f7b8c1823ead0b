// What a Delete acts on. A Delete's properties are those of the last
// successful deploy, and may break today's rules (an old template: a
// property since dropped, a name valid under an older rule); reporting such a
// Delete as done without acting would leave a DESTROY user enabled. So a Delete
// reads only what it needs: the removal policy, the user and environment (from
// the physical id this handler issued), and the admin role, and fails loudly
// when it cannot act, rather than skip.
import {
  checkString,
  formatViolations,
  STRING_SHAPES,
  type UserDeclaration,
  type Violation,
} from '../finspace/constraints';
import { parsePhysicalId } from './physical-id';
import { PROPERTY_NAMES } from './resource-properties';

/** The user a FinSpace call acts on, the admin role it goes through, and the names to mask in its errors. */
export type UserTarget = Pick<
  UserDeclaration,
  'environmentId' | 'userId' | 'adminRoleArn' | 'externalId' | 'firstName' | 'lastName'
>;

export type DeleteTarget =
  /** A physical id this handler never issued (a Create that failed): outside a rollback, nothing to act on. */
  | { readonly kind: 'not-issued' }
  /** RETAIN: the user stays as it is. */
  | { readonly kind: 'retain' }
  /** DESTROY: disable this user. */
  | { readonly kind: 'destroy'; readonly target: UserTarget }
  /** A physical id this handler issued, but the Delete cannot be carried out as declared. */
  | { readonly kind: 'cannot-act'; readonly reason: string };

export function deleteTarget(physicalId: string, properties: Record<string, unknown>): DeleteTarget {
  const issued = parsePhysicalId(physicalId);
  if (issued === undefined) return { kind: 'not-issued' };
  const read = (field: keyof typeof PROPERTY_NAMES): unknown => properties[PROPERTY_NAMES[field]];
  const text = (field: keyof typeof PROPERTY_NAMES): string | undefined => {
    const value = read(field);
    return typeof value === 'string' ? value : undefined;
  };

  const cannotAct = (violations: Violation[]): DeleteTarget => ({
    kind: 'cannot-act',
    reason:
      `Delete of ${issued.userId} in ${issued.environmentId} cannot act: ${formatViolations(violations)}. ` +
      'Nothing was written: the user is as it was (enabled, if it was). Correct the resource and delete again, or ' +
      'disable the user in FinSpace yourself and retain this resource when you delete the stack.',
  });

  const removalPolicy = read('removalPolicy');
  if (removalPolicy === 'retain') return { kind: 'retain' };
  if (removalPolicy !== 'destroy') {
    const got = typeof removalPolicy === 'string' ? JSON.stringify(removalPolicy) : String(removalPolicy);
    return cannotAct([{ field: PROPERTY_NAMES.removalPolicy, message: `must be retain or destroy (got ${got})` }]);
  }

  const violations: Violation[] = [];
  for (const field of ['environmentId', 'userId'] as const) {
    if (read(field) !== issued[field]) {
      violations.push({
        field: PROPERTY_NAMES[field],
        message: `must be ${JSON.stringify(issued[field])}, as in the physical id ${physicalId}`,
      });
    }
  }
  const userIdProblem = checkString(issued.userId, STRING_SHAPES.userId);
  if (userIdProblem) violations.push({ field: PROPERTY_NAMES.userId, message: userIdProblem });
  const adminRoleArn = text('adminRoleArn');
  const adminProblem =
    adminRoleArn === undefined ? 'is required, a string' : checkString(adminRoleArn, STRING_SHAPES.adminRoleArn);
  if (adminProblem) violations.push({ field: PROPERTY_NAMES.adminRoleArn, message: adminProblem });
  const externalId = read('externalId');
  const externalIdProblem =
    externalId === undefined
      ? undefined
      : typeof externalId !== 'string'
        ? 'must be a string'
        : checkString(externalId, STRING_SHAPES.externalId);
  if (externalIdProblem) violations.push({ field: PROPERTY_NAMES.externalId, message: externalIdProblem });
  if (violations.length > 0 || adminRoleArn === undefined) return cannotAct(violations);

  return {
    kind: 'destroy',
    target: {
      ...issued,
      adminRoleArn,
      externalId: externalId as string | undefined,
      firstName: text('firstName'),
      lastName: text('lastName'),
    },
  };
}
