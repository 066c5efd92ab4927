/**
 * The calendar a budget counts in: the daemon's local day and month, as the ledger stores them
 * (`day`, `month` columns). A user's "today" is their wall clock's, not UTC's: a daily limit set
 * in Berlin resets at midnight in Berlin.
 */

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of the local day `ms` (ms since the epoch) falls in. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

/** `YYYY-MM` of the local month `ms` falls in. */
export function monthKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}`;
}

/**
 * The day key `days - 1` local days before the day of `ms`: the first day of a report over the
 * last `days` days. Counted on the calendar (not in 24-hour steps), so a DST change never skips
 * or repeats a day.
 */
export function firstDayKey(ms: number, days: number): string {
  const d = new Date(ms);
  return dayKey(new Date(d.getFullYear(), d.getMonth(), d.getDate() - Math.max(0, days - 1), 12).getTime());
}
