/**
 * Text from models and agents made safe to draw: escape sequences (colours, cursor moves, window
 * titles, OSC 52 clipboard writes) and control characters are stripped, never passed to the
 * terminal, so an answer cannot restyle or break the screen. A stream is cleaned chunk by chunk:
 * a sequence cut between two chunks is held back until its end arrives.
 */
import stripAnsi from 'strip-ansi';

/**
 * An unfinished sequence longer than this is not one: it is dropped, not held forever. OSC 52
 * (a clipboard write) carries base64 text, so the bound is generous.
 */
const MAX_HELD = 4096;
const TAB = '    ';

/** C0 controls but \n and \t, DEL and the C1 range: drawn as nothing. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * String sequences — OSC (titles, OSC 52 clipboard writes, hyperlinks), DCS, APC, PM, SOS —
 * run to BEL or ST (`ESC \\`). strip-ansi reads an unterminated one as a CSI and leaves its
 * text, so they are taken out here first, whole.
 */
const STRING_SEQUENCE = /\u001b[\]P_^X][\s\S]*?(?:\u0007|\u001b\\)/g;
const STRING_START = /^\u001b[\]P_^X]/;

/** One complete piece of text, cleaned: printable characters, `\n`, tabs as four spaces. */
export function cleanText(text: string): string {
  return stripAnsi(text.replace(/\r\n?/g, '\n').replace(STRING_SEQUENCE, ''))
    .replace(CONTROLS, '')
    .replace(/\t/g, TAB);
}

/** Whether the sequence at the start of `tail` (an ESC) has not ended yet. */
function unfinished(tail: string): boolean {
  if (tail.length === 1) return true;
  if (STRING_START.test(tail)) return !/\u0007|\u001b\\/.test(tail.slice(2));
  return stripAnsi(tail).startsWith('\u001b');
}

/** A stream's cleaner: feed it chunks in order, draw what it returns. */
export class StreamCleaner {
  private held = '';

  push(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    // The first ESC near the end whose sequence has not ended yet: hold from there. A string
    // sequence that has ended is skipped whole (its ST, `ESC \\`, has an ESC of its own).
    let esc = text.indexOf('\u001b', Math.max(0, text.length - MAX_HELD));
    while (esc >= 0) {
      const tail = text.slice(esc);
      const end = STRING_START.test(tail) ? /\u0007|\u001b\\/.exec(tail.slice(2)) : undefined;
      if (end) {
        esc = text.indexOf('\u001b', esc + 2 + end.index + end[0].length);
        continue;
      }
      if (unfinished(tail)) {
        this.held = tail;
        text = text.slice(0, esc);
        break;
      }
      esc = text.indexOf('\u001b', esc + 1);
    }
    // A lone CR at the end may be the first half of CRLF.
    if (text.endsWith('\r')) {
      this.held = `\r${this.held}`;
      text = text.slice(0, -1);
    }
    return cleanText(text);
  }

  /** The end of the stream: whatever was held was not a sequence after all. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return cleanText(rest);
  }
}
