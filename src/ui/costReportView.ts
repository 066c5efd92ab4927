/**
 * `relay cost report`: today and this month against the limits, first, in the words a user
 * checks at a glance (`Today: $0.023 / $1.00`), then where the money went — by provider, model,
 * worker and day. Calls to a model with no known price are counted and flagged: their cost is not
 * in any total, and the report says so rather than letting them pass as free.
 */
import type { BudgetLimits, CostReport, CostRow } from '../protocol/providerProtocol.js';
import { formatMicros } from './money.js';
import { formatCount, formatTable } from './textTable.js';

/** `$0.023 / $1.00`, or `$0.023 (no daily limit)`. */
function againstLimit(spent: number, limit: number | undefined, scope: string): string {
  return limit === undefined ? `${formatMicros(spent)} (no ${scope} limit)` : `${formatMicros(spent)} / ${formatMicros(limit)}`;
}

/** The first two lines: `Today: …` and `Month: …`. */
export function formatSpendHeadline(todayMicros: number, monthMicros: number, limits: BudgetLimits): string[] {
  return [`Today: ${againstLimit(todayMicros, limits.dailyMicros, 'daily')}`, `Month: ${againstLimit(monthMicros, limits.monthlyMicros, 'monthly')}`];
}

function costCell(r: CostRow): string {
  if (r.unpricedCalls === 0) return formatMicros(r.costMicros);
  if (r.unpricedCalls === r.calls) return 'unpriced';
  return `${formatMicros(r.costMicros)} + ${r.unpricedCalls} unpriced`;
}

/** A table with its title; nothing when it has no rows (a daemon that does not group that way). */
function rowsTable(title: string, head: string, rows: readonly CostRow[]): string[] {
  if (rows.length === 0) return [];
  const cells = rows.map((r) => [r.key, formatCount(r.calls), formatCount(r.inputTokens), formatCount(r.outputTokens), costCell(r)]);
  return ['', `By ${title}:`, ...formatTable([head, 'CALLS', 'INPUT', 'OUTPUT', 'COST'], cells, [1, 2, 3]).map((l) => `  ${l}`)];
}

export function formatCostReport(report: CostReport): string[] {
  const lines = formatSpendHeadline(report.todayMicros, report.monthMicros, report.limits);
  if (report.limits.taskMicros !== undefined) lines.push(`Per task: at most ${formatMicros(report.limits.taskMicros)}`);
  const calls = report.byDay.reduce((n, r) => n + r.calls, 0);
  if (calls === 0 && report.byProvider.length === 0) {
    lines.push('', 'No calls recorded yet.');
    return lines;
  }
  lines.push(
    ...rowsTable('provider', 'PROVIDER', report.byProvider),
    ...rowsTable('model', 'MODEL', report.byModel),
    ...rowsTable('worker', 'WORKER', report.byWorker),
    ...rowsTable('day', 'DAY', report.byDay),
  );
  const unpriced = report.byDay.reduce((n, r) => n + r.unpricedCalls, 0);
  if (unpriced > 0) {
    lines.push('', `${unpriced} call${unpriced === 1 ? '' : 's'} to unpriced models: their cost is unknown and not in the totals above`);
  }
  return lines;
}
