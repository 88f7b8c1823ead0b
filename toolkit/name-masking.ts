// First and last names are personal data (@sensitive in the model): what the
// CLI prints (the plan, the local deploy's users, their JSON) masks them
// unless the person running it asks for them with --show-names.
import { STRING_SHAPES } from '../finspace/constraints';

/** What a masked name shows. */
export const MASK = '•••';

export interface RenderOptions {
  /** Print names as they are (--show-names). */
  readonly showNames: boolean;
}

/** The user fields the model marks @sensitive. */
export const SENSITIVE_FIELDS: ReadonlySet<string> = new Set(
  Object.entries(STRING_SHAPES)
    .filter(([, shape]) => 'sensitive' in shape && shape.sensitive)
    .map(([field]) => field),
);

/** `value` as printed: masked when it is sensitive, unless names are shown. */
export function masked(value: string, sensitive: boolean, options: RenderOptions): string {
  return sensitive && !options.showNames ? MASK : value;
}

/** A user record as printed: each sensitive field that has a value masked, unless names are shown. */
export function maskedUser<T extends object>(user: T, options: RenderOptions): T {
  if (options.showNames) return user;
  return Object.fromEntries(
    Object.entries(user).map(([field, value]) => [
      field,
      typeof value === 'string' && SENSITIVE_FIELDS.has(field) ? MASK : value,
    ]),
  ) as T;
}
