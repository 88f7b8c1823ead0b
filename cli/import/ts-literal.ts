// TypeScript string literals for values read from FinSpace. Never a template
// literal, so `${` is plain text. Escapes for everything a reviewer could not
// see or that would change the code's meaning: the quote, backslashes, line
// breaks, control and invisible characters, bidirectional overrides (Trojan
// Source) and lone surrogates. Printable Unicode, astral characters included,
// stays as it is. Quotes as Prettier picks them: single, unless the value has
// more single quotes than double ones (O'Brien).
import { hex4, isInvisible, visible } from '../../toolkit/visible-text';

export { isInvisible };

const SHORT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const count = (value: string, ch: string) => value.split(ch).length - 1;

export function tsString(value: string): string {
  const quote = count(value, "'") > count(value, '"') ? '"' : "'";
  let body = '';
  // for...of walks code points: a surrogate pair arrives whole, a lone surrogate alone.
  for (const ch of value) {
    const short = ch === quote ? `\\${quote}` : SHORT_ESCAPES[ch];
    if (short !== undefined) body += short;
    else if (ch.length === 1 && isInvisible(ch.charCodeAt(0))) body += hex4(ch.charCodeAt(0));
    else body += ch;
  }
  return `${quote}${body}${quote}`;
}

/**
 * Text from data written into a comment of generated code: no line break, no
 * invisible or bidirectional character (escaped as `\uXXXX`), and no `*\/`,
 * so that nothing in it can end the comment and become code.
 */
export function commentText(value: string): string {
  return visible(value).replace(/\*\//g, '*\\/');
}

/** A string literal as `tsString` writes it, in a regular expression (the body is group 1 or 2). */
export const TS_STRING_PATTERN = String.raw`(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")`;

/** The value of a literal that `tsString` wrote, from its body and quote. */
export function parseTsString(body: string, quote: "'" | '"'): string {
  const asJson = body.replace(/\\(.)|"/gsu, (match, escaped: string | undefined) => {
    if (escaped === undefined) return '\\"';
    return escaped === "'" ? "'" : match;
  });
  return JSON.parse(`"${quote === '"' ? body : asJson}"`) as string;
}
