import { ROLE_SESSION_NAME } from '../lambda/consts';
import { roleSessionName, stackNameOf } from '../lambda/role-session';
import { STACK_ID } from './support/events';

const STS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

test('the stack name, from the stack id', () => {
  expect(stackNameOf(STACK_ID)).toBe('FinspaceUsers');
  expect(roleSessionName(STACK_ID)).toBe('finspace-user@FinspaceUsers');
});

test('a stack name too long for 64 characters keeps its start and a hash of the whole', () => {
  const id = (name: string) => `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/5b6e2a30-9e5f-11f0`;
  const a = roleSessionName(id(`A${'b'.repeat(126)}`));
  const b = roleSessionName(id(`A${'b'.repeat(125)}c`));
  for (const name of [a, b]) {
    expect(name).toHaveLength(64);
    expect(name).toMatch(STS_SESSION_NAME);
    expect(name.startsWith('finspace-user@Abbb')).toBe(true);
  }
  expect(a).not.toBe(b);
});

test('without a stack id (the plan), the generic name', () => {
  expect(roleSessionName(undefined)).toBe(ROLE_SESSION_NAME);
  expect(roleSessionName('not-an-arn')).toBe(ROLE_SESSION_NAME);
});
