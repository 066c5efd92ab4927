/**
 * `relay budget show`: each limit the budget guard holds, what is spent against it (charged
 * plus reserved for calls in flight), and what happens to models with no known price.
 */
import type { BudgetState } from '../protocol/providerProtocol.js';
import { formatMicros } from './money.js';

/** `$0.023 of $1.00 (2 %)`; a limit of 0 is fully used by anything. */
function used(spent: number, limit: number): string {
  const pct = limit === 0 ? (spent > 0 ? 100 : 0) : Math.floor((spent / limit) * 100);
  return `${formatMicros(spent)} of ${formatMicros(limit)} (${pct} %)`;
}

export function formatBudgetState(s: BudgetState): string[] {
  const { taskMicros, dailyMicros, monthlyMicros } = s.limits;
  const lines = [
    `Per task:  ${taskMicros === undefined ? 'no limit' : `at most ${formatMicros(taskMicros)}`}`,
    `Today:     ${dailyMicros === undefined ? `${formatMicros(s.todayMicros)} (no daily limit)` : used(s.todayMicros, dailyMicros)}`,
    `Month:     ${monthlyMicros === undefined ? `${formatMicros(s.monthMicros)} (no monthly limit)` : used(s.monthMicros, monthlyMicros)}`,
  ];
  if (s.reservedMicros > 0) lines.push(`Reserved:  ${formatMicros(s.reservedMicros)} for calls in flight (included above)`);
  const anyLimit = taskMicros !== undefined || dailyMicros !== undefined || monthlyMicros !== undefined;
  if (!anyLimit) {
    lines.push('', 'No spending limit is set; set one with relay budget set --daily 1 --monthly 20 (dollars)');
  } else {
    lines.push(
      '',
      s.allowUnpriced
        ? 'Unpriced models: allowed (budget.allowUnpriced in config.yaml); their cost is not held to the limits'
        : 'Unpriced models: refused while a limit is set (budget.allowUnpriced: true in config.yaml allows them)',
    );
  }
  lines.push('Local models and agent CLI subscriptions stay usable when the paid budget is spent.');
  return lines;
}
