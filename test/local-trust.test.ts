// The local STS judges AssumeRole of an admin role by the role's trust
// policy, as IAM does: the template's, for a role the app defines; the one in
// emulator.json, seeded as the README recommends, for a role managed
// elsewhere. A deploy whose admin role does not trust the handler role fails
// as in AWS and rolls back.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { FinspaceUser, FinspaceUserType } from '../lib';
import type { EmulatorState } from '../local/emulator-state';
import { evaluatePolicy, parsePolicy, type PolicyRequest } from '../local/iam-policy';
import { usersTable } from '../local/deploy-report';
import { localDeploy } from '../local/local-deploy';
import { trustPolicyKind } from '../local/role-trust';
import { seededTrustPolicy } from '../local/seed';
import { demoState } from './support/demo-state';
import { ADMIN_ROLE, ENVIRONMENT } from './support/events';
import { declareUser } from './support/roles';
import { synthApp } from './support/synth';

jest.setTimeout(90_000);

type TrustPolicy = { Statement: { Condition: { ArnEquals: Record<string, string> } }[] };

const ACCOUNT_ROOT = 'arn:aws:iam::123456789012:root';
const HANDLER = 'arn:aws:iam::123456789012:role/Users-eu-west-1-finspace-user-handler';
const OTHER = 'arn:aws:iam::123456789012:role/SomeoneElse';

describe('a trust policy, evaluated for sts:AssumeRole', () => {
  const decide = (document: unknown, request: Partial<PolicyRequest> = {}) =>
    evaluatePolicy(parsePolicy(document, trustPolicyKind('Policy')), {
      action: 'sts:AssumeRole',
      principalArn: HANDLER,
      ...request,
    });
  const allow = (Principal: unknown, extra: Record<string, unknown> = {}) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra }],
  });

  test("the README's shape: the account as principal, narrowed with ArnEquals on aws:PrincipalArn", () => {
    const policy = seededTrustPolicy([HANDLER]);
    expect(policy).toEqual(
      allow(
        { AWS: ACCOUNT_ROOT },
        { Sid: 'FinspaceUserHandler', Condition: { ArnEquals: { 'aws:PrincipalArn': HANDLER } } },
      ),
    );
    expect(decide(policy)).toBe('allow');
    expect(decide(policy, { principalArn: OTHER })).toBe('no-allow');
    expect(
      decide(policy, { principalArn: 'arn:aws:iam::210987654321:role/Users-eu-west-1-finspace-user-handler' }),
    ).toBe('no-allow');
  });

  test.each([
    [HANDLER, 'allow'],
    ['123456789012', 'allow'],
    [ACCOUNT_ROOT, 'allow'],
    ['*', 'allow'],
    [OTHER, 'no-allow'],
    ['arn:aws:iam::210987654321:root', 'no-allow'],
  ])('Principal AWS %s: %s', (principal, decision) => {
    expect(decide(allow({ AWS: principal }))).toBe(decision);
    expect(decide(allow({ AWS: [OTHER, principal] }))).toBe(decision);
  });

  test('a Service principal is no IAM caller; "Principal": "*" is anyone', () => {
    expect(decide(allow({ Service: 'lambda.amazonaws.com' }))).toBe('no-allow');
    expect(decide(allow('*'))).toBe('allow');
  });

  test.each([
    [{ ArnEquals: { 'aws:PrincipalArn': HANDLER } }, 'allow'],
    [{ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Users-*' } }, 'allow'],
    [{ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Other-*' } }, 'no-allow'],
    // ArnEquals takes wildcards within each part, as ArnLike does (IAM's documentation of the ARN operators)
    [{ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/Users-*' } }, 'allow'],
    [{ ArnEquals: { 'aws:PrincipalArn': '*' } }, 'no-allow'], // no wildcard spans the parts
    [{ ArnNotEquals: { 'aws:PrincipalArn': HANDLER } }, 'no-allow'],
    [{ ArnNotLike: { 'AWS:PRINCIPALARN': 'arn:aws:iam::123456789012:role/Some*' } }, 'allow'],
    [{ StringEquals: { 'aws:PrincipalArn': [OTHER, HANDLER] } }, 'allow'],
    [{ StringLike: { 'aws:PrincipalArn': '*-finspace-user-handler' } }, 'allow'],
    [{ StringNotLike: { 'aws:PrincipalArn': '*-finspace-user-handler' } }, 'no-allow'],
    [{ StringEquals: { 'sts:ExternalId': 'ext-1' } }, 'no-allow'], // none sent
    [{ StringNotEquals: { 'sts:ExternalId': 'ext-1' } }, 'allow'],
  ])('Condition %j: %s', (Condition, decision) => {
    expect(decide(allow({ AWS: ACCOUNT_ROOT }, { Condition }))).toBe(decision);
  });

  test('sts:ExternalId: the one the role requires, and only it', () => {
    const policy = seededTrustPolicy([HANDLER], 'ext-1');
    expect(decide(policy, { context: { 'sts:ExternalId': 'ext-1' } })).toBe('allow');
    expect(decide(policy, { context: { 'sts:ExternalId': 'ext-2' } })).toBe('no-allow');
    expect(decide(policy)).toBe('no-allow');
  });

  test('an explicit Deny wins; another action is not allowed', () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ACCOUNT_ROOT }, Action: 'sts:AssumeRole' },
        {
          Effect: 'Deny',
          Principal: '*',
          Action: 'sts:*',
          Condition: { StringLike: { 'aws:PrincipalArn': '*handler' } },
        },
      ],
    };
    expect(decide(policy)).toBe('deny');
    expect(decide(policy, { principalArn: OTHER })).toBe('allow');
    expect(decide(allow({ AWS: HANDLER }), { action: 'sts:TagSession' })).toBe('no-allow');
  });

  test.each([
    [
      { Effect: 'Allow', NotPrincipal: { AWS: OTHER }, Action: 'sts:AssumeRole' },
      'Policy.Statement[0].NotPrincipal: the local endpoint does not evaluate this member',
    ],
    [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Condition: { DateLessThan: { 'aws:CurrentTime': 'x' } },
      },
      'Policy.Statement[0].Condition.DateLessThan: the local endpoint evaluates the condition operators',
    ],
    [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Condition: { StringEqualsIfExists: { 'sts:ExternalId': 'x' } },
      },
      'Policy.Statement[0].Condition.StringEqualsIfExists',
    ],
    [
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceIp': 'x' } },
      },
      'Policy.Statement[0].Condition.StringEquals.aws:SourceIp: the local endpoint evaluates the condition keys aws:PrincipalArn, sts:ExternalId only',
    ],
    [
      { Effect: 'Allow', Principal: { Federated: 'x' }, Action: 'sts:AssumeRole' },
      'Policy.Statement[0].Principal: the local endpoint evaluates AWS and Service principals only (got Federated)',
    ],
    [{ Effect: 'Allow', Action: 'sts:AssumeRole' }, 'Policy.Statement[0].Principal: is required here'],
    [{ Effect: 'Allow', Principal: { AWS: '${aws:username}' }, Action: 'sts:AssumeRole' }, 'policy variables'],
  ])('what it cannot evaluate fails loudly, named: %j', (statement, message) => {
    expect(() => parsePolicy({ Statement: [statement] }, trustPolicyKind('Policy'))).toThrow(message);
  });
});

describe('a local deploy', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'finspace-trust-'));
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  const stateFile = () => join(workDir, '.finspace-local', 'emulator.json');
  const state = () => JSON.parse(readFileSync(stateFile(), 'utf8')) as EmulatorState;

  /** The analyst, its admin role managed elsewhere (imported by ARN). */
  const synthManagedElsewhere = (lastName: string) =>
    synthApp(workDir, (app) => {
      const stack = new Stack(app, 'Users');
      declareUser(stack, 'Analyst', {
        environmentId: ENVIRONMENT,
        adminRoleArn: ADMIN_ROLE,
        userId: 'u-quant-analyst',
        type: FinspaceUserType.APP_USER,
        lastName,
      });
    });

  test('an admin role managed elsewhere is seeded to trust the handler role, as the README recommends', async () => {
    expect((await localDeploy({ projectDir: workDir, cdkOut: synthManagedElsewhere('Lovelace') })).ok).toBe(true);
    const trust = state().roles[ADMIN_ROLE].trustPolicy as TrustPolicy;
    const handlerRole = trust.Statement[0].Condition.ArnEquals['aws:PrincipalArn'];
    // the handler role of the stack, as its template names it (the role its function runs as)
    expect(handlerRole).toBe('arn:aws:iam::123456789012:role/Users-FinspaceUserHandler-us-east-1');
    expect(trust).toEqual(seededTrustPolicy([handlerRole]));
  });

  test('one that does not trust the handler role: the first deploy fails with AccessDenied and rolls back', async () => {
    // FinSpace as a team set it up, the admin role trusting another principal
    const seed = () => {
      const team = demoState();
      team.roles[ADMIN_ROLE] = { trustPolicy: seededTrustPolicy([OTHER]) };
      return team;
    };
    const result = await localDeploy({ projectDir: workDir, cdkOut: synthManagedElsewhere('Lovelace'), seed });
    expect(result.ok).toBe(false);
    expect(result.stacks[0].stackStatus).toBe('ROLLBACK_COMPLETE');
    expect(result.stacks[0].reason).toMatch(
      new RegExp(
        `AccessDenied: User: arn:aws:iam::123456789012:role/Users-FinspaceUserHandler-us-east-1 is not authorized ` +
          `to perform: sts:AssumeRole on resource: ${ADMIN_ROLE}`,
      ),
    );
    expect(state().environments[ENVIRONMENT]['u-quant-analyst'].lastName).toBe('Byron');
  });

  test('trust narrowed in emulator.json after the first run: the next deploy is refused and writes nothing', async () => {
    expect((await localDeploy({ projectDir: workDir, cdkOut: synthManagedElsewhere('Lovelace') })).ok).toBe(true);
    const edited = state();
    const trust = edited.roles[ADMIN_ROLE].trustPolicy as TrustPolicy;
    const handlerRole = trust.Statement[0].Condition.ArnEquals['aws:PrincipalArn'];
    trust.Statement[0].Condition.ArnEquals['aws:PrincipalArn'] = OTHER;
    writeFileSync(stateFile(), JSON.stringify(edited));
    const result = await localDeploy({ projectDir: workDir, cdkOut: synthManagedElsewhere('King') });
    expect(result.ok).toBe(false);
    expect(result.stacks[0].reason).toContain(
      `AccessDenied: User: ${handlerRole} is not authorized to perform: sts:AssumeRole on resource: ${ADMIN_ROLE}`,
    );
    expect(state().environments[ENVIRONMENT]['u-quant-analyst'].lastName).toBe('Lovelace');
    // (Its rollback Update finds no snapshot and, with today's handler, writes the previous declaration again
    // through the same admin role: UPDATE_ROLLBACK_FAILED, as in AWS.)
  });

  test('with trust narrowed and nothing to deploy, the report says the users cannot be read, and why: never missing', async () => {
    const cdkOut = synthManagedElsewhere('Lovelace');
    expect((await localDeploy({ projectDir: workDir, cdkOut })).ok).toBe(true);
    const edited = state();
    (edited.roles[ADMIN_ROLE].trustPolicy as TrustPolicy).Statement[0].Condition.ArnEquals['aws:PrincipalArn'] = OTHER;
    writeFileSync(stateFile(), JSON.stringify(edited));
    const result = await localDeploy({ projectDir: workDir, cdkOut });
    expect(result.stacks[0].status).toBe('NO_CHANGES');
    expect(result.users).toEqual([
      expect.objectContaining({
        userId: 'u-quant-analyst',
        before: undefined,
        beforeError: expect.stringMatching(/AccessDenied.*is not authorized to perform: sts:AssumeRole/),
        afterError: expect.stringMatching(/AccessDenied/),
      }),
    ]);
    const table = usersTable(result.users, { showNames: false });
    expect(table).toMatch(/^\S+\s+u-quant-analyst\s+before\s+\(cannot read\)/m);
    expect(table).not.toContain('(missing)');
    expect(table).toMatch(/\(cannot read\): AssumeRole \S+: AccessDenied: .*sts:AssumeRole on resource: /);
  });

  test('an admin role the app defines is judged by its template trust policy: without the handler, the first deploy fails and rolls back', async () => {
    const cdkOut = synthApp(workDir, (app) => {
      const stack = new Stack(app, 'TeamUsers');
      const admin = new iam.Role(stack, 'FinspaceAdmin', { assumedBy: new iam.AccountRootPrincipal() });
      // its trust policy overridden: a pipeline role only, so not the handler role the construct added
      (admin.node.defaultChild as iam.CfnRole).addPropertyOverride('AssumeRolePolicyDocument', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'sts:AssumeRole' }],
      });
      new FinspaceUser(stack, 'Analyst', {
        environmentId: 'teamenvironment01',
        userId: 'u-team-analyst',
        type: FinspaceUserType.APP_USER,
        adminRole: admin,
      });
    });
    const result = await localDeploy({ projectDir: workDir, cdkOut });
    expect(result.ok).toBe(false);
    expect(result.stacks[0].stackStatus).toBe('ROLLBACK_COMPLETE');
    expect(result.stacks[0].reason).toMatch(
      /AccessDenied: User: arn:aws:iam::123456789012:role\/TeamUsers-FinspaceUserHandler-us-east-1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/TeamUsers-FinspaceAdmin/,
    );
    // the template's policy is what the endpoint holds for it
    const roles = Object.entries(state().roles).filter(([arn]) => arn.includes(':role/TeamUsers-FinspaceAdmin'));
    expect(roles).toHaveLength(1);
    expect(roles[0][1].trustPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'sts:AssumeRole' }],
    });
  });

  test('a trust policy in emulator.json the endpoint cannot evaluate stops the run, named, before any deploy', async () => {
    const cdkOut = synthManagedElsewhere('Lovelace');
    expect((await localDeploy({ projectDir: workDir, cdkOut })).ok).toBe(true);
    const edited = state();
    edited.roles[ADMIN_ROLE].trustPolicy = {
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
        },
      ],
    };
    writeFileSync(stateFile(), JSON.stringify(edited));
    await expect(localDeploy({ projectDir: workDir, cdkOut: synthManagedElsewhere('King') })).rejects.toThrow(
      `roles["${ADMIN_ROLE}"].trustPolicy.Statement[0].Condition.Bool: the local endpoint evaluates the condition operators`,
    );
  });
});
