// What a stack has deployed, as the plan compares the app against it: the
// template CloudFormation holds (GetTemplate) and the physical id of each
// resource it holds (ListStackResources). In AWS both come from
// CloudFormation; locally, from the local deploy's state.
import type { Template } from './cloud-assembly';

export interface DeployedStackView {
  /** The deployed template: its resources' properties and DeletionPolicy / UpdateReplacePolicy attributes. */
  readonly template: Template;
  /** The physical id of each resource the stack holds, by logical id (a resource not in it is not deployed). */
  readonly physicalIds: ReadonlyMap<string, string>;
}
