// The local FinSpace is seeded from the app's declarations on the first run,
// and with what the app declares new on every later run: an environment, a
// user or an admin role declared after the first run deploys, and nothing
// already there is overwritten.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { seededLine } from '../cli/local-command';
import { FinspaceUserType } from '../lib';
import type { EmulatorState } from '../local/emulator-state';
import { localDeploy } from '../local/local-deploy';
import { adminUserIdFor, seedFromDeclarations, seedWhatIsNew } from '../local/seed';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser, type UserSpec } from './support/roles';
import { synthApp } from './support/synth';

jest.setTimeout(60_000);

const OTHER_ENVIRONMENT = 'otherenvironment000000001';
const OTHER_ADMIN = 'arn:aws:iam::123456789012:role/OtherFinSpaceAdmin';

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), 'finspace-seed-'));
});
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

const stateFile = () => join(workDir, '.finspace-local', 'emulator.json');
const state = () => JSON.parse(readFileSync(stateFile(), 'utf8')) as EmulatorState;

/** Users of stack `Users`, in the demo environment with the demo admin role unless they say otherwise. */
function synth(users: Record<string, Partial<UserSpec>>): string {
  return synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    for (const [id, spec] of Object.entries(users)) {
      declareUser(stack, id, {
        environmentId: ENVIRONMENT,
        adminRoleArn: ADMIN_ROLE,
        userId: 'u-quant-analyst',
        type: FinspaceUserType.APP_USER,
        ...spec,
      });
    }
  });
}

const ANALYST = { userId: 'u-quant-analyst', firstName: 'Ada', lastName: 'Lovelace' };

test('a user, an environment and an admin role declared after the first run are seeded and deploy', async () => {
  const first = await localDeploy({ projectDir: workDir, cdkOut: synth({ Analyst: ANALYST }), readUsers: false });
  expect(first.ok).toBe(true);
  expect(state().environments[ENVIRONMENT]['u-quant-analyst']).toMatchObject({ lastName: 'Lovelace' });

  // The analyst's values as the first deploy wrote them; then a second run declares more.
  const cdkOut = synth({
    Analyst: ANALYST,
    Engineer: { userId: 'u-new-engineer', lastName: 'Hopper' },
    Elsewhere: {
      environmentId: OTHER_ENVIRONMENT,
      adminRoleArn: OTHER_ADMIN,
      userId: 'u-elsewhere',
      type: FinspaceUserType.SUPER_USER,
    },
  });
  const second = await localDeploy({ projectDir: workDir, cdkOut, readUsers: false });
  expect(second.stacks[0].reason).toBeUndefined();
  expect(second.ok).toBe(true);
  expect(second.stacks[0].events.filter((e) => e.status === 'COMPLETE').map((e) => e.path)).toEqual(
    expect.arrayContaining(['Users/Engineer', 'Users/Elsewhere']),
  );
  expect(second.seeded).toEqual({
    environments: [OTHER_ENVIRONMENT],
    users: [
      { environmentId: ENVIRONMENT, userId: 'u-new-engineer' },
      { environmentId: OTHER_ENVIRONMENT, userId: 'u-elsewhere' },
      { environmentId: OTHER_ENVIRONMENT, userId: adminUserIdFor(OTHER_ADMIN) },
    ],
    roles: [OTHER_ADMIN],
  });
  // and the run says so
  expect(seededLine(second.seeded)).toBe(
    `\nSeeded in the local FinSpace, newly declared: environment ${OTHER_ENVIRONMENT}; ` +
      `user u-new-engineer in ${ENVIRONMENT}; user u-elsewhere in ${OTHER_ENVIRONMENT}; ` +
      `user ${adminUserIdFor(OTHER_ADMIN)} in ${OTHER_ENVIRONMENT}; role ${OTHER_ADMIN}.`,
  );
  const after = state();
  expect(after.environments[ENVIRONMENT]['u-new-engineer']).toMatchObject({ lastName: 'Hopper', type: 'APP_USER' });
  expect(after.environments[OTHER_ENVIRONMENT]['u-elsewhere']).toMatchObject({ type: 'SUPER_USER' });
  // what was there is as the deploys left it
  expect(after.environments[ENVIRONMENT]['u-quant-analyst']).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
  // and a third run has nothing to seed or to do
  const third = await localDeploy({ projectDir: workDir, cdkOut, readUsers: false });
  expect(third.seeded).toEqual({ environments: [], users: [], roles: [] });
  expect(seededLine(third.seeded)).toBeUndefined();
  expect(third.stacks[0].status).toBe('NO_CHANGES');
});

test('a seeded user that someone removed from emulator.json is not seeded again', async () => {
  const cdkOut = synth({ Analyst: ANALYST });
  expect((await localDeploy({ projectDir: workDir, cdkOut, readUsers: false })).ok).toBe(true);
  const edited = state();
  delete edited.environments[ENVIRONMENT]['u-quant-analyst'];
  writeFileSync(stateFile(), JSON.stringify(edited));
  const result = await localDeploy({
    projectDir: workDir,
    cdkOut: synth({ Analyst: { ...ANALYST, lastName: 'King' } }),
    readUsers: false,
  });
  expect(result.ok).toBe(false);
  expect(result.stacks[0].reason).toBe(
    'GetUser u-quant-analyst: ResourceNotFoundException: User u-quant-analyst does not exist',
  );
});

test('a state started from a seed file is all that FinSpace holds: a newly declared user is not seeded', async () => {
  const seed = demoState;
  expect((await localDeploy({ projectDir: workDir, cdkOut: synth({ Analyst: ANALYST }), seed })).ok).toBe(true);
  expect(state().seededFromDeclarations).toBe(false);
  const result = await localDeploy({
    projectDir: workDir,
    cdkOut: synth({ Analyst: ANALYST, Ghost: { userId: 'u-ghost' } }),
    readUsers: false,
  });
  expect(result.ok).toBe(false);
  expect(result.stacks[0].reason).toBe('GetUser u-ghost: ResourceNotFoundException: User u-ghost does not exist');
  expect(result.seeded).toEqual({ environments: [], users: [], roles: [] });
});

describe('seedWhatIsNew', () => {
  const declare = (userId: string) => ({
    properties: { EnvironmentId: ENVIRONMENT, UserId: userId, AdminRoleArn: ADMIN_ROLE },
  });

  test('an admin role a superuser already maps gets no second admin user; a state with no record is filled in', () => {
    const kept = demoState(); // u-platform-admin maps ADMIN_ROLE; no record of what was seeded
    const added = seedWhatIsNew(kept, seedFromDeclarations([declare('u-quant-analyst'), declare('u-brand-new')]));
    expect(added).toEqual({
      environments: [],
      users: [{ environmentId: ENVIRONMENT, userId: 'u-brand-new' }],
      roles: [],
    });
    expect(Object.keys(kept.environments[ENVIRONMENT])).not.toContain(adminUserIdFor(ADMIN_ROLE));
    // the demo analyst is kept as it was
    expect(kept.environments[ENVIRONMENT]['u-quant-analyst'].lastName).toBe('Byron');
    // the demo admin role's trust is kept as it was
    expect(kept.roles[ADMIN_ROLE]).toEqual(demoState().roles[ADMIN_ROLE]);
  });
});
