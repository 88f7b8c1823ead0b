// The local deploy engine's CloudFormation, as far as the handler meets it:
// DescribeStacks of its own stack (query protocol, SigV4 service
// `cloudformation`), answered from the status the engine is in (a rollback
// phase says so) with its CreationTime and, from its first update on, its
// LastUpdatedTime (an update's start); DescribeStackEvents, newest first and
// paged, with the stack's own event at each status it enters (when a phase
// began); DescribeStackResource of one of its resources (is a claim's holder
// standing?); and the ResponseURLs the handler answers events at (as
// CloudFormation's pre-signed S3 URLs, signed as the event is sent: the URL
// itself is the permission, and its X-Amz-Date says when it was sent). A
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
  /** Set it with `enterStackStatus`, which also records the stack's event and an update's time, as CloudFormation does. */
  status: string;
  readonly creationTime: Date;
  /** When its latest update began; none before its first. */
  lastUpdatedTime?: Date;
  /** Its resources by logical id, as the deploy engine leaves them; none when not given. */
  readonly resources?: Map<string, LocalStackResource>;
  /** Its events, oldest first (DescribeStackEvents answers them newest first); none when not given. */
  readonly events?: LocalStackEvent[];
}

/** One event of a stack: of a resource, or of the stack itself (type AWS::CloudFormation::Stack, the stack's id). */
export interface LocalStackEvent {
  readonly logicalResourceId: string;
  readonly physicalResourceId?: string;
  readonly resourceType: string;
  readonly resourceStatus: string;
  readonly timestamp: Date;
}

/** The stack enters `status` at `at`: its own event says so, and an update's start is its LastUpdatedTime. */
export function enterStackStatus(stack: LocalStack, status: string, at: Date = new Date()): void {
  stack.status = status;
  if (status === 'UPDATE_IN_PROGRESS') stack.lastUpdatedTime = at;
  stack.events?.push({
    logicalResourceId: stack.stackName,
    physicalResourceId: stack.stackId,
    resourceType: 'AWS::CloudFormation::Stack',
    resourceStatus: status,
    timestamp: at,
  });
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
  /** A ResponseURL for one event, signed as it is sent (at `sentAt`, now unless a test says otherwise). */
  openResponse(sentAt?: Date): ResponseChannel;
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
/** Events in one page of DescribeStackEvents. */
const EVENTS_PAGE_SIZE = 100;

/** The query of a pre-signed S3 PUT as CloudFormation signs its ResponseURLs (SigV4, two hours): only X-Amz-Date is read. */
function presignedQuery(at: Date): string {
  const amzDate = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Date': amzDate,
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Expires': '7200',
    'X-Amz-Credential': `LOCALRESPONSES/${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`,
  }).toString();
}

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
function describeStacks(stacks: ReadonlyMap<string, LocalStack>, form: URLSearchParams): LocalStack {
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

/** DescribeStackEvents: the stack's events newest first, a page at a time (NextToken: where the next page starts). */
function stackEventsXml(stack: LocalStack, form: URLSearchParams, requestId: string): string {
  const newestFirst = [...(stack.events ?? [])].reverse();
  const token = form.get('NextToken');
  const from = token === null ? 0 : Number(token);
  if (!Number.isInteger(from) || from < 0) throw new ServiceError('ValidationError', 400, 'Invalid NextToken');
  const to = from + EVENTS_PAGE_SIZE;
  const members = newestFirst
    .slice(from, to)
    .map(
      (e, i) =>
        `<member><StackId>${escapeXml(stack.stackId)}</StackId><EventId>${from + i}</EventId>` +
        `<StackName>${escapeXml(stack.stackName)}</StackName>` +
        `<LogicalResourceId>${escapeXml(e.logicalResourceId)}</LogicalResourceId>` +
        (e.physicalResourceId === undefined
          ? ''
          : `<PhysicalResourceId>${escapeXml(e.physicalResourceId)}</PhysicalResourceId>`) +
        `<ResourceType>${escapeXml(e.resourceType)}</ResourceType><Timestamp>${e.timestamp.toISOString()}</Timestamp>` +
        `<ResourceStatus>${escapeXml(e.resourceStatus)}</ResourceStatus></member>`,
    )
    .join('');
  const next = to < newestFirst.length ? `<NextToken>${to}</NextToken>` : '';
  return (
    `<DescribeStackEventsResponse xmlns="${XMLNS}"><DescribeStackEventsResult><StackEvents>${members}</StackEvents>` +
    `${next}</DescribeStackEventsResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></DescribeStackEventsResponse>`
  );
}

function stacksXml(stack: LocalStack, requestId: string): string {
  const updated =
    stack.lastUpdatedTime === undefined
      ? ''
      : `<LastUpdatedTime>${stack.lastUpdatedTime.toISOString()}</LastUpdatedTime>`;
  return (
    `<DescribeStacksResponse xmlns="${XMLNS}"><DescribeStacksResult><Stacks><member>` +
    `<StackId>${escapeXml(stack.stackId)}</StackId><StackName>${escapeXml(stack.stackName)}</StackName>` +
    `<CreationTime>${stack.creationTime.toISOString()}</CreationTime>${updated}<StackStatus>${stack.status}</StackStatus>` +
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
function deployedStackXml(state: DeployState, form: URLSearchParams, requestId: string): string {
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
          const channel = responses.get(req.url.slice(RESPONSES_PATH.length).split('?')[0]);
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
        if (action === 'DescribeStackEvents') {
          const xml = stackEventsXml(stackNamed(stacks, form), form, requestId);
          res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
          res.end(xml);
          return;
        }
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
    openResponse: (sentAt = new Date()) => {
      const token = randomUUID();
      const channel: { body?: unknown; bytes?: number } = {};
      responses.set(token, channel);
      return {
        url: `${url}${RESPONSES_PATH}${token}?${presignedQuery(sentAt)}`,
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
 * under the same logical id) leaves the new one as it is. Each is one of the
 * stack's events too.
 */
export function trackResourceEvent(
  stack: Pick<LocalStack, 'events'> & { readonly resources: Map<string, LocalStackResource> },
  resourceType: string,
  event: Pick<ResourceEvent, 'logicalId' | 'requestType' | 'status' | 'physicalId'>,
): void {
  const action = event.requestType === 'Create' ? 'CREATE' : event.requestType === 'Update' ? 'UPDATE' : 'DELETE';
  stack.events?.push({
    logicalResourceId: event.logicalId,
    physicalResourceId: event.physicalId,
    resourceType,
    resourceStatus: `${action}_${event.status}`,
    timestamp: new Date(),
  });
  const resources = stack.resources;
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
