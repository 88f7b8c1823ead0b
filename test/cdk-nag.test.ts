// cdk-nag's AwsSolutions pack over the example stack: no unacknowledged
// finding, and every acknowledgement carries a reason. Run with the newest
// aws-cdk-lib (pinned in devDependencies, bumped on purpose): AwsSolutions-L1
// wants the highest Node.js runtime that aws-cdk-lib knows.
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FinspaceUsersStack } from '../bin/example-stack';
import { OwnedRolesStack } from './support/upgrade-surface';

function appWithNag(): App {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

test('the pack is active: a wildcard policy fails synth', () => {
  const app = appWithNag();
  const stack = new Stack(app, 'Control');
  new iam.Role(stack, 'Wide', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }).addToPolicy(
    new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }),
  );
  expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
});

test('AwsSolutions reports nothing unacknowledged for the example stack', () => {
  const app = appWithNag();
  new FinspaceUsersStack(app, 'FinspaceUsers');
  expect(() => app.synth()).not.toThrow();
});

test('AwsSolutions reports nothing for a stack whose admin role and API principal are its own (the principal granted its API call)', () => {
  const app = appWithNag();
  new OwnedRolesStack(app, 'OwnedRoles');
  expect(() => app.synth()).not.toThrow();
});

test('the one acknowledgement, with its reason: the snapshot table without PITR', () => {
  const app = appWithNag();
  new FinspaceUsersStack(app, 'FinspaceUsers');
  const artifact = app.synth().getStackByName('FinspaceUsers');
  const acknowledged = artifact
    .findMetadataByType('aws:cdk:acknowledged-rules')
    .map((e) => ({ path: e.path, rules: e.data as unknown as Record<string, string> }));
  expect(acknowledged).toEqual([
    {
      path: '/FinspaceUsers/FinspaceUserProvider/Snapshots',
      rules: { 'Annotation::AwsSolutions-DDB3': expect.stringContaining('live a day at most') },
    },
  ]);
});
