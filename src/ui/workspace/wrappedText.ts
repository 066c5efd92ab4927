/**
 * Text wrapped to a width in display columns (CJK and emoji count two), built as it streams: an
 * append re-wraps only the unfinished last line, so a 1 MB answer costs its own length once, not
 * once per delta. Words move to the next row when they fit there; a longer word is cut.
 */
import stringWidth from 'string-width';

const ASCII_PRINTABLE = /^[\u0020-\u007e]*$/;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The display width of one row's text (a fast path for plain ASCII). */
export function displayWidth(text: string): number {
  return ASCII_PRINTABLE.test(text) ? text.length : stringWidth(text);
}

/** Rows of at most `width` columns for one line without `\n`. */
export function wrapLine(line: string, width: number): string[] {
  const cols = Math.max(1, width);
  if (displayWidth(line) <= cols) return [line];
  const rows: string[] = [];
  if (ASCII_PRINTABLE.test(line)) {
    let rest = line;
    while (rest.length > cols) {
      const space = rest.lastIndexOf(' ', cols);
      const cut = space > 0 ? space : cols;
      rows.push(rest.slice(0, cut));
      rest = rest.slice(space > 0 ? cut + 1 : cut);
    }
    rows.push(rest);
    return rows;
  }
  let row = '';
  let used = 0;
  let lastSpace = -1;
  for (const { segment } of segmenter.segment(line)) {
    const w = stringWidth(segment);
    if (used + w > cols) {
      if (segment === ' ') {
        rows.push(row);
        row = '';
        used = 0;
        lastSpace = -1;
        continue;
      }
      if (lastSpace > 0) {
        rows.push(row.slice(0, lastSpace));
        row = row.slice(lastSpace + 1);
        used = stringWidth(row);
      } else {
        rows.push(row);
        row = '';
        used = 0;
      }
      lastSpace = -1;
    }
    if (segment === ' ') lastSpace = row.length;
    row += segment;
    used += w;
  }
  rows.push(row);
  return rows;
}

export class WrappedText {
  /**
   * Rows that can no longer change: those of finished lines, and the rows of the last line
   * before its last row (greedy wrapping never moves a break once text follows it).
   */
  private fixed: string[] = [];
  /** The last row, still growing. */
  private open = '';
  private source = '';

  constructor(private width: number) {}

  get text(): string {
    return this.source;
  }

  append(text: string): void {
    if (text === '') return;
    this.source += text;
    const parts = (this.open + text).split('\n');
    const last = parts.pop() ?? '';
    for (const line of parts) this.fixed.push(...wrapLine(line, this.width));
    const rows = wrapLine(last, this.width);
    this.open = rows.pop() ?? '';
    this.fixed.push(...rows);
  }

  get rowCount(): number {
    return this.fixed.length + 1;
  }

  /** Row `i` (0 = first). */
  row(i: number): string {
    return i < this.fixed.length ? this.fixed[i]! : this.open;
  }

  /** A new width: everything is wrapped again (a resize, rare). */
  resize(width: number): void {
    if (width === this.width) return;
    this.width = width;
    const text = this.source;
    this.source = '';
    this.fixed = [];
    this.open = '';
    this.append(text);
  }
}
