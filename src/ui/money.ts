/**
 * Money for people. Relay counts in integer micro-dollars (µ$); these turn them into dollars as
 * a user reads them and back. An unknown cost is never shown as a number: "$0" would say the
 * call was free, so an unknown amount is the word `unpriced`.
 */
import { RelayError } from '../platform/errors.js';
import { MAX_DECIMALS, MICROS_PER_DOLLAR } from '../platform/money.js';

/** Formatting lives in platform/ so the daemon's refusal text matches what the views print. */
export { formatMicros } from '../platform/money.js';

/**
 * A price in USD per million tokens (the same number as µ$ per token), as vendors publish it:
 * `$0.15`, `$3.00`, `$0.075`.
 */
export function formatPerMillion(usdPerMTok: number): string {
  const fixed = usdPerMTok.toFixed(MAX_DECIMALS);
  const [whole, frac = ''] = fixed.split('.');
  let f = frac;
  while (f.length > 2 && f.endsWith('0')) f = f.slice(0, -1);
  return `$${whole}.${f}`;
}

const AMOUNT = /^\$?(\d*)(?:\.(\d*))?$/;

/**
 * An amount of dollars as a user types it (`1`, `1.5`, `$0.50`, `.25`) in µ$. `label` names
 * where it came from in the error (`--daily`). Throws RelayError E_USAGE for a negative amount,
 * anything that is not a plain decimal number, or more than six decimals.
 */
export function parseDollars(text: string, label = 'amount'): number {
  const t = text.trim();
  const hint = 'give dollars like 1, 1.50 or $0.25';
  if (/^-\s*\$?\s*[\d.]/.test(t) || /^\$-/.test(t)) {
    throw new RelayError('E_USAGE', `${label}: "${text}" is negative; give 0 or more dollars`, { hint });
  }
  const match = AMOUNT.exec(t);
  const whole = match?.[1] ?? '';
  const frac = match?.[2] ?? '';
  if (!match || (whole === '' && frac === '')) {
    throw new RelayError('E_USAGE', `${label}: "${text}" is not an amount in dollars`, { hint });
  }
  if (frac.length > MAX_DECIMALS) {
    throw new RelayError('E_USAGE', `${label}: "${text}" has more than ${MAX_DECIMALS} decimals (Relay counts in millionths of a dollar)`, { hint });
  }
  const micros = BigInt(whole || '0') * BigInt(MICROS_PER_DOLLAR) + BigInt(frac.padEnd(MAX_DECIMALS, '0'));
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RelayError('E_USAGE', `${label}: "${text}" is more dollars than Relay can count`, { hint });
  }
  return Number(micros);
}
