// Thousands of generated declarations: every valid one is accepted, every
// invalid one is refused naming each offending field, nothing else throws;
// for the handler, an invalid event makes no FinSpace call at all.
import fc from 'fast-check';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PROPERTY_NAMES } from '../lambda/resource-properties';
import { FinspaceCredentialsCache } from '../finspace/credentials';
import { credentialsFetcher, onEvent } from '../lambda/user-lifecycle';
import { declaration, FIELDS, type GeneratedDeclaration, invalidFields } from './support/arbitraries';
import { createEvent } from './support/events';
import { FakeOutbound } from './support/fake-outbound';
import { declareUser, type UserSpec } from './support/roles';

const REMOVAL: Record<string, RemovalPolicy> = {
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
  snapshot: RemovalPolicy.SNAPSHOT,
};

function propsOf(d: GeneratedDeclaration): UserSpec {
  const removal = d.removalPolicy.value;
  return {
    environmentId: d.environmentId.value as string,
    userId: d.userId.value as string,
    type: d.type.value as UserSpec['type'],
    firstName: d.firstName.value,
    lastName: d.lastName.value,
    apiAccess: d.apiAccess.value as UserSpec['apiAccess'],
    apiAccessPrincipalArn: d.apiAccessPrincipalArn.value,
    adminRoleArn: d.adminRoleArn.value as string,
    externalId: d.externalId.value,
    // an unknown policy string passes through as is, to be refused
    removalPolicy: removal === undefined ? undefined : (REMOVAL[removal] ?? (removal as RemovalPolicy)),
  };
}

/** The field names an error message names, as `field:`. */
function namedFields(message: string): Set<string> {
  // the construct names the role props as the user wrote them
  const named: Record<string, string> = {
    adminRoleArn: 'adminRole.roleArn',
    apiAccessPrincipalArn: 'apiAccessPrincipal.roleArn',
  };
  return new Set(FIELDS.filter((f) => message.includes(`${named[f] ?? f}:`)));
}

test('the construct: valid declarations synthesize, invalid ones name exactly the offending fields', () => {
  // thousands of users in one stack: CloudFormation's resource limit is not what this test is about
  const stack = new Stack(new App({ context: { '@aws-cdk/core:stackResourceLimit': 0 } }), 'Generated');
  let accepted = 0;
  let refused = 0;
  fc.assert(
    fc.property(declaration(), (d) => {
      const expected = invalidFields(d);
      const id = `User${accepted + refused}`;
      let error: unknown;
      try {
        declareUser(stack, id, propsOf(d));
      } catch (e) {
        error = e;
      }
      if (expected.size === 0) {
        accepted++;
        return error === undefined;
      }
      refused++;
      const message = error instanceof Error ? error.message : '';
      return message.startsWith(`FinspaceUser Generated/${id}: `) && setsEqual(namedFields(message), expected);
    }),
    { numRuns: 3000 },
  );
  // every accepted user is in the template
  expect(Object.keys(Template.fromStack(stack).findResources('Custom::FinspaceUser'))).toHaveLength(accepted);
  // both branches well exercised: each field is valid about 6 times in 7, so about a third of runs are fully valid
  expect(accepted).toBeGreaterThan(500);
  expect(refused).toBeGreaterThan(1000);
});

/** Resource properties as CloudFormation could send them: strings, and sometimes not. */
const oddValue = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
);

const rawProperties = fc
  .tuple(
    declaration(),
    // about one event in five gets a non-string value, one in six an unknown property
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FIELDS), oddValue) },
    ),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom('Nickname', 'EmailAddress', 'userId', 'firstname'), fc.string()),
      },
    ),
  )
  .map(([d, odd, unknown]) => {
    const properties: Record<string, unknown> = { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:x' };
    for (const field of FIELDS) if (d[field].value !== undefined) properties[PROPERTY_NAMES[field]] = d[field].value;
    if (d.removalPolicy.value === undefined) properties.RemovalPolicy = 'retain'; // the construct always sets it
    const expected = invalidFields(d);
    if (odd) {
      properties[PROPERTY_NAMES[odd[0]]] = odd[1];
      expected.add(odd[0]);
    }
    if (unknown) {
      properties[unknown[0]] = unknown[1];
      expected.add(unknown[0]);
    }
    return { properties, expected };
  });

test('the handler: an invalid event fails naming each offending field and makes no FinSpace call', async () => {
  let failures = 0;
  await fc.assert(
    fc.asyncProperty(rawProperties, async ({ properties, expected }) => {
      const outbound = new FakeOutbound();
      const credentials = new FinspaceCredentialsCache(credentialsFetcher(outbound));
      const outcome = await onEvent(createEvent(properties), { outbound, credentials }).then(
        () => undefined,
        (e: Error) => e,
      );
      if (expected.size === 0) return outcome === undefined && outbound.writes().length === 1;
      failures++;
      if (!(outcome instanceof Error) || outbound.calls.length !== 0) return false;
      // each offending field is named
      return [...expected].every((field) => outcome.message.includes(`${field}:`));
    }),
    { numRuns: 3000 },
  );
  expect(failures).toBeGreaterThan(1000);
  expect(failures).toBeLessThan(2700);
});

function setsEqual(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
