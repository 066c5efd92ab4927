/**
 * Text from models and agents made safe to draw: escape sequences (colours, cursor moves, window
 * titles, OSC 52 clipboard writes) and control characters are stripped, never passed to the
 * terminal, so an answer cannot restyle or break the screen. A stream is cleaned chunk by chunk:
 * a sequence cut between two chunks is held back until its end arrives.
 */
import stripAnsi from 'strip-ansi';

/** An unfinished sequence longer than this is not one: it is dropped, not held forever. */
const MAX_HELD = 64;
const TAB = '    ';

/** C0 controls but \n and \t, DEL and the C1 range: drawn as nothing. */
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One complete piece of text, cleaned: printable characters, `\n`, tabs as four spaces. */
export function cleanText(text: string): string {
  return stripAnsi(text.replace(/\r\n?/g, '\n')).replace(CONTROLS, '').replace(/\t/g, TAB);
}

/** A stream's cleaner: feed it chunks in order, draw what it returns. */
export class StreamCleaner {
  private held = '';

  push(chunk: string): string {
    let text = this.held + chunk;
    this.held = '';
    const esc = text.lastIndexOf('\u001b');
    if (esc >= 0 && text.length - esc <= MAX_HELD) {
      const tail = text.slice(esc);
      // The tail still holds an ESC once complete sequences are gone: it is waiting for its end.
      if (stripAnsi(tail).startsWith('\u001b')) {
        this.held = tail;
        text = text.slice(0, esc);
      }
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
