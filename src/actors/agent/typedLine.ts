/**
 * The first line a user types into an agent's terminal, read from the keystrokes the daemon
 * forwards: the task of a session whose command line gave none (`relay wrap -- claude`, then
 * "fix the login bug⏎"). Editing keys are applied (Backspace, Ctrl+U, Ctrl+W), escape sequences
 * (arrows, focus reports, terminal replies) are skipped, and a bracketed paste is taken whole,
 * newlines included, because a pasted task is one turn.
 */

/** A first turn longer than this is cut: it is a task, not a document. */
const MAX_LINE = 4_000;

/** The longest escape sequence kept across a chunk boundary. */
const MAX_ESCAPE = 256;

/**
 * Lines that answer the CLI rather than state a task: a slash command (`/login`, `/model`), a
 * menu choice or a yes/no (`1`, `y`) typed at a trust or onboarding prompt.
 */
const NOT_A_TASK = /^(?:\/[a-z][\w:-]*(?:\s.*)?|\d{1,2}|y|n|yes|no|ok|q)$/is;

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

export class FirstTypedLine {
  private text = '';
  private inPaste = false;
  /** An escape sequence cut by a chunk boundary. */
  private pendingEscape = '';
  private done = false;

  /** Feed keystrokes; returns the line once Enter ends one that states a task, then null forever. */
  feed(data: string | Uint8Array): string | null {
    if (this.done) return null;
    const s = this.pendingEscape + (typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    this.pendingEscape = '';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      if (c === '\x1b') {
        const end = escapeEnd(s, i);
        if (end === -1) {
          // A sequence longer than any key or reply is noise: dropped rather than held forever.
          const rest = s.slice(i);
          if (rest.length <= MAX_ESCAPE) this.pendingEscape = rest;
          break;
        }
        const seq = s.slice(i, end);
        if (seq === PASTE_START) this.inPaste = true;
        else if (seq === PASTE_END) this.inPaste = false;
        i = end - 1;
        continue;
      }
      if (c === '\r' || c === '\n') {
        if (this.inPaste) {
          this.append('\n');
          continue;
        }
        const line = this.text.trim();
        this.text = '';
        if (line !== '' && !NOT_A_TASK.test(line)) {
          this.done = true;
          return line;
        }
        continue;
      }
      if (c === '\x7f' || c === '\b') this.text = [...this.text].slice(0, -1).join('');
      else if (c === '\x15') this.text = '';
      else if (c === '\x17') this.text = this.text.replace(/\S+\s*$/, '');
      else if (c === '\x03') this.text = '';
      else if (c >= ' ' || c === '\t') this.append(c);
    }
    return null;
  }

  private append(c: string): void {
    if (this.text.length < MAX_LINE) this.text += c;
  }
}

/**
 * The index just after the escape sequence starting at `i`, or -1 when it is cut off: CSI
 * (`ESC [ … final`), SS3 (`ESC O x`), OSC/DCS (up to BEL or ST), or ESC plus one character.
 */
function escapeEnd(s: string, i: number): number {
  const next = s[i + 1];
  if (next === undefined) return -1;
  if (next === '[') {
    for (let j = i + 2; j < s.length; j++) {
      const code = s.charCodeAt(j);
      if (code >= 0x40 && code <= 0x7e) return j + 1;
    }
    return -1;
  }
  if (next === 'O') return i + 3 <= s.length ? i + 3 : -1;
  if (next === ']' || next === 'P') {
    for (let j = i + 2; j < s.length; j++) {
      if (s[j] === '\x07') return j + 1;
      if (s[j] === '\x1b' && s[j + 1] === '\\') return j + 2;
    }
    return -1;
  }
  return i + 2;
}
