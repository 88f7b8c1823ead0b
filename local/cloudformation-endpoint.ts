// The local deploy engine's CloudFormation, as far as the handler meets it:
// DescribeStacks of its own stack (query protocol, SigV4 service
// `cloudformation`), answered from the status the engine is in (a rollback
// phase says so), DescribeStackResource of one of its resources (is a claim's
// holder standing?), and the ResponseURLs the handler answers events at (as
// CloudFormation's pre-signed S3 URLs: the URL itself is the permission). A
// loopback server of the deploy run, whichever FinSpace endpoint it deploys to,
// answering only requests addressed to a loopback host (loopback-host.ts).
// Given the local deploy state, it also answers what `finspace-user plan`
// reads of a deployed stack in AWS: GetTemplate and ListStackResources.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeployState } from './deploy-state';
import { deployedView } from './deployed-template';
import { LOCAL_HANDLER_CREDENTIALS } from './emulator-state';
import { refusedAsMisdirected } from './loopback-host';
import { ServiceError } from './service-error';
import type { ResourceEvent } from './stack-deployment';
import { verifySigV4 } from './sigv4';

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface LocalStack {
  readonly stackId: string;
  readonly stackName: string;
  status: string;
  readonly creationTime: Date;
  /** Its resources by logical id, as the deploy engine leaves them; none when not given. */
  readonly resources?: Map<string, LocalStackResource>;
}

export interface LocalStackResource {
  readonly resourceType: string;
  physicalResourceId?: string;
  resourceStatus: string;
}

export interface CloudFormationEndpoint {
  readonly url: string;
  /** The stacks by id; the deploy engine sets each one's status as it goes. */
  readonly stacks: Map<string, LocalStack>;
  /** The StackStatus each DescribeStacks answered, in order (tests). */
  readonly answered: string[];
  /** A ResponseURL for one event. */
  openResponse(): ResponseChannel;
  close(): Promise<void>;
}

export interface ResponseChannel {
  readonly url: string;
  /** What the handler PUT at the URL (the last PUT, as S3 keeps it), parsed, if anything yet. */
  received(): unknown;
  /** Its size in bytes (CloudFormation reads no answer over 4,096). */
  receivedBytes(): number | undefined;
  /** Stops accepting PUTs at the URL. */
  close(): void;
}

const RESPONSES_PATH = '/responses/';

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorXml(error: ServiceError, requestId: string): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${escapeXml(error.errorName)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** The stack a request names, by id or name, as CloudFormation finds it. */
function stackNamed(stacks: ReadonlyMap<string, LocalStack>, form: URLSearchParams): LocalStack {
  const name = form.get('StackName') ?? '';
  const stack = stacks.get(name) ?? [...stacks.values()].find((s) => s.stackName === name);
  if (!stack) throw new ServiceError('ValidationError', 400, `Stack with id ${name} does not exist`);
  return stack;
}

/** DescribeStacks of one stack, by id or name, as CloudFormation answers it. */
export function describeStacks(stacks: ReadonlyMap<string, LocalStack>, form: URLSearchParams): LocalStack {
  if (form.get('Action') !== 'DescribeStacks') {
    throw new ServiceError(
      'InvalidAction',
      400,
      `The local endpoint does not implement CloudFormation ${form.get('Action') ?? ''}`,
    );
  }
  return stackNamed(stacks, form);
}

function stackResourceXml(stack: LocalStack, form: URLSearchParams, requestId: string): string {
  const logicalId = form.get('LogicalResourceId') ?? '';
  const resource = stack.resources?.get(logicalId);
  if (!resource) {
    throw new ServiceError('ValidationError', 400, `Resource ${logicalId} does not exist for stack ${stack.stackName}`);
  }
  const physical =
    resource.physicalResourceId === undefined
      ? ''
      : `<PhysicalResourceId>${escapeXml(resource.physicalResourceId)}</PhysicalResourceId>`;
  return (
    `<DescribeStackResourceResponse xmlns="${XMLNS}"><DescribeStackResourceResult><StackResourceDetail>` +
    `<StackId>${escapeXml(stack.stackId)}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
    `<LogicalResourceId>${escapeXml(logicalId)}</LogicalResourceId>${physical}` +
    `<ResourceType>${escapeXml(resource.resourceType)}</ResourceType>` +
    `<LastUpdatedTimestamp>${new Date().toISOString()}</LastUpdatedTimestamp>` +
    `<ResourceStatus>${escapeXml(resource.resourceStatus)}</ResourceStatus>` +
    `</StackResourceDetail></DescribeStackResourceResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStackResourceResponse>`
  );
}

function stacksXml(stack: LocalStack, requestId: string): string {
  return (
    `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks><member>` +
    `<StackId>${escapeXml(stack.stackId)}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
    `<CreationTime>${stack.creationTime.toISOString()}</CreationTime><StackStatus>${stack.status}</StackStatus>` +
    `</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStacksResponse>`
  );
}

/** The stacks of a local deploy state, by id and by name, as the plan's reads find them. */
function deployedStacks(state: DeployState): Map<string, LocalStack> {
  const stacks = new Map<string, LocalStack>();
  for (const [stackName, deployed] of Object.entries(state)) {
    stacks.set(deployed.stackId, {
      stackId: deployed.stackId,
      stackName,
      status: 'UPDATE_COMPLETE',
      creationTime: new Date(0),
    });
  }
  return stacks;
}

/** GetTemplate and ListStackResources of a deployed stack, from the local deploy state. */
export function deployedStackXml(state: DeployState, form: URLSearchParams, requestId: string): string {
  const action = form.get('Action');
  const stack = stackNamed(deployedStacks(state), form);
  const view = deployedView(state[stack.stackName]);
  const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  if (action === 'GetTemplate') {
    const body = escapeXml(JSON.stringify(view.template));
    return `<GetTemplateResponse xmlns="${XMLNS}"><GetTemplateResult><TemplateBody>${body}</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable></GetTemplateResult>${metadata}</GetTemplateResponse>`;
  }
  const members = [...view.physicalIds]
    .map(
      ([logicalId, physicalId]) =>
        `<member><LogicalResourceId>${escapeXml(logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(physicalId)}</PhysicalResourceId>` +
        `<ResourceType>${escapeXml(String(view.template.Resources?.[logicalId]?.Type))}</ResourceType>` +
        `<LastUpdatedTimestamp>${new Date(0).toISOString()}</LastUpdatedTimestamp><ResourceStatus>UPDATE_COMPLETE</ResourceStatus></member>`,
    )
    .join('');
  return `<ListStackResourcesResponse xmlns="${XMLNS}"><ListStackResourcesResult><StackResourceSummaries>${members}</StackResourceSummaries></ListStackResourcesResult>${metadata}</ListStackResourcesResponse>`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface CloudFormationEndpointOptions {
  /** The local deploy state GetTemplate and ListStackResources answer from. @default - they are refused */
  readonly deployState?: () => DeployState;
}

/** Starts the endpoint on a free loopback port; only the handler's local credentials may call it. */
export async function startCloudFormationEndpoint(
  options: CloudFormationEndpointOptions = {},
): Promise<CloudFormationEndpoint> {
  const stacks = new Map<string, LocalStack>();
  const answered: string[] = [];
  const lookup = (accessKeyId: string) =>
    accessKeyId === LOCAL_HANDLER_CREDENTIALS.accessKeyId ? LOCAL_HANDLER_CREDENTIALS : undefined;
  const responses = new Map<string, { body?: unknown; bytes?: number }>();
  const server: Server = createServer((req, res) => {
    if (refusedAsMisdirected(req, res, (server.address() as AddressInfo).port)) return;
    const requestId = randomUUID();
    readBody(req)
      .then((body) => {
        if (req.method === 'PUT' && req.url?.startsWith(RESPONSES_PATH)) {
          const channel = responses.get(req.url.slice(RESPONSES_PATH.length));
          // As S3 answers a URL whose signature does not hold.
          if (!channel) throw new ServiceError('AccessDenied', 403, 'Access Denied');
          channel.bytes = body.length;
          try {
            channel.body = JSON.parse(body.toString('utf8'));
          } catch {
            channel.body = body.toString('utf8');
          }
          res.writeHead(200, { 'x-amz-request-id': requestId });
          res.end();
          return;
        }
        const verification = verifySigV4(
          { method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body },
          'cloudformation',
          lookup,
        );
        if (!verification.ok) throw new ServiceError('SignatureDoesNotMatch', 403, verification.message);
        const form = new URLSearchParams(body.toString('utf8'));
        const action = form.get('Action');
        if (action === 'DescribeStackResource') {
          const xml = stackResourceXml(stackNamed(stacks, form), form, requestId);
          res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
          res.end(xml);
          return;
        }
        if (options.deployState && (action === 'GetTemplate' || action === 'ListStackResources')) {
          const xml = deployedStackXml(options.deployState(), form, requestId);
          res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
          res.end(xml);
          return;
        }
        const stack = describeStacks(stacks, form);
        answered.push(stack.status);
        res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(stacksXml(stack, requestId));
      })
      .catch((error: unknown) => {
        const failure =
          error instanceof ServiceError ? error : new ServiceError('InternalFailure', 500, 'Endpoint error');
        res.writeHead(failure.statusCode, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
        res.end(errorXml(failure, requestId));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port, address } = server.address() as AddressInfo;
  const url = `http://${address}:${port}`;
  return {
    url,
    stacks,
    answered,
    openResponse: () => {
      const token = randomUUID();
      const channel: { body?: unknown; bytes?: number } = {};
      responses.set(token, channel);
      return {
        url: `${url}${RESPONSES_PATH}${token}`,
        received: () => channel.body,
        receivedBytes: () => channel.bytes,
        close: () => responses.delete(token),
      };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * What CloudFormation says of a stack's resources as its events go: a
 * resource is in progress, then complete or failed; a Delete that completes
 * removes it. The Delete of a replacement's old side (another physical id
 * under the same logical id) leaves the new one as it is.
 */
export function trackResourceEvent(
  resources: Map<string, LocalStackResource>,
  resourceType: string,
  event: Pick<ResourceEvent, 'logicalId' | 'requestType' | 'status' | 'physicalId'>,
): void {
  const current = resources.get(event.logicalId);
  if (event.requestType === 'Delete') {
    if (current === undefined || (current.physicalResourceId ?? event.physicalId) !== event.physicalId) return;
    // A Delete skipped by its DeletionPolicy (DELETE_SKIPPED) leaves the stack's resources too: the thing stays, unmanaged.
    if (event.status === 'COMPLETE' || event.status === 'SKIPPED') resources.delete(event.logicalId);
    else current.resourceStatus = `DELETE_${event.status}`;
    return;
  }
  const prefix = event.requestType === 'Create' ? 'CREATE' : 'UPDATE';
  const physicalResourceId = event.status === 'COMPLETE' ? event.physicalId : current?.physicalResourceId;
  resources.set(event.logicalId, { resourceType, physicalResourceId, resourceStatus: `${prefix}_${event.status}` });
}
