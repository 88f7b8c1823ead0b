// The local deploy plays CloudFormation's side of an event: the outcome is
// what the function PUT at the ResponseURL, never what it returned, and no
// answer is a failure that says why.
import { type CloudFormationEndpoint, startCloudFormationEndpoint } from '../local/cloudformation-endpoint';
import { customResourceInvoke } from '../local/custom-resource-invoke';
import { createEvent } from './support/events';

let cloudformation: CloudFormationEndpoint;
beforeEach(async () => {
  cloudformation = await startCloudFormationEndpoint();
});
afterEach(() => cloudformation.close());

/** A function that PUTs `answer` (if any) at the event's ResponseURL, then returns `returned` or throws `thrown`. */
function fakeFunction(behaviour: { answer?: unknown; returned?: unknown; thrown?: string }) {
  const seen: Record<string, unknown>[] = [];
  return {
    seen,
    invoke: async (event: object) => {
      const e = event as Record<string, unknown>;
      seen.push(e);
      if (behaviour.answer !== undefined) {
        const put = await fetch(String(e.ResponseURL), { method: 'PUT', body: JSON.stringify(behaviour.answer) });
        if (put.status !== 200) throw new Error(`the ResponseURL refused the answer: HTTP ${put.status}`);
      }
      if (behaviour.thrown) throw new Error(behaviour.thrown);
      return behaviour.returned;
    },
  };
}

const event = createEvent();
const success = {
  Status: 'SUCCESS',
  PhysicalResourceId: 'env/u',
  StackId: event.StackId,
  RequestId: event.RequestId,
  LogicalResourceId: event.LogicalResourceId,
};

test('the answer PUT at the ResponseURL is the outcome, whatever the function returned', async () => {
  const fn = fakeFunction({ answer: success, returned: { Status: 'FAILED' } });
  const response = await customResourceInvoke(fn, cloudformation, 'arn:token')(event);
  expect(response).toEqual(success);
  // the event as CloudFormation sends it: the ServiceToken, and a URL of the local CloudFormation
  expect(fn.seen[0]).toMatchObject({ ServiceToken: 'arn:token', RequestId: event.RequestId });
  expect(String(fn.seen[0].ResponseURL).startsWith(`${cloudformation.url}/responses/`)).toBe(true);
});

test('a function that fails after answering still counts its answer (as CloudFormation would)', async () => {
  const fn = fakeFunction({ answer: { ...success, Status: 'FAILED', Reason: 'no' }, thrown: 'later' });
  expect(await customResourceInvoke(fn, cloudformation, 'arn:token')(event)).toMatchObject({
    Status: 'FAILED',
    Reason: 'no',
  });
});

test.each([
  [{ thrown: 'Task timed out after 300 seconds' }, /did not receive a response .*the function failed: Task timed out/],
  [{ returned: { PhysicalResourceId: 'env/u' } }, /did not receive a response .*returned without answering/],
  [{ answer: { ...success, PhysicalResourceId: undefined } }, /Invalid response object: PhysicalResourceId must be/],
  [{ answer: { ...success, Status: 'FAILED' } }, /Invalid response object: a FAILED answer needs a Reason/],
  [{ answer: { ...success, RequestId: 'another' } }, /Invalid response object: RequestId must be the event's/],
  [
    { answer: { ...success, Data: { big: 'x'.repeat(4096) } } },
    /Invalid response object: the answer is \d+ bytes, over/,
  ],
])('no valid answer fails the event, saying why: %o', async (behaviour, reason) => {
  await expect(customResourceInvoke(fakeFunction(behaviour), cloudformation, 'arn:token')(event)).rejects.toThrow(
    reason,
  );
});

test('a ResponseURL takes answers only while its event is in flight', async () => {
  let url = '';
  const fn = {
    invoke: async (e: object) => {
      url = String((e as Record<string, unknown>).ResponseURL);
      await fetch(url, { method: 'PUT', body: JSON.stringify(success) });
    },
  };
  await customResourceInvoke(fn, cloudformation, 'arn:token')(event);
  const late = await fetch(url, { method: 'PUT', body: JSON.stringify(success) });
  expect(late.status).toBe(403);
  const guessed = await fetch(`${cloudformation.url}/responses/guessed`, { method: 'PUT', body: '{}' });
  expect(guessed.status).toBe(403);
});
