// Whoever may invoke the handler (lambda:InvokeFunction) could otherwise make
// it change any user its admin roles reach. It acts only on events of its own
// stack and resource type: CloudFormation resolves the stack's id into the
// function's environment, and an event naming another stack is refused
// before any STS or FinSpace call.
import { STACK_ID_ENV } from './consts';
import { RESOURCE_TYPE } from './resource-properties';

const REQUEST_TYPES: ReadonlySet<unknown> = new Set(['Create', 'Update', 'Delete']);

/** A refusal of an event that is not this handler's to act on. */
export class ForeignEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForeignEventError';
  }
}

/** The event's value, short enough for a reason and a log line. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? 'undefined' : typeof value;
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 197)}...` : text);
}

/** Throws unless `event` is a Custom::FinspaceUser event of the stack named in `env`. */
export function refuseForeignEvent(event: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const ownStackId = env[STACK_ID_ENV];
  if (!ownStackId) {
    throw new ForeignEventError(`refused: the handler's environment does not name its stack (${STACK_ID_ENV})`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ForeignEventError('refused: the event is not an object');
  }
  const { StackId, ResourceType, RequestType } = event as Record<string, unknown>;
  if (StackId !== ownStackId) {
    throw new ForeignEventError(
      // Its own stack's id is not told: whoever sent the event may not know it.
      `refused: the event's StackId ${shown(StackId)} is not this handler's stack`,
    );
  }
  if (ResourceType !== RESOURCE_TYPE) {
    throw new ForeignEventError(`refused: the event's ResourceType ${shown(ResourceType)} is not ${RESOURCE_TYPE}`);
  }
  if (!REQUEST_TYPES.has(RequestType)) {
    throw new ForeignEventError(
      `refused: the event's RequestType ${shown(RequestType)} is not Create, Update or Delete`,
    );
  }
  // CloudFormation's own bounds. The answer echoes these ids, and CloudFormation ignores an answer over 4 KB.
  const ids = event as Record<string, unknown>;
  for (const [field, max, required] of ID_BOUNDS) {
    const value = ids[field];
    if (value === undefined && !required) continue;
    if (typeof value !== 'string' || value === '' || value.length > max) {
      throw new ForeignEventError(`refused: the event's ${field} must be a string of 1 to ${max} characters`);
    }
  }
}

/** Event fields the answer echoes: the longest CloudFormation sends, and whether every event has one. */
const ID_BOUNDS: readonly (readonly [string, number, boolean])[] = [
  ['RequestId', 255, true],
  ['LogicalResourceId', 255, true],
  ['PhysicalResourceId', 1024, false],
];
