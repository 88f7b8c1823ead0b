// Synthesizes apps into a test's work directory the way the CDK CLI does
// (with construct paths in the metadata), each into a directory of its own.
import { join } from 'node:path';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';
import { FinspaceUserType } from '../../lib';
import { ADMIN_ROLE, ENVIRONMENT } from './events';
import { declareUser, type UserSpec } from './roles';

let count = 0;

/** Runs `build` on a fresh App and synthesizes it; returns the cloud assembly directory. */
export function synthApp(workDir: string, build: (app: App) => void): string {
  const outdir = join(workDir, `cdk.out.${++count}`);
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  build(app);
  app.synth();
  return outdir;
}

/** A stack `Users` declaring `users` (demo environment, admin role and APP_USER unless given). */
export function synthUsers(workDir: string, users: Record<string, Partial<UserSpec>>): string {
  return synthApp(workDir, (app) => {
    const stack = new Stack(app, 'Users');
    for (const [id, props] of Object.entries(users)) {
      declareUser(stack, id, {
        environmentId: ENVIRONMENT,
        adminRoleArn: ADMIN_ROLE,
        userId: 'u-quant-analyst',
        type: FinspaceUserType.APP_USER,
        ...props,
      });
    }
    // CloudFormation wants at least one resource; a stack with no users keeps a placeholder.
    if (Object.keys(users).length === 0) new CfnWaitConditionHandle(stack, 'Placeholder');
  });
}
