import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Where an app records the FinSpace users its FinspaceUser constructs
 * declare, on the app itself. `Symbol.for`, so that two copies of this
 * library in one app share the record (as they share a stack's provider).
 */
const DECLARED_USERS = Symbol.for('finspace-user.declaredUsers.v1');

type AppRecord = { [DECLARED_USERS]?: Map<string, string> };

/**
 * Records that `user` manages `userId` of `environmentId`, and refuses a
 * second declaration of the same FinSpace user anywhere in the app: two
 * resources would overwrite each other's values, and each would take the
 * other's writes for the user's before-values on rollback. A token is not
 * known until deploy time and is not recorded.
 */
export function declareUserOnce(user: IConstruct, environmentId: string, userId: string): void {
  if (Token.isUnresolved(environmentId) || Token.isUnresolved(userId)) return;
  const app = user.node.root as AppRecord;
  let declared = app[DECLARED_USERS];
  if (declared === undefined) {
    declared = new Map();
    Object.defineProperty(app, DECLARED_USERS, { value: declared });
  }
  const key = JSON.stringify([environmentId, userId]);
  const first = declared.get(key);
  if (first !== undefined) {
    throw new Error(
      `FinspaceUser ${user.node.path}: userId '${userId}' of environment '${environmentId}' is already declared by ` +
        `${first}; declare each FinSpace user once per app`,
    );
  }
  declared.set(key, user.node.path);
}
