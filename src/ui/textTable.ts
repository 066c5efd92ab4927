/**
 * A plain-text table: a header row and rows, columns padded to their widest cell, two spaces
 * apart. The last column is not padded, so a long reason at the end never leaves trailing blanks.
 * `right` lists the columns (by index) that hold numbers and line up on the right.
 */
import stringWidth from 'string-width';

export function formatTable(head: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  // Display columns, not string length: a CJK heading or session name is two columns a character.
  const widths = head.map((h, i) => Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))));
  const pad = (c: string, i: number): string => ' '.repeat(Math.max(0, widths[i]! - stringWidth(c)));
  const line = (cells: readonly string[]): string =>
    head
      .map((_, i) => {
        const c = cells[i] ?? '';
        if (right.includes(i)) return pad(c, i) + c;
        return i === head.length - 1 ? c : c + pad(c, i);
      })
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** `12,345`: token counts grouped by thousands, the same on every locale. */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A context size as people say it: `128k` (131,072 and 128,000 alike), `8k`, `1M`, `1.5M`;
 * `-` when unknown.
 */
export function formatTokens(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n) || n <= 0) return '-';
  if (n >= 1_000_000) {
    // Binary millions (1,048,576) are "1M" as well.
    const m = n % 1_000_000 !== 0 && n % 1_048_576 === 0 ? n / 1_048_576 : n / 1_000_000;
    return `${Number(m.toFixed(1))}M`;
  }
  // 128,000 is also a multiple of 1,024 (125k of them): decimal thousands first.
  if (n >= 1_000) return `${n % 1000 === 0 ? n / 1000 : n % 1024 === 0 ? n / 1024 : Math.round(n / 1000)}k`;
  return String(n);
}
