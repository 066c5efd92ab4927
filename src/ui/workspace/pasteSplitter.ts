/**
 * The terminal's input split into keys and pastes. With bracketed paste on (`CSI ? 2004 h`), a
 * terminal wraps pasted text in `ESC [200~ … ESC [201~`; the text between goes to the input as
 * one piece — its newlines do not send it, its escape characters are not keys — and everything
 * else goes on to the key parser. A marker cut between two reads is held until it is whole.
 */
const START = '\u001b[200~';
const END = '\u001b[201~';
/** How long a held ESC waits for the rest of a marker before it is the Escape key. */
const ESC_WAIT_MS = 30;

export interface InputParts {
  keys(data: string): void;
  paste(text: string): void;
}

export class PasteSplitter {
  private pasting = false;
  private buffer = '';
  private held = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: InputParts) {}

  /** Held input that no next read completed: it was keys after all. */
  private flushLater(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const held = this.held;
      this.held = '';
      if (held !== '') this.out.keys(held);
    }, ESC_WAIT_MS);
    this.timer.unref?.();
  }

  push(chunk: string): void {
    clearTimeout(this.timer);
    let data = this.held + chunk;
    this.held = '';
    while (data !== '') {
      const marker = this.pasting ? END : START;
      const at = data.indexOf(marker);
      if (at < 0) {
        // The end of the read may be the start of a marker: keep it for the next read. A read
        // that is one ESC is the Escape key, never held; an ESC after other input may be a
        // marker cut in two, held until the next read or ESC_WAIT_MS, as terminals wait.
        const partial = partialSuffix(data, marker);
        const keep = this.pasting || partial >= 2 || (partial === 1 && data.length > 1) ? partial : 0;
        const now = data.slice(0, data.length - keep);
        this.held = data.slice(data.length - keep);
        if (this.pasting) this.buffer += now;
        else if (now !== '') this.out.keys(now);
        if (this.held !== '' && !this.pasting) this.flushLater();
        return;
      }
      const before = data.slice(0, at);
      data = data.slice(at + marker.length);
      if (this.pasting) {
        this.pasting = false;
        const text = this.buffer + before;
        this.buffer = '';
        this.out.paste(text.replace(/\r\n?/g, '\n'));
      } else {
        if (before !== '') this.out.keys(before);
        this.pasting = true;
      }
    }
  }
}

/** How many characters at the end of `data` are the beginning of `marker`. */
function partialSuffix(data: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, data.length); n > 0; n--) if (marker.startsWith(data.slice(data.length - n))) return n;
  return 0;
}
