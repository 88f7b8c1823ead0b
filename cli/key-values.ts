/** `key=value` command-line pairs (repeatable -c / --parameter); a bare key means `true`, as the CDK CLI reads -c. */
export function keyValues(pairs: readonly string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const at = pair.indexOf('=');
      return at < 0 ? [pair, 'true'] : [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
