/**
 * Raw PTY output to plain lines, for the limit detector. Two jobs:
 *
 * 1. Chunks can end anywhere, including inside an escape sequence (`\x1b[3` | `8;5;1m`) or between
 *    the two halves of a surrogate pair. {@link splitTrailingEscape} holds such an unfinished tail
 *    back so the next chunk completes it; stripping it early would leave `8;5;1m` as text, or let a
 *    half OSC title swallow real output.
 * 2. Full-screen CLIs place text with cursor moves rather than newlines. {@link toPlainText} turns
 *    the moves that change row (or jump within one) into line breaks before stripping the rest with
 *    `strip-ansi`, so text drawn in different places never runs together into a false line start.
 *    Text assembled on one row from several moves is not rebuilt here: that is what the screen
 *    model (@xterm/headless) and `LimitDetector.checkScreen` are for.
 */
import stripAnsi from 'strip-ansi';

const ESC = '\x1b';
const BEL = '\x07';
/** 8-bit CSI, OSC and ST; rare in UTF-8 output but strip-ansi knows them, so the splitter must too. */
const C1_CSI = '\x9b';
const C1_OSC = '\x9d';
const C1_ST = '\x9c';

/**
 * Longest unfinished escape sequence held back between chunks. Real sequences are a few bytes
 * (OSC 8 hyperlinks perhaps a few hundred); anything longer is a program that never terminates its
 * OSC, and holding it would grow without bound and hide all later output.
 */
const MAX_ESCAPE_TAIL = 4096;

/**
 * A line that stands for "the screen was cleared or switched" (ED 2/3, alternate screen, RIS).
 * Carried through as its own line so a stateful reader (the code-fence tracker) can reset.
 */
export const SCREEN_RESET = '\u001c';

/**
 * Index just past the escape sequence starting at `i`, or -1 when `s` ends before the sequence
 * does. Follows ECMA-48's grammar, which is also what strip-ansi's pattern recognises.
 */
function escapeEnd(s: string, i: number): number {
  const n = s.length;
  const c0 = s[i];
  let j: number;
  if (c0 === C1_CSI) return csiEnd(s, i + 1);
  if (c0 === C1_OSC) return stringEnd(s, i + 1);
  if (i + 1 >= n) return -1;
  const c = s[i + 1]!;
  if (c === '[') return csiEnd(s, i + 2);
  // OSC, DCS, SOS, PM, APC: opaque payload up to ST (ESC \) or, for OSC, BEL.
  if (c === ']' || c === 'P' || c === 'X' || c === '^' || c === '_') return stringEnd(s, i + 2);
  // nF escapes: intermediates 0x20-0x2F then one final byte (`ESC ( B`, `ESC # 8`).
  j = i + 1;
  while (j < n && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  if (j >= n) return -1;
  return j + 1;
}

/** CSI: parameter bytes 0x30-0x3F, intermediates 0x20-0x2F, one final byte 0x40-0x7E. */
function csiEnd(s: string, from: number): number {
  const n = s.length;
  let j = from;
  while (j < n && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x3f) j++;
  while (j < n && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  if (j >= n) return -1;
  return j + 1;
}

/** A control string ends at BEL, ST, or (as terminals do) aborts at any other ESC. */
function stringEnd(s: string, from: number): number {
  const n = s.length;
  for (let j = from; j < n; j++) {
    const ch = s[j];
    if (ch === BEL || ch === C1_ST) return j + 1;
    if (ch === ESC) {
      if (j + 1 >= n) return -1;
      return s[j + 1] === '\\' ? j + 2 : j;
    }
  }
  return -1;
}

/** A lone high surrogate at the end: the low half is still in the next chunk. */
function endsInHighSurrogate(s: string): boolean {
  const last = s.charCodeAt(s.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}

/**
 * Split `s` into the part that can be processed now and an unfinished tail (an escape sequence or
 * half a surrogate pair) to prepend to the next chunk. A tail longer than
 * {@link MAX_ESCAPE_TAIL} is dropped rather than held.
 */
export function splitTrailingEscape(s: string): { complete: string; tail: string } {
  const introducer = /[\x1b\x9b\x9d]/g;
  for (let m = introducer.exec(s); m !== null; m = introducer.exec(s)) {
    const end = escapeEnd(s, m.index);
    if (end === -1) {
      const tail = s.slice(m.index);
      return { complete: s.slice(0, m.index), tail: tail.length > MAX_ESCAPE_TAIL ? '' : tail };
    }
    introducer.lastIndex = end;
  }
  if (s.length > 0 && endsInHighSurrogate(s)) return { complete: s.slice(0, -1), tail: s.slice(-1) };
  return { complete: s, tail: '' };
}

/** CSI sequences whose effect is layout: matched before strip-ansi removes everything. */
const LAYOUT_CSI = /(?:\x1b\[|\x9b)([\x30-\x3f]*)([\x20-\x2f]*)([\x40-\x7e])/g;
/** Two-byte escapes that move between rows (IND, NEL, RI, restore cursor) or reset the terminal. */
const LAYOUT_ESC = /\x1b([DEM8c])/g;
/** Cursor-forward runs longer than this become one wide gap; the width only matters as "wide". */
const MAX_FORWARD_GAP = 16;

function layoutCsi(all: string, params: string, inter: string, final: string): string {
  if (inter !== '') return all;
  switch (final) {
    // Cursor position, up/down/next/previous line, row or column jumps, scrolling: a new line.
    case 'H':
    case 'f':
    case 'A':
    case 'B':
    case 'E':
    case 'F':
    case 'd':
    case 'G':
    case '`':
    case 'S':
    case 'T':
      return '\n';
    case 'J':
      return params === '2' || params === '3' ? `\n${SCREEN_RESET}\n` : '\n';
    case 'C': {
      // Cursor forward stands in for spaces (some renderers skip blank cells this way).
      const count = Number.parseInt(params === '' ? '1' : params, 10);
      return ' '.repeat(Math.min(Number.isFinite(count) && count > 0 ? count : 1, MAX_FORWARD_GAP));
    }
    case 'h':
    case 'l':
      // Entering or leaving the alternate screen shows a different page.
      return /^\?(?:1049|1047|47)$/.test(params) ? `\n${SCREEN_RESET}\n` : '';
    default:
      return all;
  }
}

/** C0 and C1 controls left after stripping (BEL, backspace, SO/SI...), except TAB and LF. */
const STRAY_CONTROLS = /[\x00-\x08\x0b-\x1b\x1d-\x1f\x7f-\x9f]/g;

/**
 * Complete (escape-safe) PTY text to plain text with `\n` line breaks: layout moves become breaks,
 * the remaining escapes are stripped, CR and CRLF become breaks (a bare CR redraws the line, so
 * what follows it is a new line), tabs become spaces and stray controls disappear. Screen resets
 * appear as a {@link SCREEN_RESET} line.
 */
export function toPlainText(complete: string): string {
  const moved = complete.replace(LAYOUT_CSI, layoutCsi).replace(LAYOUT_ESC, (_all, c: string) =>
    c === 'c' ? `\n${SCREEN_RESET}\n` : '\n',
  );
  return stripAnsi(moved)
    .replace(/\r\n?|[\v\f]/g, '\n')
    .replace(/\t/g, ' ')
    .replace(STRAY_CONTROLS, '');
}
