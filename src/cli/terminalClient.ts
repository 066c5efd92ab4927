/**
 * Puts an agent's attachment (client/agentAttachment.ts) on this terminal: its output to stdout,
 * stdin (raw, when a TTY) and window size changes to the agent, the detach key honoured, and a
 * one-line banner when a relay session hands off. Ends when the agent exits (with its exit code)
 * or on detach.
 */
import { constants } from 'node:os';
import type { BusClient } from '../bus/busClient.js';
import { AgentAttachment, type AttachmentEnd } from '../client/agentAttachment.js';
import type { RelayPaths } from '../platform/paths.js';

/** A failed keystroke is reported at most this often: a daemon that stalls fails many in a row. */
const SEND_ERROR_EVERY_MS = 1_000;

/**
 * How `run` ended: the agent's exit code, a detach, or the daemon's end under it — stopped
 * (`relay daemon stop`: the agent was stopped with it) or lost (a crash: the agent's fate is
 * unknown).
 */
export type AttachOutcome =
  | { kind: 'exited'; code: number }
  | { kind: 'detached'; agentId: string }
  | { kind: 'daemonStopped'; agentId: string; reason: string }
  | { kind: 'daemonLost'; agentId: string | null };

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
 * A terminal attached to an agent. Create it, call `subscribeAll()` before starting an agent
 * (so its first byte is not missed), then `run(agentId)`.
 */
export class TerminalClient {
  private readonly attachment: AgentAttachment;
  private lastSendError = 0;

  constructor(private readonly opts: TerminalClientOptions) {
    const { stdout } = opts;
    this.attachment = new AgentAttachment({
      paths: opts.paths,
      client: opts.client,
      size: () => size(stdout),
      detachKeyName: opts.detachKeyName,
      view: {
        output: (data) => stdout.write(Buffer.from(data)),
        redraw: (screen, banner) => {
          if (stdout.isTTY) stdout.write('\x1b[H\x1b[2J');
          stdout.write(screen);
          // A terminal was cleared for the new agent's screen: say it again, below it.
          if (banner && stdout.isTTY) this.banner(banner);
        },
        banner: (text) => this.banner(text),
      },
      onSendError: (what, e) => {
        const now = Date.now();
        if (now - this.lastSendError < SEND_ERROR_EVERY_MS) return;
        this.lastSendError = now;
        this.banner(`${what === 'input' ? 'a keystroke' : 'a window resize'} did not reach the agent: ${e instanceof Error ? e.message : String(e)}`);
      },
    });
  }

  /** The relay session whose handoffs this terminal follows (null: none). */
  set relaySession(id: string | null) {
    this.attachment.relaySession = id;
  }

  /** Receive every agent's output until `run` narrows it: no byte of a new agent is missed. */
  subscribeAll(): Promise<void> {
    return this.attachment.subscribeAll();
  }

  private banner(text: string): void {
    this.opts.stdout.write(`\r\n\x1b[7m[relay] ${text}\x1b[0m\r\n`);
  }

  /** Drive the terminal until the agent exits or the user detaches. */
  async run(agentId: string, opts: { fromStart: boolean }): Promise<AttachOutcome> {
    const { stdin, stdout } = this.opts;
    const attachment = this.attachment;
    let lastByte = 0x0a;
    const send = (data: Buffer | string): void => {
      if (data.length > 0) lastByte = typeof data === 'string' ? data.charCodeAt(data.length - 1) : data[data.length - 1]!;
      attachment.send(data);
    };
    const onInput = (chunk: Buffer): void => {
      const at = this.opts.detachKey === null ? -1 : chunk.indexOf(this.opts.detachKey);
      if (at < 0) return send(chunk);
      if (at > 0) send(chunk.subarray(0, at));
      attachment.detach();
    };
    // A pipe that ends is a Ctrl+D to the program, as if typed at a terminal. After a partial
    // line the first Ctrl+D only hands that line over; a second one is the end of input.
    const onEnd = (): void => send(lastByte === 0x0a || lastByte === 0x0d ? '\x04' : '\x04\x04');
    const onResize = (): void => attachment.resize();
    const wasRaw = stdin.isTTY ? stdin.isRaw : false;
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onInput);
    stdin.on('end', onEnd);
    stdout.on('resize', onResize);
    try {
      const end: AttachmentEnd = await attachment.follow(agentId, opts.fromStart);
      if (end.kind === 'exited') {
        // Stopped from outside (relay stop): the user did not quit it here, so say who did.
        if (end.exit.reason === 'user_quit') this.banner(`${end.agentId} was stopped (relay stop or its relay session)`);
        return { kind: 'exited', code: exitCode(end.exit) };
      }
      if (end.kind === 'detached' || end.kind === 'daemonStopped') return end;
      return { kind: 'daemonLost', agentId: end.agentId };
    } finally {
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
      stdout.off('resize', onResize);
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
      stdin.pause();
      await attachment.close();
    }
  }

  /** Release the event socket when `run` was never reached (the agent failed to start). */
  close(): Promise<void> {
    return this.attachment.close();
  }

  /** What the user presses to detach, as said to them (`Ctrl+]`). */
  get detachKeyName(): string {
    return this.opts.detachKeyName;
  }

  get agentId(): string | null {
    return this.attachment.agentId;
  }
}
