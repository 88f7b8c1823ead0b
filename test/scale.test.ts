// One stack, many users: what CloudFormation's limits allow, and a 300-user
// deploy under throttling that ends with every user as declared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FinspaceUserType } from '../lib';
import { startEmulator } from '../local/emulator';
import type { UserRecord } from '../local/emulator-state';
import { demoState } from './support/demo-state';
import { USERS_PER_STACK } from '../lambda/consts';
import { localDeploy } from '../local/local-deploy';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser } from './support/roles';

const userId = (i: number) => `u-scale-${String(i).padStart(4, '0')}`;

function stackOf(count: number, outdir?: string): { app: App; stack: Stack } {
  // as the CLI synthesizes: with the CDKMetadata resource
  const app = new App({ outdir, analyticsReporting: true, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Fleet');
  for (let i = 0; i < count; i++) {
    declareUser(stack, `User${i}`, {
      environmentId: ENVIRONMENT,
      adminRoleArn: ADMIN_ROLE,
      userId: userId(i),
      type: i % 10 === 0 ? FinspaceUserType.SUPER_USER : FinspaceUserType.APP_USER,
      firstName: `First${i}`,
      lastName: `Last${i}`,
    });
  }
  return { app, stack };
}

test('300 users: 307 resources, well under the template size limit, one small handler policy', () => {
  const { stack } = stackOf(300);
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  expect(Object.keys(template.Resources)).toHaveLength(300 + 7);
  expect(JSON.stringify(template).length).toBeLessThan(1_000_000 / 3);
  const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
  for (const policy of policies) expect(JSON.stringify(policy.Properties.PolicyDocument).length).toBeLessThan(10_240);
});

test(`CloudFormation’s 500 resources bind at ${USERS_PER_STACK} users per stack`, () => {
  expect(() => stackOf(USERS_PER_STACK).app.synth()).not.toThrow();
  expect(() => stackOf(USERS_PER_STACK + 1).app.synth()).toThrow(/500/);
});

test('300 users deploy to the local endpoint throttled at 50 requests per second, every one as declared', async () => {
  // Whether 50 requests a second bind depends on how fast this machine runs the handlers; a tenth of
  // the requests is also throttled at random (seeded), so that the retries run however slow it is.
  // A call fails only after DEFAULT_MAX_ATTEMPTS (10) random throttles in a row: 300 × 0.1¹⁰, never.
  const throttleProbability = 0.1;
  const workDir = mkdtempSync(join(tmpdir(), 'finspace-scale-'));
  const state = demoState();
  const users = state.environments[ENVIRONMENT];
  for (let i = 0; i < 300; i++) {
    const record: UserRecord = { ...users['u-quant-analyst'], userId: userId(i), firstName: 'Old', lastName: 'Name' };
    users[userId(i)] = record;
  }
  const emulator = await startEmulator({ state, faults: { throttleRps: 50, throttleProbability, seed: 1 } });
  try {
    const cdkOut = join(workDir, 'cdk.out');
    stackOf(300, cdkOut).app.synth();
    const result = await localDeploy({
      projectDir: workDir,
      cdkOut,
      endpoint: emulator.url,
      concurrency: 10,
      readUsers: false,
    });
    expect(result.ok).toBe(true);
    for (let i = 0; i < 300; i++) {
      expect(users[userId(i)]).toMatchObject({
        firstName: `First${i}`,
        lastName: `Last${i}`,
        type: i % 10 === 0 ? 'SUPER_USER' : 'APP_USER',
      });
    }
    expect(emulator.calls.filter((c) => c.errorName === 'ThrottlingException').length).toBeGreaterThan(0);
    expect(emulator.calls.filter((c) => c.operation === 'UpdateUser' && c.statusCode === 200)).toHaveLength(300);
  } finally {
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  }
});
