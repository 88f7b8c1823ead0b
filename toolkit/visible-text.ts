// Text that came from data (a template, FinSpace, an error message) as a
// person sees it: every character a reader could not see, or that would
// change what a terminal or a renderer does (line breaks, ANSI escapes,
// bidirectional overrides, zero-width marks), written as a `\uXXXX` escape.

/** Code points shown as `\uXXXX`: controls, invisible and bidirectional marks, lone surrogates. */
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

export function hex4(codeUnit: number): string {
  return `\\u${codeUnit.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `value` with each invisible character (and each of `also`) written as `\uXXXX`. */
export function visible(value: string, also = ''): string {
  let shown = '';
  // for...of walks code points: a surrogate pair arrives whole, a lone surrogate alone.
  for (const ch of value) {
    shown += ch.length === 1 && (isInvisible(ch.charCodeAt(0)) || also.includes(ch)) ? hex4(ch.charCodeAt(0)) : ch;
  }
  return shown;
}
