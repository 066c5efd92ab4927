/**
 * The input line as data: text with a cursor (moved by whole graphemes, so a CJK character or an
 * emoji is one step), history on Up/Down (the line being typed is kept while browsing), and the
 * window of it that fits on screen around the cursor. A paste is inserted as one piece, newlines
 * and all; nothing typed is ever dropped.
 */
import { cleanText } from './screenText.js';
import { displayWidth } from './wrappedText.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** How many sent lines Up can bring back (and the history file keeps). */
export const HISTORY_LIMIT = 500;

function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

export class InputLine {
  private chars: string[] = [];
  /** Cursor position in graphemes. */
  private at = 0;
  private readonly history: string[];
  /** Position while browsing history; history.length: the line being typed. */
  private browsing: number;
  private draft = '';

  constructor(history: readonly string[] = []) {
    this.history = history.slice(-HISTORY_LIMIT);
    this.browsing = this.history.length;
  }

  get text(): string {
    return this.chars.join('');
  }

  get cursor(): number {
    return this.at;
  }

  get isEmpty(): boolean {
    return this.chars.length === 0;
  }

  /** Typed or pasted text at the cursor; control characters are dropped, newlines kept. */
  insert(text: string): void {
    const clean = cleanText(text);
    if (clean === '') return;
    const add = graphemes(clean);
    this.chars.splice(this.at, 0, ...add);
    this.at += add.length;
  }

  set(text: string): void {
    this.chars = graphemes(cleanText(text));
    this.at = this.chars.length;
  }

  backspace(): void {
    if (this.at === 0) return;
    this.chars.splice(this.at - 1, 1);
    this.at--;
  }

  deleteForward(): void {
    if (this.at < this.chars.length) this.chars.splice(this.at, 1);
  }

  /** Ctrl+W: the word before the cursor. */
  deleteWord(): void {
    let i = this.at;
    while (i > 0 && this.chars[i - 1] === ' ') i--;
    while (i > 0 && this.chars[i - 1] !== ' ') i--;
    this.chars.splice(i, this.at - i);
    this.at = i;
  }

  /** Ctrl+U: everything before the cursor. */
  deleteToStart(): void {
    this.chars.splice(0, this.at);
    this.at = 0;
  }

  left(): void {
    if (this.at > 0) this.at--;
  }

  right(): void {
    if (this.at < this.chars.length) this.at++;
  }

  home(): void {
    this.at = 0;
  }

  end(): void {
    this.at = this.chars.length;
  }

  clear(): void {
    this.chars = [];
    this.at = 0;
    this.browsing = this.history.length;
  }

  /** Up: the previous sent line (the current one kept as the draft). */
  previous(): void {
    if (this.browsing === 0) return;
    if (this.browsing === this.history.length) this.draft = this.text;
    this.browsing--;
    this.set(this.history[this.browsing]!);
  }

  /** Down: the next sent line, then the draft back. */
  next(): void {
    if (this.browsing >= this.history.length) return;
    this.browsing++;
    this.set(this.browsing === this.history.length ? this.draft : this.history[this.browsing]!);
  }

  /** Enter: the line, remembered in history (unless it repeats the last one), and cleared. */
  submit(): string {
    const line = this.text;
    if (line.trim() !== '' && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > HISTORY_LIMIT) this.history.shift();
    }
    this.clear();
    this.draft = '';
    return line;
  }

  get sent(): readonly string[] {
    return this.history;
  }

  /**
   * What fits in `width` columns around the cursor: the text before it, the grapheme under it
   * (a space at the end) and the text after. Newlines are shown as `⏎`.
   */
  view(width: number): { before: string; under: string; after: string } {
    const shown = this.chars.map((c) => (c === '\n' ? '⏎' : c));
    const under = shown[this.at] ?? ' ';
    const room = Math.max(1, width - displayWidth(under));
    let start = this.at;
    let used = 0;
    // Keep the cursor on screen: walk back from it until the row is full.
    for (let i = this.at - 1; i >= 0; i--) {
      const w = displayWidth(shown[i]!);
      if (used + w > room) break;
      used += w;
      start = i;
    }
    const before = shown.slice(start, this.at).join('');
    let after = '';
    let left = width - displayWidth(before) - displayWidth(under);
    for (let i = this.at + 1; i < shown.length && left > 0; i++) {
      const w = displayWidth(shown[i]!);
      if (w > left) break;
      after += shown[i];
      left -= w;
    }
    return { before, under, after };
  }
}
