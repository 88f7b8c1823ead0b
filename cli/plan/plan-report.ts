// The plan for people (a terminal table, a pull-request comment in Markdown)
// and for tools (JSON). Names are masked unless asked for.
import { MASK, masked, type RenderOptions } from '../../toolkit/name-masking';
import { DEPLOY_TIME, type Declared, type FieldChange, type UserPlan } from './user-plan';

export type { RenderOptions };

function show(value: Declared | undefined, sensitive: boolean, options: RenderOptions): string {
  if (value === DEPLOY_TIME) return '(known at deploy time)';
  if (value === undefined) return '(not set)';
  return masked(value, sensitive, options);
}

function id(value: Declared): string {
  return value === DEPLOY_TIME ? '(known at deploy time)' : value;
}

export function changeText(change: FieldChange, options: RenderOptions): string {
  return `${change.field}: ${show(change.live, change.sensitive, options)} → ${show(change.declared, change.sensitive, options)}`;
}

const VERDICT: Record<UserPlan['status'], string> = {
  'no-change': 'no change',
  update: 'update',
  unknown: 'may change',
  missing: 'missing in FinSpace',
  unreadable: 'cannot read',
};

function details(plan: UserPlan, options: RenderOptions): string[] {
  if (plan.reason) return [plan.reason];
  if (plan.status === 'missing') return ['the deploy would fail: UpdateUser needs an existing user'];
  return plan.changes.map((c) => changeText(c, options));
}

export function summary(plans: readonly UserPlan[]): string {
  const count = (status: UserPlan['status']) => plans.filter((p) => p.status === status).length;
  const parts = [`${count('update')} to update`, `${count('no-change')} unchanged`];
  for (const status of ['unknown', 'missing', 'unreadable'] as const) {
    if (count(status) > 0) parts.push(`${count(status)} ${VERDICT[status]}`);
  }
  return `${plans.length} FinSpace user${plans.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export function terminalTable(plans: readonly UserPlan[], options: RenderOptions): string {
  const rows = plans.map((p) => [p.path, id(p.userId), VERDICT[p.status], details(p, options).join('; ')]);
  const header = ['resource', 'user', 'plan', 'changes (live → declared)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), '', summary(plans)].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdown(plans: readonly UserPlan[], options: RenderOptions): string {
  const icon: Record<UserPlan['status'], string> = {
    'no-change': '✅',
    update: '✏️',
    unknown: '❔',
    missing: '⚠️',
    unreadable: '❌',
  };
  const lines = [
    '### FinSpace users: what this deploy would change',
    '',
    `${summary(plans)}.`,
    '',
    '| | resource | user | plan | live → declared |',
    '| --- | --- | --- | --- | --- |',
    ...plans.map(
      (p) =>
        `| ${icon[p.status]} | \`${escapeCell(p.path)}\` | \`${escapeCell(id(p.userId))}\` | ${VERDICT[p.status]} | ${escapeCell(details(p, options).join('<br>'))} |`,
    ),
  ];
  if (!options.showNames) lines.push('', `Names are masked (${MASK}); run with \`--show-names\` to see them.`);
  return lines.join('\n');
}

export function json(plans: readonly UserPlan[], options: RenderOptions): string {
  const plain = (value: Declared | undefined, sensitive: boolean) =>
    value === DEPLOY_TIME ? { deployTime: true } : value === undefined ? value : masked(value, sensitive, options);
  return JSON.stringify(
    {
      summary: summary(plans),
      users: plans.map((p) => ({
        ...p,
        environmentId: plain(p.environmentId, false),
        userId: plain(p.userId, false),
        changes: p.changes.map((c) => ({
          field: c.field,
          live: plain(c.live, c.sensitive),
          declared: plain(c.declared, c.sensitive),
        })),
      })),
    },
    null,
    2,
  );
}
