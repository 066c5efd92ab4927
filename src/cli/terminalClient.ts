/**
 * Connects this terminal to an agent in the daemon: output from the agent's topic to stdout,
 * stdin (raw, when a TTY) and window size changes to the agent, a lease kept alive, the detach
 * key honoured, and — in a relay session — the terminal follows a handoff to the next agent
 * with a one-line banner. Ends when the agent exits (with its exit code) or on detach.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import type { BusClient } from '../bus/busClient.js';
import { EventSubscriber } from '../bus/eventSubscriber.js';
import { ptyTopic, type PtyMessage } from '../protocol/agentProtocol.js';
import { TOPIC } from '../protocol/requests.js';
import type { RelayPaths } from '../platform/paths.js';
import type { EventRecord } from '../protocol/eventRecord.js';

/** Renew the attachment lease this often (the daemon drops it after 3 s without renewal). */
const KEEPALIVE_MS = 1_000;

export type AttachOutcome = { kind: 'exited'; code: number } | { kind: 'detached'; agentId: string };

export interface TerminalClientOptions {
  paths: RelayPaths;
  client: BusClient;
  detachKey: number | null;
  detachKeyName: string;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

function exitCode(exit: { code: number | null; signal: string | null }): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? (constants.signals as Record<string, number>)[exit.signal] : undefined;
  return 128 + (n ?? 1);
}

function size(stdout: NodeJS.WriteStream): { cols: number; rows: number } {
  return stdout.isTTY ? { cols: stdout.columns || 80, rows: stdout.rows || 24 } : { cols: 80, rows: 24 };
}

/**
 * A terminal session with the daemon. Create it, call `subscribeAll()` before starting an agent
 * (so its first byte is not missed), then `run(agentId)`.
 */
export class TerminalClient {
  private readonly clientId = `cli:${process.pid}:${randomBytes(3).toString('hex')}`;
  private sub: EventSubscriber | undefined;
  private current: string | null = null;
  /** Output chunks with seq <= this are already on the screen. */
  private lastSeq = -1;
  /** Output that arrived before its agent was attached, with its topic. */
  private buffered: Array<{ topic: string; msg: PtyMessage }> = [];
  private finish: ((o: AttachOutcome) => void) | undefined;
  private wholeStream = false;
  /** The relay session whose handoffs this terminal follows (null: none). */
  relaySession: string | null = null;

  constructor(private readonly opts: TerminalClientOptions) {}

  /** Receive every agent's output until `run` narrows it: no byte of a new agent is missed. */
  async subscribeAll(): Promise<void> {
    this.wholeStream = true;
    await this.ensureSubscriber(['pty:']);
  }

  private async ensureSubscriber(topics: string[]): Promise<void> {
    if (!this.sub) {
      const all = [...topics, TOPIC.eventPrefix('handoff.')];
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
      this.opts.stdout.write(Buffer.from(msg.data));
      return;
    }
    // A limited agent that exits in a relay session is followed by a handoff, not the end.
    if (msg.exit.reason === 'rate_limited' && this.relaySession) return;
    this.finish?.({ kind: 'exited', code: exitCode(msg.exit) });
  }

  private event(e: EventRecord): void {
    const p = e.payload as {
      relaySession?: string;
      from?: string;
      toAgent?: string | null;
      trigger?: string;
      resumeAt?: number;
      reason?: string;
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
      const at = p.resumeAt ? new Date(p.resumeAt).toLocaleTimeString() : 'the earliest reset';
      this.banner(`every agent in the order is limited; resuming at ${at} (${this.opts.detachKeyName} detaches)`);
    } else if (e.type === 'handoff.failed') {
      this.banner(`handoff failed: ${p.reason ?? 'unknown reason'}`);
    }
  }

  private banner(text: string): void {
    this.opts.stdout.write(`\r\n\x1b[7m[relay] ${text}\x1b[0m\r\n`);
  }

  private async switchTo(agentId: string, banner: string): Promise<void> {
    const old = this.current;
    // Keystrokes from here on are for the new agent (its PTY holds them until it reads).
    this.current = agentId;
    this.lastSeq = -1;
    // Before the redraw, so a log of piped output shows where one agent ended and the next began.
    this.banner(banner);
    if (old) {
      this.sub?.unsubscribe(ptyTopic(old));
      await this.opts.client.request('agent.detach', { id: old, client: this.clientId }).catch(() => undefined);
    }
    await this.attach(agentId, false);
    // A terminal was cleared for the new agent's screen: say it again, below it.
    if (this.opts.stdout.isTTY) this.banner(banner);
  }

  /** Attach to `agentId`. With the whole stream received since before it started, no screen redraw is needed. */
  private async attach(agentId: string, fromStart: boolean): Promise<void> {
    this.current = agentId;
    this.lastSeq = -1;
    const early = this.buffered.filter((b) => b.topic === ptyTopic(agentId)).map((b) => b.msg);
    this.buffered = [];
    await this.ensureSubscriber([ptyTopic(agentId)]);
    if (this.wholeStream) {
      this.sub?.unsubscribe('pty:');
      this.wholeStream = false;
    }
    const { cols, rows } = size(this.opts.stdout);
    const r = await this.opts.client.request('agent.attach', { id: agentId, client: this.clientId, cols, rows });
    this.relaySession ??= r.agent.relaySession;
    if (fromStart) {
      this.lastSeq = 0;
      for (const m of early) this.apply(m);
    } else {
      if (this.opts.stdout.isTTY) this.opts.stdout.write('\x1b[H\x1b[2J');
      this.opts.stdout.write(r.screen);
      this.lastSeq = r.seq;
    }
    const pending = this.buffered;
    this.buffered = [];
    for (const b of pending) if (b.topic === ptyTopic(agentId)) this.apply(b.msg);
    if (r.agent.exit && !(r.agent.exit.reason === 'rate_limited' && this.relaySession)) {
      this.finish?.({ kind: 'exited', code: exitCode(r.agent.exit) });
    }
  }

  /** Drive the terminal until the agent exits or the user detaches. */
  async run(agentId: string, opts: { fromStart: boolean }): Promise<AttachOutcome> {
    const { stdin, stdout, client } = this.opts;
    const outcome = new Promise<AttachOutcome>((resolve) => (this.finish = resolve));
    let lastByte = 0x0a;
    const send = (data: Buffer | string): void => {
      if (data.length > 0) lastByte = typeof data === 'string' ? data.charCodeAt(data.length - 1) : data[data.length - 1]!;
      if (this.current) void client.request('agent.input', { id: this.current, data }).catch(() => undefined);
    };
    const onInput = (chunk: Buffer): void => {
      const at = this.opts.detachKey === null ? -1 : chunk.indexOf(this.opts.detachKey);
      if (at < 0) return send(chunk);
      if (at > 0) send(chunk.subarray(0, at));
      this.finish?.({ kind: 'detached', agentId: this.current ?? agentId });
    };
    // A pipe that ends is a Ctrl+D to the program, as if typed at a terminal. After a partial
    // line the first Ctrl+D only hands that line over; a second one is the end of input.
    const onEnd = (): void => send(lastByte === 0x0a || lastByte === 0x0d ? '\x04' : '\x04\x04');
    const onResize = (): void => {
      const { cols, rows } = size(stdout);
      if (this.current) void client.request('agent.resize', { id: this.current, cols, rows }).catch(() => undefined);
    };
    const wasRaw = stdin.isTTY ? stdin.isRaw : false;
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onInput);
    stdin.on('end', onEnd);
    stdout.on('resize', onResize);
    let lost = false;
    const keepalive = setInterval(() => {
      if (!this.current) return;
      client.request('agent.keepalive', { id: this.current, client: this.clientId }, 2_000).catch(() => {
        lost = true;
        this.finish?.({ kind: 'exited', code: 1 });
      });
    }, KEEPALIVE_MS);
    try {
      await this.attach(agentId, opts.fromStart);
      const result = await outcome;
      if (lost) this.banner('lost the daemon; the agent may still be running (relay ps)');
      return result;
    } finally {
      clearInterval(keepalive);
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
      stdout.off('resize', onResize);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
      if (this.current) await client.request('agent.detach', { id: this.current, client: this.clientId }, 1_000).catch(() => undefined);
      await this.sub?.close();
    }
  }

  /** Release the event socket when `run` was never reached (the agent failed to start). */
  async close(): Promise<void> {
    await this.sub?.close();
  }

  get agentId(): string | null {
    return this.current;
  }
}
