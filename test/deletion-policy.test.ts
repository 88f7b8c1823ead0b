// DeletionPolicy and UpdateReplacePolicy in the local deploy engine, as
// CloudFormation honours them: a retained resource gets no Delete at all
// (DELETE_SKIPPED), on removal, on replacement and in the rollback of the
// operation that created it; RetainExceptOnCreate is deleted in that rollback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnDeletionPolicy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { FinspaceUserType } from '../lib';
import type { CloudFormationResponse } from '../lambda/cfn-response';
import type { LifecycleEvent } from '../lambda/user-lifecycle';
import { type Emulator, startEmulator, WRITE_OPERATIONS } from '../local/emulator';
import { localDeploy } from '../local/local-deploy';
import {
  type DeployedStack,
  type DesiredResource,
  deployStack,
  type DeploymentResult,
} from '../local/stack-deployment';
import type { ResourcePolicies } from '../toolkit/deletion-policy';
import { usersOf } from '../toolkit/cloud-assembly';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser } from './support/roles';
import { editTemplateResource, synthApp } from './support/synth';

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Users/1';

/** A handler that succeeds (physical id: the user id), except for user ids in `failing`; it records every event. */
function fakeHandler(failing: string[] = []) {
  const seen: LifecycleEvent[] = [];
  const invoke = async (event: LifecycleEvent): Promise<CloudFormationResponse> => {
    seen.push(event);
    const userId = String(event.ResourceProperties.UserId);
    const fails = event.RequestType !== 'Delete' && failing.includes(userId);
    return {
      Status: fails ? 'FAILED' : 'SUCCESS',
      ...(fails ? { Reason: `${userId} failed` } : {}),
      PhysicalResourceId: event.RequestType === 'Delete' ? (event.PhysicalResourceId as string) : userId,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
  };
  return {
    seen,
    invoke,
    deletes: () => seen.filter((e) => e.RequestType === 'Delete').map((e) => e.PhysicalResourceId),
  };
}

const resource = (logicalId: string, userId: string, policies?: ResourcePolicies): DesiredResource => ({
  logicalId,
  path: `Users/${logicalId}`,
  properties: { UserId: userId, RemovalPolicy: 'destroy' },
  ...policies,
});

const deployedWith = (...resources: DesiredResource[]): DeployedStack => ({
  stackId: STACK_ID,
  resources: Object.fromEntries(resources.map((r) => [r.logicalId, { ...r, physicalId: String(r.properties.UserId) }])),
});

const outcome = (result: DeploymentResult) =>
  result.events.filter((e) => e.status !== 'IN_PROGRESS').map((e) => `${e.requestType} ${e.phase} ${e.status}`);

describe('an update that removes a resource (cleanup): DeletionPolicy, as deployed', () => {
  test.each([
    ['Retain', 'SKIPPED'],
    ['RetainExceptOnCreate', 'SKIPPED'],
    ['Snapshot', 'COMPLETE'], // a custom resource takes no snapshot: CloudFormation deletes it
    ['Delete', 'COMPLETE'],
    [undefined, 'COMPLETE'],
  ] as const)('DeletionPolicy %s: DELETE_%s', async (deletionPolicy, status) => {
    const handler = fakeHandler();
    const result = await deployStack({
      desired: [],
      deployed: deployedWith(resource('Contractor', 'u-contractor', deletionPolicy && { deletionPolicy })),
      invoke: handler.invoke,
    });
    expect(result.status).toBe('COMPLETE');
    expect(outcome(result)).toEqual([`Delete cleanup ${status}`]);
    expect(handler.deletes()).toEqual(status === 'SKIPPED' ? [] : ['u-contractor']);
    // retained or deleted, the resource leaves the stack
    expect(result.deployed.resources).toEqual({});
  });

  test('the skipped Delete says why, and that the RemovalPolicy destroy is not applied', async () => {
    const result = await deployStack({
      desired: [],
      deployed: deployedWith(resource('Contractor', 'u-contractor', { deletionPolicy: 'Retain' })),
      invoke: fakeHandler().invoke,
    });
    expect(result.events).toEqual([
      expect.objectContaining({
        requestType: 'Delete',
        status: 'SKIPPED',
        physicalId: 'u-contractor',
        reason:
          'DeletionPolicy Retain: CloudFormation keeps the resource as it is and sends its handler no Delete; ' +
          'the FinSpace user stays as it is: its RemovalPolicy destroy is not applied',
      }),
    ]);
  });

  test('a policy changed alone sends no event, and the next removal follows the new one', async () => {
    const handler = fakeHandler();
    const before = deployedWith(resource('Contractor', 'u-contractor'));
    const retained = await deployStack({
      desired: [resource('Contractor', 'u-contractor', { deletionPolicy: 'Retain' })],
      deployed: before,
      invoke: handler.invoke,
    });
    expect(retained.status).toBe('NO_CHANGES');
    expect(handler.seen).toEqual([]);
    expect(retained.deployed.resources.Contractor.deletionPolicy).toBe('Retain');
    const removed = await deployStack({ desired: [], deployed: retained.deployed, invoke: handler.invoke });
    expect(outcome(removed)).toEqual(['Delete cleanup SKIPPED']);
    expect(handler.seen).toEqual([]);
  });
});

describe('a replacement: UpdateReplacePolicy governs the old resource, DeletionPolicy does not', () => {
  test.each([
    [{ deletionPolicy: 'Retain', updateReplacePolicy: 'Delete' }, 'COMPLETE'],
    [{ deletionPolicy: 'Retain' }, 'COMPLETE'],
    [{ deletionPolicy: 'Delete', updateReplacePolicy: 'Retain' }, 'SKIPPED'],
    [{ updateReplacePolicy: 'Snapshot' }, 'COMPLETE'],
  ] as const)('%j: the old resource DELETE_%s', async (policies, status) => {
    const handler = fakeHandler();
    const result = await deployStack({
      desired: [resource('Contractor', 'u-data-engineer', policies)],
      deployed: deployedWith(resource('Contractor', 'u-contractor', policies)),
      invoke: handler.invoke,
    });
    expect(outcome(result)).toEqual(['Update deploy COMPLETE', `Delete cleanup ${status}`]);
    expect(handler.deletes()).toEqual(status === 'SKIPPED' ? [] : ['u-contractor']);
    expect(result.deployed.resources.Contractor.physicalId).toBe('u-data-engineer');
  });
});

describe('the rollback of the operation that created a resource', () => {
  test.each([
    [{ deletionPolicy: 'Retain' }, 'SKIPPED'],
    [{ deletionPolicy: 'RetainExceptOnCreate' }, 'COMPLETE'],
    [{ deletionPolicy: 'Delete' }, 'COMPLETE'],
    [{ updateReplacePolicy: 'Retain' }, 'COMPLETE'],
  ] as const)('%j: its rollback Delete is %s, the failed one’s too', async (policies, status) => {
    const handler = fakeHandler(['u-ghost']);
    const result = await deployStack({
      desired: [resource('Analyst', 'u-quant-analyst', policies), resource('Ghost', 'u-ghost', policies)],
      deployed: { stackId: STACK_ID, resources: {} },
      invoke: handler.invoke,
      concurrency: 1,
    });
    expect(result.status).toBe('ROLLBACK_COMPLETE');
    expect(outcome(result)).toEqual([
      'Create deploy COMPLETE',
      'Create deploy FAILED',
      `Delete rollback ${status}`,
      `Delete rollback ${status}`,
    ]);
    expect(handler.deletes()).toHaveLength(status === 'SKIPPED' ? 0 : 2);
    for (const skipped of result.events.filter((e) => e.status === 'SKIPPED')) {
      expect(skipped.reason).toContain('the rollback does not restore the FinSpace user');
    }
  });

  test('a resource created by an earlier deploy, RetainExceptOnCreate, is retained when removed', async () => {
    const handler = fakeHandler();
    const result = await deployStack({
      desired: [],
      deployed: deployedWith(resource('Analyst', 'u-quant-analyst', { deletionPolicy: 'RetainExceptOnCreate' })),
      invoke: handler.invoke,
    });
    expect(outcome(result)).toEqual(['Delete cleanup SKIPPED']);
  });

  test('the new side of a rolled-back replacement follows UpdateReplacePolicy', async () => {
    const handler = fakeHandler(['u-ghost']);
    const policies = { deletionPolicy: 'Delete', updateReplacePolicy: 'Retain' } as const;
    const result = await deployStack({
      desired: [resource('Contractor', 'u-data-engineer', policies), resource('Ghost', 'u-ghost')],
      deployed: deployedWith(resource('Contractor', 'u-contractor', policies)),
      invoke: handler.invoke,
      concurrency: 1,
    });
    expect(outcome(result)).toEqual([
      'Update deploy COMPLETE',
      'Create deploy FAILED',
      'Delete rollback COMPLETE', // the failed Create: DeletionPolicy Delete
      'Delete rollback SKIPPED', // the replacement's new user
    ]);
    expect(handler.deletes()).toEqual(['u-ghost']);
  });
});

describe('the template', () => {
  const template = (attributes: Record<string, unknown>) => ({
    Resources: { Analyst: { Type: 'Custom::FinspaceUser', Properties: {}, ...attributes } },
  });

  test('its policies are read as written; an unknown one fails naming the resource, as CloudFormation refuses it', () => {
    expect(usersOf(template({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Snapshot' }))[0]).toMatchObject({
      deletionPolicy: 'Retain',
      updateReplacePolicy: 'Snapshot',
    });
    expect(Object.keys(usersOf(template({}))[0])).toEqual(['logicalId', 'path', 'properties']);
    expect(() => usersOf(template({ DeletionPolicy: 'Keep' }))).toThrow(
      'Analyst: DeletionPolicy must be one of Delete, Retain, RetainExceptOnCreate, Snapshot, not Keep',
    );
    expect(() => usersOf(template({ UpdateReplacePolicy: 'RetainExceptOnCreate' }))).toThrow(
      'Analyst: UpdateReplacePolicy must be one of Delete, Retain, Snapshot, not RetainExceptOnCreate',
    );
    expect(() => usersOf(template({ DeletionPolicy: { 'Fn::If': ['Prod', 'Retain', 'Delete'] } }))).toThrow(
      'Analyst: DeletionPolicy is not a string',
    );
  });
});

describe('end to end, with the bundled handler', () => {
  let workDir: string;
  let emulator: Emulator;
  beforeEach(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'finspace-deletion-policy-'));
    emulator = await startEmulator({ seed: demoState });
  });
  afterEach(async () => {
    await emulator.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  /**
   * The contractor, RemovalPolicy DESTROY, with a DeletionPolicy in its template. The construct refuses a
   * DeletionPolicy other than Delete on a DESTROY user at synth; a template edited after synth (or made by
   * another tool) can still hold one, and the local engine must do with it what CloudFormation does.
   */
  const synth = (deletionPolicy: CfnDeletionPolicy | undefined) => {
    const cdkOut = synthApp(workDir, (app) => {
      const stack = new Stack(app, 'Users');
      declareUser(stack, 'Analyst', {
        environmentId: ENVIRONMENT,
        adminRoleArn: ADMIN_ROLE,
        userId: 'u-quant-analyst',
        type: FinspaceUserType.APP_USER,
      });
      if (deletionPolicy === undefined) return;
      declareUser(stack, 'Contractor', {
        environmentId: ENVIRONMENT,
        adminRoleArn: ADMIN_ROLE,
        userId: 'u-contractor',
        type: FinspaceUserType.APP_USER,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    });
    if (deletionPolicy === undefined) return cdkOut;
    editTemplateResource(cdkOut, 'Users', 'Users/Contractor/', (r) => (r.DeletionPolicy = deletionPolicy));
    return cdkOut;
  };
  const deploy = (cdkOut: string) => localDeploy({ projectDir: workDir, cdkOut, endpoint: emulator.url });
  const disables = () => emulator.calls.filter((c) => c.operation === 'DisableUser' && c.statusCode === 200);

  test('a DESTROY user with DeletionPolicy Retain, removed: no Delete, so it stays enabled, and the report says so', async () => {
    expect((await deploy(synth(CfnDeletionPolicy.RETAIN))).ok).toBe(true);
    const writes = emulator.calls.filter((c) => WRITE_OPERATIONS.has(c.operation)).length;
    const result = await deploy(synth(undefined));
    expect(result.ok).toBe(true);
    expect(result.stacks[0].events.map((e) => `${e.requestType} ${e.phase} ${e.status}`)).toEqual([
      'Delete cleanup SKIPPED',
    ]);
    expect(disables()).toEqual([]);
    expect(emulator.calls.filter((c) => WRITE_OPERATIONS.has(c.operation))).toHaveLength(writes);
    expect(emulator.state.environments[ENVIRONMENT]['u-contractor'].status).toBe('ENABLED');
  });

  test('the same user with DeletionPolicy Delete is disabled when removed', async () => {
    await deploy(synth(CfnDeletionPolicy.DELETE));
    await deploy(synth(undefined));
    expect(disables().map((c) => c.userId)).toEqual(['u-contractor']);
  });
});
