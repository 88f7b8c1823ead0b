// The example app, synthesized with the context cdk.json gives the CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { EXAMPLE_DEFAULTS, FinspaceUsersStack } from '../bin/example-stack';

const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

function synthExample(context: Record<string, string> = {}) {
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const stack = new FinspaceUsersStack(app, 'FinspaceUsers');
  const assembly = app.synth();
  return { stack, assembly };
}

test('cdk.json turns on the built-in template validation', () => {
  expect(cdkJson.context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
});

test('synthesizes three users with no warning, no error and no validation finding', () => {
  const { stack, assembly } = synthExample();
  const template = Template.fromStack(stack);
  expect(Object.keys(template.findResources('Custom::FinspaceUser'))).toHaveLength(3);
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations?: unknown[] }[];
  };
  expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
});

test('reads its settings from context, with defaults', () => {
  const { stack } = synthExample({ environmentId: 'myenvironment', analystUserId: 'u-someone-else' });
  const users = Object.values(Template.fromStack(stack).findResources('Custom::FinspaceUser')).map((r) => r.Properties);
  expect(users.map((u) => u.EnvironmentId)).toEqual(['myenvironment', 'myenvironment', 'myenvironment']);
  expect(users.map((u) => u.UserId)).toEqual([
    'u-someone-else',
    EXAMPLE_DEFAULTS.engineerUserId,
    EXAMPLE_DEFAULTS.contractorUserId,
  ]);
});

test('an invalid context value fails synth naming the field', () => {
  expect(() => synthExample({ adminRoleArn: 'arn:aws:iam::12:role/x' })).toThrow(
    /FinspaceUsers\/QuantAnalyst: adminRole.roleArn: must match the pattern/,
  );
});

test('the template carries no credential', () => {
  const { assembly } = synthExample();
  const template = JSON.stringify(assembly.getStackByName('FinspaceUsers').template);
  expect(template).not.toMatch(/\b(AKIA|ASIA|FSIA)[A-Z0-9]{8,}|SecretAccessKey|SessionToken|aws_secret/i);
});
