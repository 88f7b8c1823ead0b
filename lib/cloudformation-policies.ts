import { CfnDeletionPolicy, type CfnResource } from 'aws-cdk-lib';
import type { UserRemovalPolicy } from '../finspace/constraints';

/** The id of the warning a Retain on a RETAIN user's CloudFormation resource gets (acknowledge it with this id). */
export const CLOUDFORMATION_RETAIN_WARNING = 'finspace-user:cloudformation-retain';

/** What the construct reports about its CloudFormation resource's policies, if anything. */
export interface PolicyReport {
  readonly level: 'error' | 'warning';
  readonly message: string;
}

/** The Deletes CloudFormation will not send, by policy. */
const NOT_SENT: Partial<Record<CfnDeletionPolicy, string>> = {
  [CfnDeletionPolicy.RETAIN]:
    'no Delete when an update removes the resource, when the stack is deleted, nor in the rollback of the deploy that created it',
  [CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE]:
    'no Delete when an update removes the resource nor when the stack is deleted',
  [CfnDeletionPolicy.SNAPSHOT]: 'a Snapshot instead of a Delete, which a custom resource does not have',
};

/**
 * The construct keeps its CloudFormation resource's DeletionPolicy and
 * UpdateReplacePolicy at Delete and does RETAIN in the handler: a
 * CloudFormation Retain also suppresses the Delete that undoes a failed
 * Create (GUIDE.md section 9). Anything else was set on the CfnResource
 * directly (an aspect such as `RemovalPolicies.of(scope).retain()`, or
 * `applyRemovalPolicy` on the CfnResource), and is reported:
 * - an error when the user's removalPolicy is DESTROY: the declaration says
 *   "disable the user when it leaves the stack", and CloudFormation would
 *   never ask; the person would keep their access, with nothing to show it.
 *   No acknowledgement should make that deployable;
 * - a warning when it is RETAIN and the DeletionPolicy is not Delete: both
 *   leave the user as it is on removal, but a deploy that fails after
 *   creating the resource no longer puts the user back. A deliberate choice
 *   can be acknowledged. (RetainExceptOnCreate, or an UpdateReplacePolicy
 *   alone, changes nothing a RETAIN user would do: not reported.)
 */
export function cloudFormationPolicyReport(
  resource: CfnResource,
  removalPolicy: UserRemovalPolicy,
): PolicyReport | undefined {
  const { deletionPolicy, updateReplacePolicy } = resource.cfnOptions;
  const notSent: string[] = [];
  if (deletionPolicy !== undefined && deletionPolicy !== CfnDeletionPolicy.DELETE) {
    notSent.push(`DeletionPolicy ${deletionPolicy}: ${NOT_SENT[deletionPolicy] ?? 'not a Delete'}`);
  }
  if (updateReplacePolicy !== undefined && updateReplacePolicy !== CfnDeletionPolicy.DELETE) {
    notSent.push(
      `UpdateReplacePolicy ${updateReplacePolicy}: no Delete of the old resource when a new userId or environmentId replaces it`,
    );
  }
  if (notSent.length === 0) return undefined;
  const set = `its CloudFormation resource has ${notSent.join('; ')}`;
  const fix =
    'Give the FinspaceUser its removal policy (the removalPolicy prop, or user.applyRemovalPolicy) and leave its ' +
    "CloudFormation resource at Delete (with RemovalPolicies, add excludeResourceTypes: ['Custom::FinspaceUser']).";
  if (removalPolicy === 'destroy') {
    return {
      level: 'error',
      message: `removalPolicy is DESTROY, but ${set}: CloudFormation would not ask the handler to disable the user. ${fix}`,
    };
  }
  const undoneOnCreate =
    deletionPolicy !== undefined &&
    deletionPolicy !== CfnDeletionPolicy.DELETE &&
    deletionPolicy !== CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
  if (!undoneOnCreate) return undefined;
  return {
    level: 'warning',
    message:
      `removalPolicy is RETAIN, and ${set}: a deploy that fails after creating the resource would leave the user ` +
      `with the values it wrote instead of putting it back. ${fix}`,
  };
}
