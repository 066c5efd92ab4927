/**
 * A client's attachment to an agent in the daemon, without a terminal: the output of the
 * agent's topic in order and without duplicates (a screen redraw first, or the whole stream
 * from the start), the lease kept alive, input and size changes sent on, and — in a relay
 * session — the attachment follows a handoff to the next agent. `relay wrap`/`relay attach`
 * put it on a TTY (cli/terminalClient.ts); the TUI's agent pane draws it in a box.
 */
import { randomBytes } from 'node:crypto';
import type { BusClient } from '../bus/busClient.js';
import { EventSubscriber } from '../bus/eventSubscriber.js';
import { ptyTopic, type AgentExit, type PtyMessage, type TerminalSize } from '../protocol/agentProtocol.js';
import type { EventRecord } from '../protocol/eventRecord.js';
import { TOPIC } from '../protocol/requests.js';
import type { RelayPaths } from '../platform/paths.js';
import { formatClockTime } from '../platform/duration.js';
import { describeGaps, type SuccessorGap } from '../protocol/relayProtocol.js';

/** Renew the attachment lease this often (the daemon drops it after 3 s without renewal). */
const KEEPALIVE_MS = 1_000;
/** A keepalive that takes longer than this means the daemon is gone. */
const KEEPALIVE_TIMEOUT_MS = 2_000;

/**
 * How an attachment ended: the agent exited (`reason` as the daemon gave it), the client
 * detached, the daemon stopped (`relay daemon stop`: its agents are stopped with it), or the
 * daemon went away without a word (a crash, kill -9: the agent's fate is unknown).
 */
export type AttachmentEnd =
  | { kind: 'exited'; agentId: string; exit: Pick<AgentExit, 'code' | 'signal'> & { reason?: string } }
  | { kind: 'detached'; agentId: string }
  | { kind: 'daemonStopped'; agentId: string; reason: string }
  | { kind: 'lost'; agentId: string | null };

/** What the attachment tells whoever draws it. */
export interface AttachmentView {
  /** Output bytes of the current agent, in order. */
  output(data: Uint8Array): void;
  /**
   * The agent's whole screen (ANSI), replacing what was drawn: an attach mid-stream, a handoff.
   * `banner`, when given, was just said and may be said again below the new screen.
   */
  redraw(screen: string, banner?: string): void;
  /** One line about the relay session: a handoff, a stranded session, a failure. */
  banner(text: string): void;
}

export interface AgentAttachmentOptions {
  paths: RelayPaths;
  client: BusClient;
  view: AttachmentView;
  /** The size to attach with (and to resize to). */
  size: () => TerminalSize;
  /** What the user presses to detach, for the stranded banner (`ctrl-]`). */
  detachKeyName: string;
  /** A request to the daemon failed (a keystroke, a resize): say so rather than drop it silently. */
  onSendError?: (what: string, e: unknown) => void;
}

export class AgentAttachment {
  private readonly clientId = `cli:${process.pid}:${randomBytes(3).toString('hex')}`;
  private sub: EventSubscriber | undefined;
  private current: string | null = null;
  /** The agent {@link follow} was asked for, until it is attached. */
  private requested: string | null = null;
  /** Output chunks with seq <= this are already drawn. */
  private lastSeq = -1;
  /** Output that arrived before its agent was attached, with its topic. */
  private buffered: Array<{ topic: string; msg: PtyMessage }> = [];
  private finish: ((end: AttachmentEnd) => void) | undefined;
  private wholeStream = false;
  private keepalive: NodeJS.Timeout | undefined;
  /** Set when the daemon announced its stop: what ends the attachment next is that stop. */
  private daemonStopping: string | null = null;
  /** The relay session whose handoffs this attachment follows (null: none). */
  relaySession: string | null = null;

  constructor(private readonly opts: AgentAttachmentOptions) {}

  /** The agent attached now (after a handoff, the new one). */
  get agentId(): string | null {
    return this.current;
  }

  /** Receive every agent's output until `follow` narrows it: no byte of a new agent is missed. */
  async subscribeAll(): Promise<void> {
    this.wholeStream = true;
    await this.ensureSubscriber(['pty:']);
  }

  /**
   * Attach to `agentId` and follow it (and its successors) until it ends. With `fromStart`, the
   * stream has been received since before the agent started (after {@link subscribeAll}), so no
   * screen redraw is needed. Resolves with how it ended; {@link detach} ends it too.
   */
  async follow(agentId: string, fromStart: boolean): Promise<AttachmentEnd> {
    const ended = new Promise<AttachmentEnd>((resolve) => (this.finish = resolve));
    this.requested = agentId;
    this.keepalive = setInterval(() => {
      if (!this.current) return;
      this.opts.client.request('agent.keepalive', { id: this.current, client: this.clientId }, KEEPALIVE_TIMEOUT_MS).catch(() => this.lost());
    }, KEEPALIVE_MS);
    await this.attach(agentId, fromStart);
    return ended;
  }

  /** Keystrokes (or text) for the current agent. */
  send(data: Uint8Array | string): void {
    if (!this.current) return;
    this.opts.client.request('agent.input', { id: this.current, data }).catch((e: unknown) => this.opts.onSendError?.('input', e));
  }

  /** The client's size changed. */
  resize(): void {
    if (!this.current) return;
    const { cols, rows } = this.opts.size();
    this.opts.client.request('agent.resize', { id: this.current, cols, rows }).catch((e: unknown) => this.opts.onSendError?.('resize', e));
  }

  /** End the attachment by the user's choice; the agent keeps running. */
  detach(): void {
    const id = this.current ?? this.requested;
    if (id) this.end({ kind: 'detached', agentId: id });
  }

  /** Stop the lease, tell the daemon, release the event socket. Safe to call more than once. */
  async close(): Promise<void> {
    clearInterval(this.keepalive);
    this.keepalive = undefined;
    if (this.current) await this.opts.client.request('agent.detach', { id: this.current, client: this.clientId }, 1_000).catch(() => undefined);
    await this.sub?.close();
    this.sub = undefined;
  }

  private end(e: AttachmentEnd): void {
    this.finish?.(e);
  }

  /** The daemon stopped answering: after its announced stop, that stop; else it is gone. */
  private lost(): void {
    const agentId = this.current ?? this.requested;
    if (this.daemonStopping !== null && agentId) this.end({ kind: 'daemonStopped', agentId, reason: this.daemonStopping });
    else this.end({ kind: 'lost', agentId });
  }

  /** The agent's exit; during a daemon stop, the stop is what happened. */
  private exited(exit: Pick<AgentExit, 'code' | 'signal'> & { reason?: string }): void {
    const agentId = this.current ?? this.requested ?? '';
    if (this.daemonStopping !== null) this.end({ kind: 'daemonStopped', agentId, reason: this.daemonStopping });
    else this.end({ kind: 'exited', agentId, exit });
  }

  private async ensureSubscriber(topics: string[]): Promise<void> {
    if (!this.sub) {
      const all = [...topics, TOPIC.eventPrefix('handoff.'), TOPIC.eventPrefix('daemon.stopping')];
      this.sub = new EventSubscriber(this.opts.paths, all, (topic, value) => this.message(topic, value));
    } else {
      for (const t of topics) this.sub.subscribe(t);
    }
    await this.sub.live(this.opts.client);
  }

  private message(topic: string, value: unknown): void {
    if (topic.startsWith('ev:')) return this.event(value as EventRecord);
    const msg = value as PtyMessage;
    if (this.current === null || topic !== ptyTopic(this.current)) {
      if (this.current === null && this.wholeStream) this.buffered.push({ topic, msg });
      return;
    }
    if (this.lastSeq < 0) {
      this.buffered.push({ topic, msg });
      return;
    }
    this.apply(msg);
  }

  private apply(msg: PtyMessage): void {
    if (msg.seq <= this.lastSeq) return;
    this.lastSeq = msg.seq;
    if ('data' in msg) {
      this.opts.view.output(msg.data);
      return;
    }
    // A limited agent that exits in a relay session is followed by a handoff, not the end.
    if (msg.exit.reason === 'rate_limited' && this.relaySession) return;
    this.exited(msg.exit);
  }

  private event(e: EventRecord): void {
    if (e.type === 'daemon.stopping') {
      this.daemonStopping = typeof e.payload.reason === 'string' ? e.payload.reason : 'stopping';
      return;
    }
    const p = e.payload as {
      relaySession?: string;
      from?: string;
      toAgent?: string | null;
      trigger?: string;
      resumeAt?: number;
      reason?: string;
      unavailable?: SuccessorGap[];
    };
    if (p.relaySession !== this.relaySession) return;
    if (e.type === 'handoff.completed' && p.toAgent && p.toAgent !== this.current) {
      const from = p.from ?? this.current;
      const why =
        p.trigger === 'manual'
          ? `${from} handed off to ${p.toAgent} (relay handoff)`
          : p.trigger === 'resume'
            ? `a limit has reset: resuming with ${p.toAgent}`
            : p.trigger === 'warning'
              ? `${from} is being rate-limited (retrying): handed off to ${p.toAgent}`
              : `${from} hit its limit: handed off to ${p.toAgent}`;
      void this.switchTo(p.toAgent, why);
    } else if (e.type === 'handoff.stranded') {
      // Say who could not take over and why: a successor missing from PATH is not a limit.
      const now = Date.now();
      const gaps = describeGaps(p.unavailable ?? [], now);
      const who = gaps ? `no agent can take over (${gaps})` : 'no other agent can take over';
      const when = p.resumeAt ? `resuming at ${formatClockTime(p.resumeAt, now)}` : 'waiting for relay handoff --to <agent>';
      this.opts.view.banner(`${who}; ${when} (${this.opts.detachKeyName} detaches)`);
    } else if (e.type === 'handoff.failed') {
      this.opts.view.banner(`handoff failed: ${p.reason ?? 'unknown reason'}`);
    }
  }

  private async switchTo(agentId: string, banner: string): Promise<void> {
    const old = this.current;
    // Input from here on is for the new agent (its PTY holds it until it reads).
    this.current = agentId;
    this.lastSeq = -1;
    // Before the redraw, so a log of piped output shows where one agent ended and the next began.
    this.opts.view.banner(banner);
    if (old) {
      this.sub?.unsubscribe(ptyTopic(old));
      await this.opts.client.request('agent.detach', { id: old, client: this.clientId }).catch(() => undefined);
    }
    await this.attach(agentId, false, banner);
  }

  /** Attach to `agentId`; `banner` is said again below a redrawn screen. */
  private async attach(agentId: string, fromStart: boolean, banner?: string): Promise<void> {
    this.current = agentId;
    this.lastSeq = -1;
    const early = this.buffered.filter((b) => b.topic === ptyTopic(agentId)).map((b) => b.msg);
    this.buffered = [];
    await this.ensureSubscriber([ptyTopic(agentId)]);
    if (this.wholeStream) {
      this.sub?.unsubscribe('pty:');
      this.wholeStream = false;
    }
    const { cols, rows } = this.opts.size();
    const r = await this.opts.client.request('agent.attach', { id: agentId, client: this.clientId, cols, rows });
    this.relaySession ??= r.agent.relaySession;
    if (fromStart) {
      this.lastSeq = 0;
      for (const m of early) this.apply(m);
    } else {
      this.opts.view.redraw(r.screen, banner);
      this.lastSeq = r.seq;
    }
    const pending = this.buffered;
    this.buffered = [];
    for (const b of pending) if (b.topic === ptyTopic(agentId)) this.apply(b.msg);
    if (r.agent.exit && !(r.agent.exit.reason === 'rate_limited' && this.relaySession)) {
      this.exited(r.agent.exit);
    }
  }
}
