'use strict';
// The stack `npm run bench` synthesizes: N users declared with FinspaceUser, or with
// AwsCustomResource calling UpdateUser. One definition for the in-process runs (bench/run.ts, on
// the sources) and the fresh-process runs (bench/synth-child.cjs, on dist/lib), so both measure
// the same declarations. Plain CommonJS: a fresh `node` runs it without a TypeScript loader.
const { App, Stack, Validations } = require('aws-cdk-lib');

const ENVIRONMENT = 'demoenvironment0000000001';
const ADMIN_ROLE = 'arn:aws:iam::123456789012:role/FinSpaceUserAdmin';
const userId = (i) => `u-bench-${String(i).padStart(4, '0')}`;

function declareUsers(variant, stack, count, library) {
  if (variant === 'FinspaceUser') {
    const iam = require('aws-cdk-lib/aws-iam');
    // a role managed elsewhere, imported once per stack (as test/support/roles.ts does)
    const adminRole = iam.Role.fromRoleArn(stack, 'AdminRole', ADMIN_ROLE, { mutable: false });
    for (let i = 0; i < count; i++) {
      new library.FinspaceUser(stack, `User${i}`, {
        environmentId: ENVIRONMENT,
        adminRole,
        userId: userId(i),
        type: library.FinspaceUserType.APP_USER,
        firstName: `First${i}`,
        lastName: `Last${i}`,
      });
    }
    return;
  }
  const { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } = require('aws-cdk-lib/custom-resources');
  for (let i = 0; i < count; i++) {
    const call = {
      service: 'finspace-data',
      action: 'UpdateUser',
      parameters: { userId: userId(i), type: 'APP_USER', firstName: `First${i}`, lastName: `Last${i}` },
      physicalResourceId: PhysicalResourceId.of(`${ENVIRONMENT}/${userId(i)}`),
    };
    new AwsCustomResource(stack, `User${i}`, {
      onCreate: call,
      onUpdate: call,
      installLatestAwsSdk: false,
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: AwsCustomResourcePolicy.ANY_RESOURCE }),
    });
  }
}

/** Constructs the app and runs `app.synth()`: what `cdk synth` does after loading the app's modules. */
function synthesizeBench(variant, count, library, outdir) {
  // the resource limit is lifted so that sizes past it can be measured; the bench's capacity applies the limits
  const app = new App({ outdir, analyticsReporting: true, context: { '@aws-cdk/core:stackResourceLimit': 0 } });
  const stack = new Stack(app, 'Bench');
  Validations.of(stack).acknowledge({
    id: 'CloudFormation-Validate::F0007',
    reason: 'the benchmark measures past 500 resources on purpose',
  });
  declareUsers(variant, stack, count, library);
  app.synth();
  return { app, stack };
}

module.exports = { ENVIRONMENT, userId, synthesizeBench };
