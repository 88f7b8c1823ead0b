// The contract between the construct (which writes the custom resource's
// properties) and the handler (which reads them back once tokens resolve).
import {
  type DeclarationField,
  type PartialDeclaration,
  type UserDeclaration,
  type Violation,
  validateDeclaration,
} from '../finspace/constraints';

export const RESOURCE_TYPE = 'Custom::FinspaceUser';

/** CloudFormation property name of each declared field. */
export const PROPERTY_NAMES = {
  environmentId: 'EnvironmentId',
  userId: 'UserId',
  type: 'Type',
  firstName: 'FirstName',
  lastName: 'LastName',
  apiAccess: 'ApiAccess',
  apiAccessPrincipalArn: 'ApiAccessPrincipalArn',
  adminRoleArn: 'AdminRoleArn',
  externalId: 'ExternalId',
  removalPolicy: 'RemovalPolicy',
} as const satisfies Record<DeclarationField, string>;

/** Attributes the handler returns in `Data` (none of them sensitive). */
export const ATTRIBUTES = {
  userId: 'UserId',
  environmentId: 'EnvironmentId',
} as const;

/**
 * Properties of every custom resource that CloudFormation itself reads (and
 * passes on in the event): not ours to check.
 */
export const CLOUDFORMATION_PROPERTIES: ReadonlySet<string> = new Set(['ServiceToken', 'ServiceTimeout']);

const FIELD_BY_PROPERTY = new Map<string, DeclarationField>(
  Object.entries(PROPERTY_NAMES).map(([field, property]) => [property, field as DeclarationField]),
);

export function toResourceProperties(declaration: PartialDeclaration): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [field, property] of Object.entries(PROPERTY_NAMES)) {
    const value = declaration[field as DeclarationField];
    if (value !== undefined) properties[property] = value;
  }
  return properties;
}

export type ParseResult =
  | { readonly ok: true; readonly declaration: UserDeclaration }
  | { readonly ok: false; readonly violations: Violation[] };

/**
 * Reads the resolved properties of a CloudFormation event: only known
 * properties, only strings, and every rule of the model.
 */
export function parseResourceProperties(raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, violations: [{ field: 'ResourceProperties', message: 'must be an object' }] };
  }
  const violations: Violation[] = [];
  const declaration: { [K in DeclarationField]?: string } = {};
  for (const [property, value] of Object.entries(raw)) {
    if (CLOUDFORMATION_PROPERTIES.has(property)) continue;
    const field = FIELD_BY_PROPERTY.get(property);
    if (field === undefined) {
      violations.push({ field: property, message: 'is not a FinspaceUser property' });
    } else if (typeof value !== 'string') {
      violations.push({ field, message: `must be a string (got ${value === null ? 'null' : typeof value})` });
    } else {
      declaration[field] = value;
    }
  }
  // A field already reported as not a string is not reported again as missing.
  const reported = new Set(violations.map((v) => v.field));
  violations.push(...validateDeclaration(declaration).filter((v) => !reported.has(v.field)));
  if (violations.length > 0) return { ok: false, violations };
  return { ok: true, declaration: declaration as UserDeclaration };
}
