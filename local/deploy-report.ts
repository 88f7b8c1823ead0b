// What a person reads while `npm start` runs: a line per resource event, a
// spinner while events are in flight, and the users before and after.
import type { GetUserOutput } from '../finspace/client';
import { masked, type RenderOptions } from '../toolkit/name-masking';
import type { ResourceEvent } from './stack-deployment';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface UserRow {
  readonly path: string;
  readonly userId: string;
  readonly before?: GetUserOutput;
  readonly after?: GetUserOutput;
  /** Why the user's environment could not be read before (or after) the deploy: the row is then unknown, not missing. */
  readonly beforeError?: string;
  readonly afterError?: string;
}

function time(at: number): string {
  return new Date(at).toISOString().slice(11, 19);
}

export function eventLine(event: ResourceEvent): string {
  const phase = event.phase === 'deploy' ? '' : ` (${event.phase})`;
  const status = `${event.requestType.toUpperCase()}_${event.status}`;
  const duration = event.durationMs === undefined ? '' : ` ${event.durationMs} ms`;
  const reason = event.reason ? `\n           reason: ${event.reason}` : '';
  return `${time(event.startedAt + (event.durationMs ?? 0))}  ${event.path.padEnd(36)} ${status.padEnd(20)}${phase}${duration}${reason}`;
}

/**
 * A status line redrawn in place on a terminal (stderr), silent elsewhere;
 * printed lines go to stdout above it.
 */
export class Spinner {
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private text = '';

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  update(text: string): void {
    this.text = text;
    if (!this.stream.isTTY) return;
    this.timer ??= setInterval(() => this.draw(), 80);
    this.draw();
  }

  /** Prints a line above the spinner. */
  print(line: string): void {
    this.clear();
    this.out.write(`${line}\n`);
    if (this.timer) this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    if (this.stream.isTTY) this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    this.frame = (this.frame + 1) % SPINNER.length;
    this.stream.write(`\r\x1b[2K${SPINNER[this.frame]} ${this.text}`);
  }
}

const NAME_COLUMN = 1;

function describe(user: GetUserOutput | undefined, error: string | undefined): string[] {
  if (error !== undefined) return ['(cannot read)', '', '', '', ''];
  if (!user) return ['(missing)', '', '', '', ''];
  return [
    user.type ?? '',
    [user.firstName, user.lastName].filter(Boolean).join(' '),
    user.apiAccess ?? '',
    user.apiAccessPrincipalArn ?? '-',
    user.status ?? '',
  ];
}

/** The cells as printed: the name masked unless names are shown (a change still shows, as `••• *`). */
function shown(cells: string[], options: RenderOptions): string[] {
  return cells.map((cell, i) => (i === NAME_COLUMN && cell !== '' ? masked(cell, true, options) : cell));
}

/** Before and after, one row each, with the columns that changed marked; names masked unless asked for. */
export function usersTable(rows: readonly UserRow[], options: RenderOptions): string {
  const header = ['resource', 'user', 'when', 'type', 'name', 'API access', 'API principal', 'status'];
  const lines: string[][] = [header];
  for (const row of rows) {
    const before = describe(row.before, row.beforeError);
    const after = describe(row.after, row.afterError);
    const printedAfter = shown(after, options);
    lines.push([row.path, row.userId, 'before', ...shown(before, options)]);
    lines.push(['', '', 'after', ...printedAfter.map((cell, i) => (after[i] !== before[i] ? `${cell} *` : cell))]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const reasons = [...new Set(rows.flatMap((row) => [row.beforeError, row.afterError]))].filter(
    (reason): reason is string => reason !== undefined,
  );
  return [
    format(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...lines.slice(1).map(format),
    ...reasons.map((reason) => `\n(cannot read): ${reason}`),
  ].join('\n');
}
