// Synthesizes apps into a test's work directory the way the CDK CLI does
// (with construct paths in the metadata), each into a directory of its own.
import { readFileSync, writeFileSync } from 'node:fs';
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

/** A template resource as written to the cloud assembly. */
export interface TemplateResource {
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/**
 * Edits, in the assembly, the one resource of stack `stackName` whose construct path starts with
 * `pathPrefix`: what a template edited after synth (or made by another tool) holds, where the construct
 * itself would refuse it.
 */
export function editTemplateResource(
  cdkOut: string,
  stackName: string,
  pathPrefix: string,
  edit: (resource: TemplateResource) => void,
): void {
  const file = join(cdkOut, `${stackName}.template.json`);
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, TemplateResource> };
  const found = Object.values(template.Resources).filter((r) =>
    String(r.Metadata?.['aws:cdk:path']).startsWith(pathPrefix),
  );
  if (found.length !== 1) throw new Error(`${pathPrefix}: ${found.length} resources in ${file}, not one`);
  edit(found[0]);
  writeFileSync(file, JSON.stringify(template));
}
