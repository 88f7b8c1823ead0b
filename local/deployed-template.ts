// The local deploy state of a stack as CloudFormation would describe the
// deployed stack: its template (GetTemplate) and its resources' physical ids
// (ListStackResources). The local CloudFormation endpoint answers with it,
// and `plan --local` reads it, so the plan's local and AWS paths are one.
import { RESOURCE_TYPE } from '../lambda/resource-properties';
import type { Template, TemplateResource } from '../toolkit/cloud-assembly';
import type { DeployedStackView } from '../toolkit/deployed-stack';
import type { DeployedStack } from './stack-deployment';

export function deployedView(stack: DeployedStack): DeployedStackView {
  const resources: Record<string, TemplateResource> = {};
  const physicalIds = new Map<string, string>();
  for (const resource of Object.values(stack.resources)) {
    resources[resource.logicalId] = {
      Type: RESOURCE_TYPE,
      // As the local deploy resolved them: the template a deploy sent, with its values in place.
      Properties: resource.properties,
      Metadata: { 'aws:cdk:path': resource.path },
      ...(resource.deletionPolicy === undefined ? {} : { DeletionPolicy: resource.deletionPolicy }),
      ...(resource.updateReplacePolicy === undefined ? {} : { UpdateReplacePolicy: resource.updateReplacePolicy }),
    };
    physicalIds.set(resource.logicalId, resource.physicalId);
  }
  const template: Template = { Resources: resources };
  return { template, physicalIds };
}
