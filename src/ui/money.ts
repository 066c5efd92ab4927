/**
 * Money for people. Relay counts in integer micro-dollars (µ$); these turn them into dollars as
 * a user reads them and back. An unknown cost is never shown as a number: "$0" would say the
 * call was free, so an unknown amount is the word `unpriced`.
 */
import { RelayError } from '../platform/errors.js';

const MICROS_PER_DOLLAR = 1_000_000;
/** A µ$ amount has six decimals of dollars; a seventh is less than Relay can count. */
const MAX_DECIMALS = 6;
/** Under a dollar, amounts keep this many significant digits, so $0.000120 does not read as $0.00. */
const SIGNIFICANT_DIGITS = 3;

/** `micros` rounded (half up) to `decimals` places of dollars, with at least `minDecimals` shown. */
function dollarsAt(micros: number, decimals: number, minDecimals: number, trim: boolean): string {
  const unit = 10 ** (MAX_DECIMALS - decimals);
  const q = Math.floor((micros + unit / 2) / unit);
  const scale = 10 ** decimals;
  let frac = String(q % scale).padStart(decimals, '0');
  if (trim) while (frac.length > minDecimals && frac.endsWith('0')) frac = frac.slice(0, -1);
  const whole = Math.floor(q / scale);
  return frac === '' ? `${whole}` : `${whole}.${frac}`;
}

/** The decimals that show `micros` (under a dollar) with {@link SIGNIFICANT_DIGITS} significant digits. */
function significantDecimals(micros: number): number {
  return Math.min(MAX_DECIMALS, MAX_DECIMALS - String(micros).length + SIGNIFICANT_DIGITS);
}

/**
 * `$1.00`, `$12.35` (a dollar or more: cents), `$0.023`, `$0.413`, `$0.50` (under a dollar:
 * three significant digits, trailing zeros dropped down to cents), `$0.000120` (under a cent:
 * three significant digits, zeros kept, so the size of the amount shows). `undefined` (a cost nobody
 * knows) is `unpriced`.
 */
export function formatMicros(micros: number | undefined): string {
  if (micros === undefined || !Number.isFinite(micros)) return 'unpriced';
  const m = Math.round(Math.abs(micros));
  const sign = micros < 0 && m > 0 ? '-' : '';
  let text: string;
  if (m === 0) text = '0.00';
  else if (m >= MICROS_PER_DOLLAR) text = dollarsAt(m, 2, 2, false);
  else if (m >= MICROS_PER_DOLLAR / 100) text = dollarsAt(m, significantDecimals(m), 2, true);
  else {
    const decimals = significantDecimals(m);
    const unit = 10 ** (MAX_DECIMALS - decimals);
    // $0.009999 rounds up to a cent: shown as one ($0.01), not as $0.01000.
    const roundsToCent = Math.floor((m + unit / 2) / unit) * unit >= MICROS_PER_DOLLAR / 100;
    text = roundsToCent ? '0.01' : dollarsAt(m, decimals, 2, false);
  }
  return `${sign}$${text}`;
}

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
