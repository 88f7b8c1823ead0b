// The demo environment most tests start from, as someone set it up by hand:
// an admin mapped to the admin role, and the example app's three users with
// values that differ from what the example declares.
import { EXAMPLE_DEFAULTS } from '../../bin/example-stack';
import { emptyState, type EmulatorState, LOCAL_HANDLER_CREDENTIALS, seedUser } from '../../local/emulator-state';

export function demoState(): EmulatorState {
  const d = EXAMPLE_DEFAULTS;
  const users = [
    seedUser('u-platform-admin', 'SUPER_USER', 'Platform', 'Admin', 'ENABLED', d.adminRoleArn),
    seedUser(d.analystUserId, 'APP_USER', 'Ada', 'Byron', 'DISABLED'),
    seedUser(d.engineerUserId, 'APP_USER', 'Grace', 'Murray', 'DISABLED'),
    seedUser(d.contractorUserId, 'APP_USER', 'Alan', 'Turing', 'ENABLED'),
  ];
  const state = emptyState();
  state.environments[d.environmentId] = Object.fromEntries(users.map((u) => [u.userId, u]));
  state.roles[d.adminRoleArn] = { trusted: [LOCAL_HANDLER_CREDENTIALS.principalArn] };
  state.roles[d.pipelineRoleArn] = { trusted: ['*'] };
  return state;
}
