// An upgrade from 0.1.0 replaces no FinspaceUser and sends the handler no
// event: the templates of the same apps keep every logical id (with its type)
// and each Custom::FinspaceUser's properties and policies. The expectation was
// synthesized with 0.1.0 (main at 0f13368) and committed; only the additions
// listed here may appear.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StackSurface, upgradeSurfaces } from './support/upgrade-surface';

const before = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'upgrade-from-0.1.0.json'), 'utf8')) as Record<
  string,
  StackSurface
>;
const after = upgradeSurfaces();

/** Resources the new release adds to each app, by design (logical id -> type). */
/** The handler's asynchronous-invoke bound (maximum event age, retries): how late an event can run. */
const EVENT_INVOKE_CONFIG = { FinspaceUserProviderHandlerEventInvokeConfigB05D38C6: 'AWS::Lambda::EventInvokeConfig' };
const ADDED: Record<string, Record<string, string>> = {
  example: { ...EVENT_INVOKE_CONFIG },
  // apiAccessPrincipal, a role of the app, gets GetProgrammaticAccessCredentials in a policy of its own
  ownedRoles: { ...EVENT_INVOKE_CONFIG, DataPipelineDefaultPolicy1D8CD1A7: 'AWS::IAM::Policy' },
};

describe.each(Object.keys(before))('the %s app', (name) => {
  test('keeps every logical id with its type; adds only what is listed', () => {
    const kept = Object.fromEntries(Object.keys(before[name].resources).map((id) => [id, after[name].resources[id]]));
    expect(kept).toEqual(before[name].resources);
    const added = Object.fromEntries(
      Object.entries(after[name].resources).filter(([id]) => !(id in before[name].resources)),
    );
    expect(added).toEqual(ADDED[name]);
  });

  test("keeps each FinspaceUser's properties and policies: no Update, no replacement", () => {
    expect(after[name].users).toEqual(before[name].users);
  });
});
