// What a pull request's data can do to the plan's reports: nothing. Values
// from the template or FinSpace (construct paths, user ids, ARNs, names with
// --show-names, error messages) cannot close a code span, add a link, an
// image, HTML, a heading, a table cell or row to the bot's Markdown comment,
// nor move the cursor or recolour a terminal. And a cloud assembly's manifest
// cannot make the plan read a file outside the assembly.
import { captureCommand } from './support/command-output';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdown, type Plan, terminalTable } from '../cli/plan/plan-report';
import { markdownCode } from '../cli/plan/report-text';
import { runPlan } from '../cli/plan/command';
import type { RemovalPlan } from '../cli/plan/removal-plan';
import type { UserPlan } from '../cli/plan/user-plan';
import { isInvisible } from '../toolkit/visible-text';

const HOSTILE = [
  'a`b``c',
  '` | ✅ | `Fake` | no change | |',
  '<img src=x onerror=alert(1)>',
  '[click](https://evil.example) ![x](https://evil.example/x.png)',
  'line\n### Approved\n| ✅ | fake | no change |',
  'back\\|slash\\',
  '\u001b[2J\u001b[31mred\u202Eevil',
  'www.evil.example https://evil.example a@b.example',
  '&lt;b&gt; &#96; **bold** _em_ ~~strike~~',
];

function hostilePlan(value: string): Plan {
  const user: UserPlan = {
    stackName: 'Users',
    path: `Users/${value}`,
    environmentId: value,
    userId: value,
    status: 'update',
    resourceChange: 'update',
    liveStatus: value,
    changes: [
      { field: 'firstName', live: value, declared: `${value}!`, sensitive: true },
      { field: 'apiAccessPrincipalArn', live: value, declared: value, sensitive: false },
    ],
    dormantPrincipal: value,
  };
  const unreadable: UserPlan = { ...user, status: 'unreadable', changes: [], reason: value };
  const removal: RemovalPlan = {
    stackName: 'Users',
    path: value,
    logicalId: 'Removed',
    cause: 'removed',
    environmentId: value,
    userId: value,
    outcome: 'moved',
    movedTo: value,
    liveStatus: value,
    statusError: value,
  };
  return { users: [user, unreadable], removals: [removal, { ...removal, outcome: 'fails', reason: value }] };
}

/** The Markdown with every code span taken out (as CommonMark finds them: a run of n backticks to the next run of exactly n). */
function outsideCodeSpans(text: string): string {
  let rest = text;
  let outside = '';
  for (;;) {
    const open = /`+/.exec(rest);
    if (!open) return outside + rest;
    outside += rest.slice(0, open.index);
    const after = rest.slice(open.index + open[0].length);
    const close = new RegExp(`(?<!\`)${'`'.repeat(open[0].length)}(?!\`)`).exec(after);
    if (!close) return outside + rest.slice(open.index); // an unclosed run is literal backticks
    rest = after.slice(close.index + close[0].length);
    outside += '<code>';
  }
}

/** Raw characters a reader could not see, but line breaks between rows. */
const hidden = (text: string) => [...text].filter((ch) => ch !== '\n' && isInvisible(ch.codePointAt(0) ?? 0));

/** Pipes that end a table cell (GFM: any `|` not escaped by a backslash, the escape itself unescaped). */
function cellPipes(line: string): number {
  let count = 0;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') count++;
  }
  return count;
}

test.each(HOSTILE)('Markdown: %j stays one value in one cell', (value) => {
  for (const showNames of [false, true]) {
    const text = markdown(hostilePlan(value), { showNames });
    const lines = text.split('\n');
    const table = lines.filter((line) => line.startsWith('| '));
    // The header, the delimiter, two users, two removals: no row added, none split.
    expect(table).toHaveLength(6);
    expect(lines.filter((line) => line.startsWith('#'))).toEqual(['### FinSpace users: what this deploy would change']);
    for (const row of table) expect(cellPipes(row)).toBe(7);
    // Outside code spans, only our own words and markup: no link, image, HTML but <br>, emphasis or entity.
    const plain = outsideCodeSpans(table.slice(2).join('\n')).replace(/<br>|<code>/g, '');
    expect(plain).not.toMatch(/[<>[\]`*_~&]|https?:|www\./);
    // No raw control or bidirectional character anywhere.
    expect(hidden(text)).toEqual([]);
  }
});

test('a code span shows its value: a fence longer than any backtick run in it, `|` and controls as escapes', () => {
  expect(markdownCode('u-quant-analyst')).toBe('`u-quant-analyst`');
  expect(markdownCode('a`b``c')).toBe('```a`b``c```');
  expect(markdownCode('`edge`')).toBe('`` `edge` ``');
  expect(markdownCode('a|b\nc')).toBe('`a\\u007Cb\\u000Ac`');
});

test('terminal: controls, ANSI escapes and bidirectional marks are shown as escapes, one line per row', () => {
  const value = '\u001b[2J\u001b[31mred\u202Eevil\r\nnext';
  const text = terminalTable(hostilePlan(value), { showNames: true });
  expect(hidden(text)).toEqual([]);
  expect(text).toContain('\\u001B[2J\\u001B[31mred\\u202Eevil\\u000D\\u000Anext');
  // header, rule, four rows, blank, summary
  expect(text.split('\n')).toHaveLength(8);
});

describe('a manifest that points outside the cloud assembly', () => {
  let workDir: string;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'finspace-assembly-'));
    mkdirSync(join(workDir, 'cdk.out'));
    writeFileSync(join(workDir, 'secret.json'), JSON.stringify({ Resources: { Secret: { Type: 'SECRET-CONTENT' } } }));
    symlinkSync(join(workDir, 'secret.json'), join(workDir, 'cdk.out', 'link.template.json'));
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  test.each([
    ['a relative path out', '../secret.json'],
    ['an absolute path', '/etc/passwd'],
    ['a symlink out', 'link.template.json'],
  ])('%s is refused with a clear error, and nothing of the file is read (exit 1)', async (_what, templateFile) => {
    writeFileSync(
      join(workDir, 'cdk.out', 'manifest.json'),
      JSON.stringify({
        version: '55.0.0',
        artifacts: { Users: { type: 'aws:cloudformation:stack', properties: { templateFile } } },
      }),
    );
    const { code, output, errors } = await captureCommand((out) =>
      runPlan(['--local', '--no-synth', '--cdk-out', join(workDir, 'cdk.out')], out),
    );
    expect(code).toBe(1);
    expect(output).toBe('');
    expect(errors).toMatch(
      new RegExp(
        `^stack Users: templateFile ${JSON.stringify(templateFile).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is outside the cloud assembly .*: only files inside it are read\\n$`,
      ),
    );
    expect(errors).not.toContain('SECRET-CONTENT');
  });
});
