import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/** The IAM action behind FinSpace API credentials: FinSpace then maps the caller to the user whose API principal it is. */
export const PROGRAMMATIC_ACCESS_ACTION = 'finspace-api:GetProgrammaticAccessCredentials';

/** The action's one resource, in the stack's partition, region and account (the FinSpace environment's). */
export function programmaticAccessArn(scope: IConstruct): string {
  return Stack.of(scope).formatArn({
    service: 'finspace-api',
    resource: '/credentials/programmatic',
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/**
 * Lets `grantee` call GetProgrammaticAccessCredentials on exactly its one
 * resource, as CDK grants do: added to the grantee's own policy when it has
 * one in the app, and nothing for an immutable imported role.
 */
export function grantProgrammaticAccess(scope: IConstruct, grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: [PROGRAMMATIC_ACCESS_ACTION],
    resourceArns: [programmaticAccessArn(scope)],
  });
}
