// The plan for people (a terminal table, a pull-request comment in Markdown)
// and for tools (JSON). Names are masked unless asked for. Everything that
// came from data is escaped (report-text.ts).
import { MASK, masked, type RenderOptions } from '../../toolkit/name-masking';
import type { RemovalPlan } from './removal-plan';
import { markdownCode, terminalText } from './report-text';
import { DEPLOY_TIME, type Declared, type FieldChange, type UserPlan } from './user-plan';

export type { RenderOptions };

export interface Plan {
  readonly users: readonly UserPlan[];
  readonly removals: readonly RemovalPlan[];
}

/** A piece of a line: our own words, or a value from data (code in Markdown). */
type Part = string | { readonly value: string };

const value = (text: string): Part => ({ value: text });

function shown(declared: Declared | undefined, sensitive: boolean, options: RenderOptions): Part {
  if (declared === DEPLOY_TIME) return '(known at deploy time)';
  if (declared === undefined) return '(not set)';
  return value(masked(declared, sensitive, options));
}

function id(declared: Declared | undefined): Part {
  return declared === DEPLOY_TIME || declared === undefined ? '(known at deploy time)' : value(declared);
}

function changeParts(change: FieldChange, options: RenderOptions): Part[] {
  return [
    `${change.field}: `,
    shown(change.live, change.sensitive, options),
    ' → ',
    shown(change.declared, change.sensitive, options),
  ];
}

export function changeText(change: FieldChange, options: RenderOptions): string {
  return plain(changeParts(change, options));
}

const VERDICT: Record<UserPlan['status'], string> = {
  'no-change': 'no change',
  update: 'update',
  drift: 'drift, not written',
  unknown: 'may change',
  missing: 'missing in FinSpace',
  unreadable: 'cannot read',
};

const REMOVAL_VERDICT: Record<RemovalPlan['outcome'], string> = {
  disabled: 'disabled',
  retained: 'left as it is',
  moved: 'stays (moved)',
  'kept-by-cloudformation': 'left as it is',
  nothing: 'nothing to do',
  fails: 'Delete fails',
  unknown: 'may be disabled',
};

function verdict(plan: UserPlan): string {
  const text = VERDICT[plan.status];
  return plan.resourceChange === 'create' && (plan.status === 'update' || plan.status === 'no-change')
    ? `new resource: ${text}`
    : text;
}

function removalVerdict(removal: RemovalPlan): string {
  return `${removal.cause === 'removed' ? 'removed' : 'replaced'}: ${REMOVAL_VERDICT[removal.outcome]}`;
}

/** Each line of a user's details, as parts. */
function details(plan: UserPlan, options: RenderOptions): Part[][] {
  const lines: Part[][] = [];
  if (plan.reason) lines.push([value(plan.reason)]);
  else if (plan.status === 'missing') {
    lines.push([
      plan.resourceChange === 'none'
        ? 'CloudFormation sends no event (the resource did not change): the deploy leaves it missing'
        : 'the deploy would fail: UpdateUser needs an existing user',
    ]);
  } else lines.push(...plan.changes.map((c) => changeParts(c, options)));
  if (plan.status === 'drift') {
    lines.push(['CloudFormation sends no event (the resource did not change): FinSpace keeps its values']);
  }
  if (plan.dormantPrincipal !== undefined) {
    lines.push([
      'API access turns on for the principal on record ',
      value(plan.dormantPrincipal),
      ', which is not declared: it becomes able to get credentials',
      ...(plan.liveStatus === 'DISABLED' ? [' once the user is enabled'] : []),
    ]);
  }
  if (plan.liveStatus === 'DISABLED') {
    lines.push(['DISABLED in FinSpace: the deploy leaves it disabled (it never enables a user)']);
  } else if (plan.liveStatus === 'CREATING') {
    lines.push(['CREATING in FinSpace: not yet usable']);
  }
  return lines;
}

/** What the Delete does, in words; values from data as values. */
function removalParts(removal: RemovalPlan): Part[] {
  switch (removal.outcome) {
    case 'disabled':
      return ['DESTROY: the user is disabled'];
    case 'retained':
      return ['RETAIN: the user is left as it is'];
    case 'moved':
      return ['DESTROY, but the user moved to ', value(removal.movedTo ?? ''), ': it stays as it is'];
    case 'kept-by-cloudformation':
      return [`${removal.keptBy ?? 'Retain'}: CloudFormation sends no Delete, the user is left as it is`];
    case 'nothing':
      return ['its Create failed: FinSpace holds nothing of it'];
    case 'fails':
      return ['the handler cannot act on the Delete, the user is left as it is: ', value(removal.reason ?? '')];
    case 'unknown':
      return ['its removal policy is only known at deploy time (DESTROY disables the user)'];
  }
}

function removalDetails(removal: RemovalPlan): Part[][] {
  const lines: Part[][] = [removalParts(removal)];
  if (removal.environmentId !== undefined) lines.push(['environment ', value(removal.environmentId)]);
  if (removal.statusError !== undefined) lines.push(['its status could not be read: ', value(removal.statusError)]);
  return lines;
}

/** The user's status now, and after the deploy where it changes. */
function removalStatus(removal: RemovalPlan): string {
  if (removal.liveStatus === undefined) return '';
  return removal.outcome === 'disabled' && removal.liveStatus !== 'DISABLED'
    ? `${removal.liveStatus} → DISABLED`
    : removal.liveStatus;
}

export function summary(plan: Plan): string {
  const { users, removals } = plan;
  const count = (status: UserPlan['status']) => users.filter((p) => p.status === status).length;
  const parts = [`${count('update')} to update`, `${count('no-change')} unchanged`];
  for (const status of ['drift', 'unknown', 'missing', 'unreadable'] as const) {
    if (count(status) > 0) parts.push(`${count(status)} ${VERDICT[status]}`);
  }
  const disabled = users.filter((p) => p.liveStatus === 'DISABLED').length;
  if (disabled > 0)
    parts.push(`${disabled} disabled in FinSpace (the deploy leaves ${disabled === 1 ? 'it' : 'them'} so)`);
  const dormant = users.filter((p) => p.dormantPrincipal !== undefined).length;
  if (dormant > 0)
    parts.push(`${dormant} undeclared principal${dormant === 1 ? '' : 's'} newly able to get credentials`);
  let text = `${users.length} FinSpace user${users.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
  if (removals.length > 0) {
    const outcomes = new Map<string, number>();
    for (const r of removals)
      outcomes.set(REMOVAL_VERDICT[r.outcome], (outcomes.get(REMOVAL_VERDICT[r.outcome]) ?? 0) + 1);
    const list = [...outcomes].map(([outcome, n]) => `${n} ${outcome}`).join(', ');
    text += `; ${removals.length} removed or replaced resource${removals.length === 1 ? '' : 's'}: ${list}`;
  }
  return text;
}

function plain(parts: readonly Part[]): string {
  return parts.map((p) => terminalText(typeof p === 'string' ? p : p.value)).join('');
}

/** Our own words as they are; every value from data as a code span. */
function md(parts: readonly Part[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : markdownCode(p.value))).join('');
}

interface Row {
  readonly icon: string;
  readonly resource: string;
  readonly user: Part;
  readonly status: string;
  readonly verdict: string;
  readonly details: Part[][];
}

function rows(plan: Plan, options: RenderOptions): Row[] {
  const icon: Record<UserPlan['status'], string> = {
    'no-change': '✅',
    update: '✏️',
    drift: '⚠️',
    unknown: '❔',
    missing: '⚠️',
    unreadable: '❌',
  };
  return [
    ...plan.users.map((p) => ({
      icon: p.status === 'no-change' && p.liveStatus === 'DISABLED' ? '⛔' : icon[p.status],
      resource: p.path,
      user: id(p.userId),
      status: p.liveStatus ?? '',
      verdict: verdict(p),
      details: details(p, options),
    })),
    ...plan.removals.map((r) => ({
      icon: r.outcome === 'disabled' || r.outcome === 'unknown' || r.outcome === 'fails' ? '🗑️' : '➖',
      resource: r.path,
      user: id(r.userId),
      status: removalStatus(r),
      verdict: removalVerdict(r),
      details: removalDetails(r),
    })),
  ];
}

export function terminalTable(plan: Plan, options: RenderOptions): string {
  const cells = rows(plan, options).map((r) => [
    terminalText(r.resource),
    plain([r.user]),
    terminalText(r.status),
    r.verdict,
    r.details.map(plain).join('; '),
  ]);
  const header = ['resource', 'user', 'status', 'plan', 'details (live → declared)'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line), '', summary(plan)].join('\n');
}

export function markdown(plan: Plan, options: RenderOptions): string {
  const lines = [
    '### FinSpace users: what this deploy would change',
    '',
    `${summary(plan)}.`,
    '',
    '| | resource | user | status | plan | live → declared |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows(plan, options).map(
      (r) =>
        `| ${r.icon} | ${markdownCode(r.resource)} | ${md([r.user])} | ${r.status === '' ? '' : markdownCode(r.status)} | ${r.verdict} | ${r.details.map(md).join('<br>')} |`,
    ),
  ];
  if (!options.showNames) lines.push('', `Names are masked (${MASK}); run with \`--show-names\` to see them.`);
  return lines.join('\n');
}

export function json(plan: Plan, options: RenderOptions): string {
  const plainValue = (v: Declared | undefined, sensitive: boolean) =>
    v === DEPLOY_TIME ? { deployTime: true } : v === undefined ? v : masked(v, sensitive, options);
  return JSON.stringify(
    {
      summary: summary(plan),
      users: plan.users.map((p) => ({
        ...p,
        environmentId: plainValue(p.environmentId, false),
        userId: plainValue(p.userId, false),
        changes: p.changes.map((c) => ({
          field: c.field,
          live: plainValue(c.live, c.sensitive),
          declared: plainValue(c.declared, c.sensitive),
        })),
      })),
      removals: plan.removals.map((r) => ({ ...r, detail: plain(removalParts(r)) })),
    },
    null,
    2,
  );
}
