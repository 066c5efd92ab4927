/**
 * "Did you mean …?" for a mistyped config key. A plain edit distance is enough for a handful of
 * short keys; no library in node_modules offers one, and this is a dozen lines.
 */

/** Levenshtein distance (insert, delete, substitute each cost 1), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length]!;
}

/**
 * The key in `known` closest to `key`, or undefined when none is close enough to be a typo
 * (within a third of the longer word, at least 1; and a key that starts the other, `debounce`
 * for `debounceMs`): suggesting `wrap` for `foo` would only mislead.
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    const prefix = key.length >= 3 && candidate.toLowerCase().startsWith(key.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(key.length, candidate.length) / 3));
    if (!prefix && distance > limit) continue;
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best?.key;
}
