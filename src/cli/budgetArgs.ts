/**
 * The flags of `relay budget set` and `relay budget clear`, as the budget requests take them:
 * dollars as typed become integer micro-dollars (`parseDollars`), and the scopes to clear.
 */
import { RelayError } from '../platform/errors.js';
import type { BudgetLimits, ProviderRequests } from '../protocol/providerProtocol.js';
import { parseDollars } from '../ui/money.js';

export interface BudgetSetFlags {
  task?: string;
  daily?: string;
  monthly?: string;
}

export type BudgetScope = NonNullable<ProviderRequests['budget.clear']['payload']['scopes']>[number];

export interface BudgetClearFlags {
  task?: boolean;
  daily?: boolean;
  monthly?: boolean;
}

/** The limits to set, µ$. Throws E_USAGE for a bad amount, or when no limit is given. */
export function budgetLimitsOf(flags: BudgetSetFlags): BudgetLimits {
  const limits: BudgetLimits = {};
  if (flags.task !== undefined) limits.taskMicros = parseDollars(flags.task, '--task');
  if (flags.daily !== undefined) limits.dailyMicros = parseDollars(flags.daily, '--daily');
  if (flags.monthly !== undefined) limits.monthlyMicros = parseDollars(flags.monthly, '--monthly');
  if (Object.keys(limits).length === 0) {
    throw new RelayError('E_USAGE', 'relay budget set needs a limit', { hint: 'e.g. relay budget set --daily 1.00 --monthly 20 (also --task; US dollars)' });
  }
  return limits;
}

/** The scopes to clear, in a fixed order; undefined (every limit) when none is named. */
export function budgetScopesOf(flags: BudgetClearFlags): BudgetScope[] | undefined {
  const scopes = (['task', 'daily', 'monthly'] as const).filter((s) => flags[s] === true);
  return scopes.length === 0 ? undefined : scopes;
}
