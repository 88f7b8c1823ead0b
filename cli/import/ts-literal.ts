// TypeScript string literals for values read from FinSpace. Never a template
// literal, so `${` is plain text. Escapes for everything a reviewer could not
// see or that would change the code's meaning: the quote, backslashes, line
// breaks, control and invisible characters, bidirectional overrides (Trojan
// Source) and lone surrogates. Printable Unicode, astral characters included,
// stays as it is. Quotes as Prettier picks them: single, unless the value has
// more single quotes than double ones (O'Brien).

/** Code points written as `\uXXXX` even though a literal could hold them: controls, invisible and bidirectional marks. */
const INVISIBLE: readonly (readonly [number, number])[] = [
  [0x0000, 0x001f],
  [0x007f, 0x009f],
  [0x00ad, 0x00ad],
  [0x061c, 0x061c],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x206f],
  [0xd800, 0xdfff], // a lone surrogate (a pair arrives as one astral code point)
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffb],
];

export const isInvisible = (codePoint: number) =>
  INVISIBLE.some(([low, high]) => codePoint >= low && codePoint <= high);

const SHORT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function hex4(codeUnit: number): string {
  return `\\u${codeUnit.toString(16).toUpperCase().padStart(4, '0')}`;
}

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
