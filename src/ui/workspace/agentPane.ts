/**
 * A supervised agent's terminal inside the workspace: the attachment (client/agentAttachment)
 * feeds a headless terminal (@xterm/headless) sized to the pane, and the pane draws that
 * terminal's rows as plain text — the agent's own escape sequences are interpreted here, never
 * passed to the real screen. Keys go to the agent; in a relay session the attachment follows a
 * handoff to the next agent, and the handoff is shown as a banner row as it happens.
 */
import xterm from '@xterm/headless';
import { BusClient } from '../../bus/busClient.js';
import { AgentAttachment, type AttachmentEnd } from '../../client/agentAttachment.js';
import type { RelayPaths } from '../../platform/paths.js';
import type { AgentInfo } from '../../protocol/agentProtocol.js';
import type { AgentView } from './workspaceTypes.js';

export interface AgentPaneOptions {
  paths: RelayPaths;
  agent: AgentInfo;
  size: () => { cols: number; rows: number };
  /** The pane's rows changed: redraw. */
  changed: () => void;
  /** How it ended, in one line (exited, the daemon stopped). */
  ended: (end: AttachmentEnd) => void;
}

export class AgentPane implements AgentView {
  private readonly term: xterm.Terminal;
  private readonly client: BusClient;
  private readonly attachment: AgentAttachment;
  /** The last relay banner (a handoff), shown above the agent's screen. */
  banner: string | undefined;
  private closed = false;

  private constructor(private readonly opts: AgentPaneOptions) {
    const { cols, rows } = opts.size();
    this.term = new xterm.Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
    this.client = new BusClient(opts.paths, `tui-agent:${process.pid}`);
    this.attachment = new AgentAttachment({
      paths: opts.paths,
      client: this.client,
      size: () => ({ cols: this.term.cols, rows: this.term.rows }),
      detachKeyName: 'ctrl-]',
      view: {
        output: (data) => this.term.write(data, opts.changed),
        redraw: (screen, banner) => {
          this.term.reset();
          if (banner) this.banner = banner;
          this.term.write(screen, opts.changed);
        },
        banner: (text) => {
          this.banner = text;
          opts.changed();
        },
      },
      onSendError: (what, e) => {
        this.banner = `${what}: ${e instanceof Error ? e.message : String(e)}`;
        opts.changed();
      },
    });
    this.attachment.relaySession = opts.agent.relaySession;
  }

  /** Attach and follow the agent (and its successors); `ended` is called once it ends. */
  static async open(opts: AgentPaneOptions): Promise<AgentPane> {
    const pane = new AgentPane(opts);
    await pane.attachment.subscribeAll();
    void pane.attachment.follow(opts.agent.id, false).then(
      (end) => {
        if (!pane.closed) opts.ended(end);
      },
      () => {
        if (!pane.closed) opts.ended({ kind: 'lost', agentId: pane.attachment.agentId });
      },
    );
    return pane;
  }

  get agentId(): string | null {
    return this.attachment.agentId;
  }

  send(data: string): void {
    if (data !== '') this.attachment.send(data);
  }

  /** The pane's new size: the terminal and the agent's PTY both follow. */
  resize(): void {
    const { cols, rows } = this.opts.size();
    if (cols === this.term.cols && rows === this.term.rows) return;
    this.term.resize(cols, rows);
    this.attachment.resize();
  }

  /** The agent's screen as plain rows, top to bottom. */
  rows(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++) out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.attachment.detach();
    await this.attachment.close();
    await this.client.close();
    this.term.dispose();
  }
}
