// Reads what `cdk synth` wrote: each stack's Custom::FinspaceUser resources
// and the bundled handler asset that serves them.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RESOURCE_TYPE } from '../lambda/resource-properties';
import { type DeletionPolicy, policiesOf, type UpdateReplacePolicy } from './deletion-policy';

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  /** CloudFormation's own attributes: whether a removed or replaced resource gets a Delete at all. */
  readonly DeletionPolicy?: unknown;
  readonly UpdateReplacePolicy?: unknown;
}

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
}

export interface UserResource {
  readonly logicalId: string;
  /** The construct path (aws:cdk:path), for people to read. */
  readonly path: string;
  readonly properties: Record<string, unknown>;
  /** The resource's DeletionPolicy attribute, checked. @default - none: Delete */
  readonly deletionPolicy?: DeletionPolicy;
  /** The resource's UpdateReplacePolicy attribute, checked. @default - none: Delete */
  readonly updateReplacePolicy?: UpdateReplacePolicy;
}

export interface StackUsers {
  /** The stack's artifact id in the assembly (the name the local deploy keeps it under). */
  readonly stackName: string;
  /** Its name in CloudFormation: the artifact's stackName when the app gave one. @default stackName */
  readonly cloudFormationName?: string;
  readonly template: Template;
  readonly users: UserResource[];
  /** The handler function serving them, when the assembly holds its bundled asset. */
  readonly handler?: HandlerFunction;
  /** The stack's DynamoDB tables (the handler's snapshot table), as the local deploy provisions them. */
  readonly tables: LocalTableSpec[];
  /**
   * The role the CDK has CloudFormation deploy the stack as (the manifest's
   * `cloudFormationExecutionRoleArn`, `${AWS::AccountId}` placeholders and
   * all); none when CloudFormation acts with the deploying caller's credentials.
   */
  readonly cloudFormationExecutionRoleArn?: string;
}

export interface LocalTableSpec {
  /** `<stack>-<logical id>`: the name the local deploy gives it (AWS adds a random suffix). */
  readonly tableName: string;
  readonly keySchema: { AttributeName: string; KeyType: string }[];
  readonly ttlAttribute?: string;
  /** Its resource policy document as the template holds it (references unresolved). */
  readonly resourcePolicy?: unknown;
  /** The `Role` of the function whose environment names the table (the handler), as the template holds it. */
  readonly userRole?: unknown;
}

export function localTableName(stackName: string, logicalId: string): string {
  return `${stackName}-${logicalId}`.slice(0, 255);
}

export function tablesOf(template: Template, stackName: string): LocalTableSpec[] {
  const resources = Object.values(template.Resources ?? {});
  /** The role of the function whose environment holds `{"Ref": logicalId}`. */
  const userRole = (logicalId: string) =>
    resources.find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        Object.values(
          (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
        ).some((v) => (v as { Ref?: unknown } | null)?.Ref === logicalId),
    )?.Properties?.Role;
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, r]) => {
      const ttl = r.Properties?.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
      const policy = r.Properties?.ResourcePolicy as { PolicyDocument?: unknown } | undefined;
      return {
        tableName: localTableName(stackName, logicalId),
        keySchema: (r.Properties?.KeySchema ?? []) as LocalTableSpec['keySchema'],
        ttlAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
        ...(policy === undefined ? {} : { resourcePolicy: policy.PolicyDocument, userRole: userRole(logicalId) }),
      };
    });
}

export interface HandlerFunction {
  /** Absolute path of the bundled asset directory (holds index.js). */
  readonly assetDir: string;
  readonly environment: Record<string, string>;
  readonly timeoutSeconds: number;
}

interface Manifest {
  readonly artifacts?: Record<
    string,
    {
      type: string;
      properties?: { templateFile?: string; stackName?: string; cloudFormationExecutionRoleArn?: string };
      displayName?: string;
    }
  >;
}

/** A manifest that names a file outside its assembly (`../../etc/passwd`, an absolute path, a symlink out). */
export class OutsideAssemblyError extends Error {}

/**
 * `file` (relative to the assembly) as an absolute path, when it is inside the
 * assembly directory once every symlink is followed. The assembly is the
 * pull request's output, read as data by a job that holds credentials: a
 * manifest must not make it read (and print) anything else on the machine.
 */
function insideAssembly(outdir: string, file: string, what: string): string {
  const root = realpathSync(outdir);
  const outside = () =>
    new OutsideAssemblyError(
      `${what} ${JSON.stringify(file)} is outside the cloud assembly ${root}: only files inside it are read`,
    );
  if (typeof file !== 'string' || file === '' || isAbsolute(file)) throw outside();
  const target = resolve(root, file);
  const within = (path: string) => {
    const rel = relative(root, path);
    return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
  };
  if (!within(target)) throw outside();
  // Where it does not exist, the reader's own error says so; where it does, a symlink must not lead out.
  if (existsSync(target) && !within(realpathSync(target))) throw outside();
  return resolve(outdir, file);
}

export function readStacks(outdir: string): StackUsers[] {
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks: StackUsers[] = [];
  for (const [name, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const templateFile = insideAssembly(outdir, artifact.properties.templateFile, `stack ${name}: templateFile`);
    const template = JSON.parse(readFileSync(templateFile, 'utf8')) as Template;
    const cloudFormationName = artifact.properties.stackName;
    stacks.push({
      stackName: name,
      ...(typeof cloudFormationName === 'string' && cloudFormationName !== name ? { cloudFormationName } : {}),
      template,
      users: usersOf(template),
      handler: handlerOf(template, outdir, name),
      tables: tablesOf(template, name),
      cloudFormationExecutionRoleArn: artifact.properties.cloudFormationExecutionRoleArn,
    });
  }
  return stacks;
}

export function usersOf(template: Template): UserResource[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === RESOURCE_TYPE)
    .map(([logicalId, r]) => {
      const path = String(r.Metadata?.['aws:cdk:path'] ?? logicalId).replace(/\/Resource\/Default$/, '');
      // an attribute CloudFormation would refuse fails here, naming the resource
      return { logicalId, path, properties: r.Properties ?? {}, ...policiesOf(r, path) };
    });
}

/**
 * The function the stack's Custom::FinspaceUser resources name as their
 * ServiceToken (`Fn::GetAtt <function>.Arn`), its asset found through its
 * code's S3 key in the stack's asset manifest.
 */
export function handlerOf(template: Template, outdir: string, stackName: string): HandlerFunction | undefined {
  const resources = template.Resources ?? {};
  const serviceToken = Object.values(resources).find((r) => r.Type === RESOURCE_TYPE)?.Properties?.ServiceToken as
    { 'Fn::GetAtt'?: [string, string] } | undefined;
  const logicalId = serviceToken?.['Fn::GetAtt']?.[0];
  const target = logicalId ? resources[logicalId] : undefined;
  const properties = target?.Type === 'AWS::Lambda::Function' ? target.Properties : undefined;
  const code = properties?.Code as { S3Key?: unknown } | undefined;
  const hash = typeof code?.S3Key === 'string' ? code.S3Key.replace(/\.zip$/, '') : undefined;
  if (!properties || !hash) return undefined;
  const manifestFile = insideAssembly(outdir, `${stackName}.assets.json`, `stack ${stackName}: asset manifest`);
  if (!existsSync(manifestFile)) return undefined;
  const assets = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    files?: Record<string, { source?: { path?: string } }>;
  };
  const assetPath = assets.files?.[hash]?.source?.path;
  if (!assetPath) return undefined;
  const assetDir = insideAssembly(outdir, assetPath, `stack ${stackName}: handler asset`);
  if (!existsSync(join(assetDir, 'index.js'))) return undefined;
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  // A reference to a table of the stack (the snapshot table) is the name the local deploy gives it.
  const valueOf = (v: unknown) => {
    const ref = (v as { Ref?: unknown } | null)?.Ref;
    const table = typeof ref === 'string' ? template.Resources?.[ref] : undefined;
    return table?.Type === 'AWS::DynamoDB::Table' ? localTableName(stackName, ref as string) : String(v);
  };
  return {
    assetDir,
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, valueOf(v)])),
    timeoutSeconds: typeof properties.Timeout === 'number' ? properties.Timeout : 3,
  };
}
