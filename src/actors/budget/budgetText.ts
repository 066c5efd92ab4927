/**
 * What the budget guard says, in words: a refusal names the limit, what is spent against it,
 * what the call needed, and the command that raises it; a warning says how much of a limit is
 * used. Amounts are formatted as `relay budget` and `relay cost` print them.
 */
import { RelayError } from '../../platform/errors.js';
import { formatMicros, MICROS_PER_DOLLAR } from '../../platform/money.js';

export type LimitScope = 'task' | 'daily' | 'monthly';

/** One limit as a reservation sees it: the limit and what its period holds (charged + reserved). */
export interface LimitUse {
  scope: LimitScope;
  limitMicros: number;
  heldMicros: number;
  /** The part of heldMicros reserved by calls in flight, when known. */
  reservedMicros?: number;
}

const SPENT_IN: Record<LimitScope, string> = { task: 'on this task', daily: 'today', monthly: 'this month' };
const FLAG: Record<LimitScope, string> = { task: '--task', daily: '--daily', monthly: '--monthly' };

/** `$0.98 of $1.00 spent today`, with the part still reserved when asked and there is one. */
function spentText(use: LimitUse, withInFlight = true): string {
  const inFlight = withInFlight && use.reservedMicros ? ` (${formatMicros(use.reservedMicros)} of it reserved by calls in flight)` : '';
  return `${formatMicros(use.heldMicros)} of ${formatMicros(use.limitMicros)} spent ${SPENT_IN[use.scope]}${inFlight}`;
}

/** `daily budget reached: $0.98 of $1.00 spent today; this call needs up to $0.05`. */
export function limitRefusalMessage(use: LimitUse, neededMicros: number): string {
  const what = use.heldMicros >= use.limitMicros ? 'reached' : 'too low for this call';
  return `${use.scope} budget ${what}: ${spentText(use)}; this call needs up to ${formatMicros(neededMicros)}`;
}

/**
 * The smallest round amount (1, 2, 3 or 5 times a power of ten dollars, a cent at least)
 * above the limit that lets this call through: a number a person would type.
 */
export function suggestedLimitMicros(use: LimitUse, neededMicros: number): number {
  const wanted = Math.max(use.heldMicros + neededMicros, use.limitMicros + 1);
  for (let unit = MICROS_PER_DOLLAR / 100; ; unit *= 10) {
    for (const step of [1, 2, 3, 5]) {
      const amount = step * unit;
      if (amount >= wanted) return amount;
    }
  }
}

/** µ$ as the dollars `relay budget set` takes: `2`, `1.5`, `0.05`. */
function dollarsArg(micros: number): string {
  return String(micros / MICROS_PER_DOLLAR);
}

/** `raise it with: relay budget set --daily 2` (every limit this call exceeds, so one command is enough). */
export function raiseHint(exceeded: readonly LimitUse[], neededMicros: number): string {
  const flags = exceeded.map((use) => `${FLAG[use.scope]} ${dollarsArg(suggestedLimitMicros(use, neededMicros))}`);
  return `raise ${exceeded.length > 1 ? 'them' : 'it'} with: relay budget set ${flags.join(' ')}`;
}

/** `openrouter/x has no known price, and a daily limit of $1.00 is set`. */
export function unpricedRefusalMessage(provider: string, model: string, use: LimitUse): string {
  return `${provider}/${model} has no known price, and a ${use.scope} limit of ${formatMicros(use.limitMicros)} is set: its cost could not be held to it`;
}

export function unpricedHint(provider: string, model: string): string {
  return `give its price in config.yaml (prices: {"${provider}/${model}": {inputPrice: …, outputPrice: …}}, USD per million tokens), or allow unpriced models with budget.allowUnpriced: true`;
}

/**
 * `daily budget 81 % used: $0.81 of $1.00 spent today`. Reservations count but are not broken
 * out: at a reservation, the call being warned about is one of them.
 */
export function warningText(use: LimitUse): string {
  const pct = Math.floor((use.heldMicros / use.limitMicros) * 100);
  return `${use.scope} budget ${pct} % used: ${spentText(use, false)}`;
}

/** `openrouter/x is unpriced: its calls are allowed but not counted against your limits`. */
export function unpricedAllowedText(provider: string, model: string): string {
  return `${provider}/${model} is unpriced: its calls are allowed (budget.allowUnpriced) but their cost is not counted against your limits`;
}

/** A refusal as the error the one-liner exits with (E_BUDGET, exit 10). */
export function budgetRefusedError(refused: { message: string; hint: string }): RelayError {
  return new RelayError('E_BUDGET', refused.message, { hint: refused.hint });
}
