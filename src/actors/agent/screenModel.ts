/**
 * The screen state of one agent's PTY (@xterm/headless). It lets a client that attaches late see
 * the current screen instead of a blank one, reads text that full-screen agents draw with cursor
 * moves, and answers the terminal's queries (cursor position, device attributes, colours) while
 * no real terminal is attached — full-screen agents such as Codex wait for those replies.
 */
import xterm from '@xterm/headless';
import serialize from '@xterm/addon-serialize';

/** Lines of scrollback kept for redraw and for snapshots; bounded so memory stays flat. */
const SCROLLBACK = 1_000;

/** A dark background, so agents that pick colours from it choose light text. */
const COLOUR_REPLIES: Record<number, string> = {
  10: 'rgb:ffff/ffff/ffff',
  11: 'rgb:0000/0000/0000',
  12: 'rgb:ffff/ffff/ffff',
};

export class ScreenModel {
  private readonly term: xterm.Terminal;
  private readonly serializer = new serialize.SerializeAddon();

  /** `reply` receives what a terminal would send back to the program (query answers). */
  constructor(cols: number, rows: number, reply: (data: string) => void) {
    this.term = new xterm.Terminal({ cols, rows, scrollback: SCROLLBACK, allowProposedApi: true });
    this.term.loadAddon(this.serializer as unknown as xterm.ITerminalAddon);
    // xterm answers CSI 6n (cursor position) and CSI c (device attributes) through onData.
    this.term.onData(reply);
    // It does not answer OSC 10/11/12 colour queries; a real terminal does.
    for (const [code, value] of Object.entries(COLOUR_REPLIES)) {
      this.term.parser.registerOscHandler(Number(code), (data) => {
        if (data !== '?') return false;
        reply(`\x1b]${code};${value}\x1b\\`);
        return true;
      });
    }
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Feed program output; `done` runs once it has been parsed. */
  write(data: Uint8Array | string, done?: () => void): void {
    this.term.write(data, done);
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** ANSI that redraws the current screen (and scrollback) on a real terminal of the same size. */
  serialize(): string {
    return this.serializer.serialize({ scrollback: SCROLLBACK });
  }

  /**
   * The visible rows as plain text, trailing blanks removed. A line the terminal wrapped over
   * several rows is joined back into one, so a long message reads as the program wrote it.
   */
  visibleLines(): string[] {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) {
      const row = buf.getLine(buf.viewportY + y);
      // A row that wrapped was full, so its untrimmed text joins the next without a gap.
      const text = row?.translateToString(false) ?? '';
      if (row?.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines.map((l) => l.trimEnd());
  }

  /** Scrollback plus screen as plain text (for a snapshot when no transcript is known). */
  allLines(): string[] {
    const buf = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buf.length; y++) lines.push(buf.getLine(y)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  }

  dispose(): void {
    this.term.dispose();
  }
}
