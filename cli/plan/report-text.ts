// Text rendered from data (construct paths, user ids, ARNs, names shown with
// --show-names, FinSpace's own error messages) into the plan's reports. A
// pull request writes that data, and a bot posts the Markdown: nothing in it
// may change the comment (close a code span, add a link, an image, HTML, a
// heading, a table cell or row). In the terminal, nothing may move the cursor
// or recolour the screen.
import { visible } from '../../toolkit/visible-text';

/** For a terminal: every control, ANSI escape, line break and bidirectional mark shown as `\uXXXX`. */
export function terminalText(value: string): string {
  return visible(value);
}

/**
 * A Markdown code span of `value`. The fence is longer than any run of backticks
 * in it, so none closes the span; a `|` (which would end the table cell even
 * inside a span) is shown as `\u007C`, as line breaks and controls are.
 */
export function markdownCode(value: string): string {
  const shown = visible(value, '|');
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  // A span that begins or ends with a backtick or a space is padded: one space each side is stripped.
  const pad = /^[` ]|[` ]$/.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}
