/**
 * The workspace on a terminal (neo-blessed): four boxes — the conversation, the side list, the
 * input line and the status bar, with a notice row above the input — and a centred box for the
 * overlays. It only paints what the controller and the views say; keys go the other way.
 *
 * Input is read here, not by blessed: raw stdin goes through the paste splitter first, so a
 * bracketed paste reaches the input as one piece, and the rest is handed to blessed's key
 * parser through a stream of its own. Frames are coalesced (at most one per FRAME_MS; a key
 * after a quiet spell draws at once), and each frame sets only the rows on screen. Whatever
 * ends the process — quit, an error, a signal — leaves the terminal as it found it.
 */
import { PassThrough } from 'node:stream';
import blessedBox from 'neo-blessed/lib/widgets/box.js';
import blessedScreen from 'neo-blessed/lib/widgets/screen.js';
import blessedHelpers from 'neo-blessed/lib/helpers.js';
import type { Widgets } from 'blessed';
import { cutToWidth } from '../sessionViews.js';
import { PasteSplitter } from './pasteSplitter.js';
import type { ConversationRow } from './conversationModel.js';
import type { WorkspaceController } from './workspaceController.js';
import type { Key } from './workspaceTypes.js';
import { overlayContent, padToWidth, sideList, statusBar, type ViewRow } from './workspaceViews.js';
import { displayWidth } from './wrappedText.js';

/** One frame per this many ms at most while text streams (60 per second). */
const FRAME_MS = 16;
/** The side list's width; below MIN_SIDE_COLS columns there is none. */
const SIDE_COLS = 26;
const MIN_SIDE_COLS = 70;

const BRACKETED_PASTE_ON = '\u001b[?2004h';
const BRACKETED_PASTE_OFF = '\u001b[?2004l';

const esc = (text: string): string => blessedHelpers.escape(text);

/** blessed's opening tag for each row style; `{/}` closes whatever is open. */
const STYLE_TAGS: Record<NonNullable<ViewRow['style']> | ConversationRow['style'], string> = {
  title: '{bold}',
  selected: '{inverse}',
  dim: '{gray-fg}',
  error: '{red-fg}',
  accent: '{cyan-fg}',
  header: '{bold}{cyan-fg}',
  user: '{yellow-fg}',
  note: '{gray-fg}',
  warning: '{yellow-fg}',
  answer: '',
  blank: '',
};

/** A row's text escaped (an answer's `{` is text, not a tag) and painted in its style. */
function paint(row: ViewRow | ConversationRow): string {
  const tag = row.style ? STYLE_TAGS[row.style] : '';
  return tag ? `${tag}${esc(row.text)}{/}` : esc(row.text);
}

export interface ScreenIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

export class WorkspaceScreen {
  private readonly screen: Widgets.Screen;
  private readonly keysIn = new PassThrough();
  private readonly conversationBox: Widgets.BoxElement;
  private readonly sideBox: Widgets.BoxElement;
  private readonly noticeBox: Widgets.BoxElement;
  private readonly inputBox: Widgets.BoxElement;
  private readonly statusBox: Widgets.BoxElement;
  private readonly overlayBox: Widgets.BoxElement;
  private controller: WorkspaceController | undefined;
  private pending: NodeJS.Timeout | undefined;
  private lastFrame = 0;
  private destroyed = false;
  private readonly splitter: PasteSplitter;
  private readonly onData = (chunk: Buffer): void => this.splitter.push(chunk.toString('utf8'));
  /** Frames drawn so far (the benches read it). */
  frames = 0;

  constructor(private readonly io: ScreenIo) {
    this.splitter = new PasteSplitter({
      keys: (data) => this.keysIn.write(data),
      paste: (text) => {
        this.controller?.paste(text);
        this.drawNow();
      },
    });
    this.screen = blessedScreen({
      input: this.keysIn as unknown as NodeJS.ReadStream,
      output: io.stdout,
      smartCSR: true,
      fullUnicode: true,
      forceUnicode: true,
      autoPadding: false,
      warnings: false,
      title: 'relay',
    });
    // Box lines as the UTF-8 characters themselves: the ACS alternate charset (the default when
    // terminfo offers it) is what old terminals needed, and it shows as letters in a capture.
    (this.screen.program as unknown as { tput: { brokenACS: boolean } }).tput.brokenACS = true;
    const box = (opts: Widgets.BoxOptions): Widgets.BoxElement => blessedBox({ parent: this.screen, tags: true, wrap: false, ...opts });
    this.conversationBox = box({ top: 0, left: 0 });
    this.sideBox = box({ top: 0, style: { fg: 'white' } });
    this.noticeBox = box({ left: 0, height: 1 });
    this.inputBox = box({ left: 0, height: 1 });
    this.statusBox = box({ left: 0, height: 1, style: { inverse: true } });
    this.overlayBox = box({ border: { type: 'line' }, hidden: true, style: { border: { fg: 'cyan' } } });
    this.screen.on('keypress', (ch: string | undefined, key: Widgets.Events.IKeyEventArg | undefined) => this.keypress(ch, key));
    this.screen.on('resize', () => this.resized());
  }

  /** Start drawing `controller` and reading keys for it. */
  attach(controller: WorkspaceController): void {
    this.controller = controller;
    const { stdin, stdout } = this.io;
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', this.onData);
    stdin.resume();
    stdout.write(BRACKETED_PASTE_ON);
    this.layout();
    this.draw();
  }

  get size(): { cols: number; rows: number } {
    return { cols: Math.max(20, Number(this.screen.width) || 80), rows: Math.max(6, Number(this.screen.height) || 24) };
  }

  /** The conversation's width in columns (what the model wraps to). */
  get conversationCols(): number {
    const { cols } = this.size;
    return cols >= MIN_SIDE_COLS ? cols - SIDE_COLS - 1 : cols;
  }

  /** The agent pane's size: the conversation's area, less one banner row. */
  get agentSize(): { cols: number; rows: number } {
    return { cols: this.conversationCols, rows: Math.max(2, this.size.rows - 4) };
  }

  /** Redraw soon: at once after a quiet spell, else with the next frame. */
  changed(): void {
    if (this.destroyed || this.pending) return;
    const wait = Math.max(0, FRAME_MS - (Date.now() - this.lastFrame));
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, wait);
  }

  private keypress(ch: string | undefined, key: Widgets.Events.IKeyEventArg | undefined): void {
    const c = this.controller;
    if (!c) return;
    const full = key?.full ?? ch ?? '';
    // A key blessed does not name (Ctrl+], a CJK character) arrives as its character alone.
    const sequence = key?.sequence ?? ch;
    const k: Key = { full, ...(ch !== undefined ? { ch } : {}), ...(sequence !== undefined ? { sequence } : {}) };
    c.key(k);
    // A key is drawn at once, not with the next frame: typing stays ahead of a streaming answer.
    this.drawNow();
  }

  /** Draw now, dropping a frame that was waiting. */
  private drawNow(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    this.draw();
  }

  private resized(): void {
    this.layout();
    this.controller?.conversation.resize(this.conversationCols);
    const o = this.controller?.overlay;
    if (o?.kind === 'agent') o.view.resize();
    this.draw();
  }

  private layout(): void {
    const { cols, rows } = this.size;
    const convCols = this.conversationCols;
    const body = Math.max(1, rows - 3);
    this.conversationBox.width = convCols;
    this.conversationBox.height = body;
    if (this.controller) this.controller.pageRows = body;
    const side = cols >= MIN_SIDE_COLS;
    this.sideBox.hidden = !side;
    this.sideBox.left = convCols + 1;
    this.sideBox.width = SIDE_COLS;
    this.sideBox.height = body;
    this.noticeBox.top = body;
    this.noticeBox.width = cols;
    this.inputBox.top = body + 1;
    this.inputBox.width = cols;
    this.statusBox.top = body + 2;
    this.statusBox.width = cols;
  }

  private draw(): void {
    const c = this.controller;
    if (this.destroyed || !c) return;
    this.lastFrame = Date.now();
    this.frames++;
    const { cols, rows } = this.size;
    const convCols = this.conversationCols;
    const body = Math.max(1, rows - 3);
    const o = c.overlay;

    if (o?.kind === 'agent') {
      const banner = o.view.banner ?? c.translate('ui.agents.attached', { agent: o.view.agentId ?? o.name });
      const screenRows = o.view.rows().map((r) => esc(cutToWidth(r, convCols)));
      this.conversationBox.setContent([`{inverse}${esc(padToWidth(` ${banner}`, convCols))}{/inverse}`, ...screenRows].slice(0, body).join('\n'));
    } else if (c.conversation.isEmpty) {
      this.conversationBox.setContent(`{gray-fg}${esc(cutToWidth(c.translate('ui.conversation.empty'), convCols))}{/gray-fg}`);
    } else {
      const shown = c.conversation.visibleRows(body);
      const pad = Array.from({ length: Math.max(0, body - shown.length) }, () => '');
      this.conversationBox.setContent([...pad, ...shown.map(paint)].join('\n'));
    }

    if (!this.sideBox.hidden) {
      const rowsOfSide = sideList(c, SIDE_COLS - 1, body);
      this.sideBox.setContent(rowsOfSide.map((r) => paint({ ...r, text: ` ${r.text}` })).join('\n'));
    }

    // Attached to an agent, the row says which one (it changes with a handoff) and the way back.
    const notice = o?.kind === 'agent' ? { text: c.translate('ui.agents.attached', { agent: o.view.agentId ?? o.name }), kind: 'info' as const } : c.notice;
    this.noticeBox.setContent(notice ? paint({ text: cutToWidth(` ${notice.text}`, cols), style: notice.kind === 'error' ? 'error' : 'dim' }) : '');

    const prompt = c.translate('ui.input.prompt');
    const field = c.input.view(Math.max(1, cols - displayWidth(prompt)));
    this.inputBox.setContent(`{bold}${esc(prompt)}{/bold}${esc(field.before)}{inverse}${esc(field.under)}{/inverse}${esc(field.after)}`);

    this.statusBox.setContent(esc(statusBar(c, cols)));

    if (o && o.kind !== 'agent') {
      const width = Math.min(cols - 4, 96);
      const height = o.kind === 'confirm' ? 9 : Math.max(6, rows - 6);
      const content = overlayContent(c, o, width - 4, height - 2);
      this.overlayBox.width = width;
      this.overlayBox.height = height;
      this.overlayBox.left = Math.floor((cols - width) / 2);
      this.overlayBox.top = Math.max(0, Math.floor((rows - height) / 2) - 1);
      this.overlayBox.setLabel(` ${content.title} `);
      const lines = content.rows.slice(0, height - 3).map((r) => paint({ ...r, text: ` ${r.text}` }));
      while (lines.length < height - 3) lines.push('');
      lines.push(paint({ text: cutToWidth(` ${content.hint}`, width - 2), style: 'dim' }));
      this.overlayBox.setContent(lines.join('\n'));
      this.overlayBox.show();
      this.overlayBox.setFront();
    } else {
      this.overlayBox.hide();
    }
    this.screen.render();
  }

  /** Give the terminal back: normal screen, cursor, cooked mode, no bracketed paste. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.pending) clearTimeout(this.pending);
    const { stdin, stdout } = this.io;
    stdin.off('data', this.onData);
    try {
      this.screen.destroy();
    } finally {
      stdout.write(`${BRACKETED_PASTE_OFF}\u001b[?25h`);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    }
  }
}
