// CloudFormation's DeletionPolicy and UpdateReplacePolicy attributes: which
// Delete CloudFormation sends a resource's handler, and which it skips
// (DELETE_SKIPPED), keeping the resource as it is and dropping it from the
// stack. The local deploy engine honours them; the plan can say them.
//
// From the attribute pages (aws-attribute-deletionpolicy,
// aws-attribute-updatereplacepolicy): DeletionPolicy governs a resource an
// update removes and the stack's deletion; UpdateReplacePolicy, not
// DeletionPolicy, governs the old resource of a replacement.
// RetainExceptOnCreate retains except in the rollback of the operation that
// created the resource; Retain retains there too (UpdateStack's
// RetainExceptOnCreate parameter: "newly created resources are deleted when
// the operation rolls back. This includes newly created resources marked
// with a deletion policy of Retain", default false). Snapshot on a type that
// takes no snapshots, as a custom resource, is the default, Delete.

export type DeletionPolicy = 'Delete' | 'Retain' | 'RetainExceptOnCreate' | 'Snapshot';
export type UpdateReplacePolicy = 'Delete' | 'Retain' | 'Snapshot';

const DELETION_POLICIES: readonly string[] = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES: readonly string[] = ['Delete', 'Retain', 'Snapshot'];

/** A resource's two policies as its template says them; left out, CloudFormation's default (Delete). */
export interface ResourcePolicies {
  readonly deletionPolicy?: DeletionPolicy;
  readonly updateReplacePolicy?: UpdateReplacePolicy;
}

/** Why CloudFormation would delete a resource's physical instance. */
export type DeleteOccasion =
  /** An update removes the resource from the template (its cleanup). */
  | 'removed'
  /** An update replaced it: the old physical instance (cleanup). */
  | 'replaced'
  /** The rollback of the operation that created it (a Create, even one that failed). */
  | 'rollback-of-create'
  /**
   * The rollback of a replacement: the new physical instance. No AWS page says which attribute governs it;
   * the engine takes UpdateReplacePolicy, as for the replacement it undoes (assumed).
   */
  | 'rollback-of-replacement';

export class PolicyAttributeError extends Error {}

/** The policies of a template resource, checked as CloudFormation checks the template. */
export function policiesOf(resource: { DeletionPolicy?: unknown; UpdateReplacePolicy?: unknown }, path: string) {
  const read = (attribute: 'DeletionPolicy' | 'UpdateReplacePolicy', allowed: readonly string[]) => {
    const value = resource[attribute];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw new PolicyAttributeError(
        `${path}: ${attribute} is not a string: the local engine resolves no function there`,
      );
    }
    if (!allowed.includes(value)) {
      throw new PolicyAttributeError(`${path}: ${attribute} must be one of ${allowed.join(', ')}, not ${value}`);
    }
    return value;
  };
  const deletionPolicy = read('DeletionPolicy', DELETION_POLICIES) as DeletionPolicy | undefined;
  const updateReplacePolicy = read('UpdateReplacePolicy', UPDATE_REPLACE_POLICIES) as UpdateReplacePolicy | undefined;
  return {
    ...(deletionPolicy === undefined ? {} : { deletionPolicy }),
    ...(updateReplacePolicy === undefined ? {} : { updateReplacePolicy }),
  } satisfies ResourcePolicies;
}

/**
 * The attribute and value that keep CloudFormation from sending a Delete on
 * this occasion (`DeletionPolicy Retain`, say), or undefined when it sends one.
 */
export function retainingPolicy(policies: ResourcePolicies, occasion: DeleteOccasion): string | undefined {
  const replacement = occasion === 'replaced' || occasion === 'rollback-of-replacement';
  const attribute = replacement ? 'UpdateReplacePolicy' : 'DeletionPolicy';
  const policy = replacement ? policies.updateReplacePolicy : policies.deletionPolicy;
  const retains = policy === 'Retain' || (policy === 'RetainExceptOnCreate' && occasion !== 'rollback-of-create');
  return retains ? `${attribute} ${policy}` : undefined;
}

/**
 * Why CloudFormation sends no Delete on this occasion (DELETE_SKIPPED), or
 * undefined when it sends one.
 */
export function retainedBecause(policies: ResourcePolicies, occasion: DeleteOccasion): string | undefined {
  const policy = retainingPolicy(policies, occasion);
  return policy && `${policy}: CloudFormation keeps the resource as it is and sends its handler no Delete`;
}
