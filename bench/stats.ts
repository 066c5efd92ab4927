/** Order statistics for timing samples: medians and nearest-rank percentiles, never means. */

/** Sorted ascending copy; the input is left as it was. */
export function sorted(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** Nearest-rank percentile (p in 0..100) of samples already sorted ascending. */
export function percentileOfSorted(asc: ArrayLike<number>, p: number): number {
  if (asc.length === 0) throw new RangeError('percentile of no samples');
  const rank = Math.ceil((p / 100) * asc.length);
  return asc[Math.min(asc.length, Math.max(1, rank)) - 1]!;
}

/** The median: the middle sample, or the mean of the two middle ones. */
export function median(values: ArrayLike<number>): number {
  const asc = sorted(values);
  if (asc.length === 0) throw new RangeError('median of no samples');
  const mid = asc.length >> 1;
  return asc.length % 2 === 1 ? asc[mid]! : (asc[mid - 1]! + asc[mid]!) / 2;
}

/** Round for the report: figures are noisy well before the fourth significant digit. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
