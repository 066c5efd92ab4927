/**
 * Micro-dollar amounts as people read them. Here, below every folder that prints money, so the
 * daemon's budget guard words a refusal exactly as `relay budget` and `relay cost` show amounts
 * (ui/money.ts re-exports it). An unknown cost is never shown as a number: "$0" would say the
 * call was free, so an unknown amount is the word `unpriced`.
 */

export const MICROS_PER_DOLLAR = 1_000_000;
/** A µ$ amount has six decimals of dollars; a seventh is less than Relay can count. */
export const MAX_DECIMALS = 6;
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
