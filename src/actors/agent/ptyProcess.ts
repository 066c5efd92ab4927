/**
 * One agent process in a pseudo-terminal, owned by the daemon so it outlives the terminal that
 * started it. Output goes to the screen model, the caller (bus, detector) and a size-rotated log;
 * the child leads its own session and process group (node-pty calls setsid), so stopping it
 * signals the whole group and sweeps descendants that left it.
 */
import pty from '@lydell/node-pty';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { constants } from 'node:os';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import { basename, dirname } from 'node:path';
import { FILE_MODE } from '../../platform/paths.js';
import { redactText } from '../../platform/redact.js';
import { trackGroup, untrackGroup } from '../../platform/processGroups.js';
import { terminateTree } from '../../platform/processTree.js';
import { ScreenModel } from './screenModel.js';

/** 5 MB per agent log file, 3 kept: the recent history of a session, bounded on disk. */
const LOG_SIZE = '5M';
const LOG_FILES = 3;

export interface PtyExit {
  code: number | null;
  signal: string | null;
}

export interface PtyProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  cols: number;
  rows: number;
  logFile: string;
  /** Every chunk of output as it is read (for the limit detector). */
  onOutput: (data: Buffer) => void;
  /**
   * Output gathered over one turn of the event loop, with the sequence number of its last
   * chunk: one bus message and one log write per turn instead of one per 4 KB read.
   */
  onFlush: (data: Buffer, seq: number) => void;
}

/**
 * Open the PTY's slave side in the daemon too. Linux answers reads on the master with EIO as soon
 * as the last slave descriptor closes, discarding output the child wrote just before it exited
 * (node-pty issue #72): a build that prints a lot and exits would lose its last lines. With one
 * more descriptor held here, the master is drained to the end; node-pty ends the session 200 ms
 * after the child's exit. O_NOCTTY: the daemon must not acquire the terminal as its own.
 */
function holdSlave(proc: pty.IPty): number | undefined {
  const name = (proc as unknown as { ptsName?: string }).ptsName;
  if (!name) return undefined;
  try {
    return openSync(name, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  } catch {
    return undefined;
  }
}

const SIGNAL_NAMES = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

export class PtyProcess {
  readonly pid: number;
  readonly screen: ScreenModel;
  /** Resolves once when the process has exited. */
  readonly exited: Promise<PtyExit>;
  /** Sequence number of the last output chunk. */
  seq = 0;
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private readonly proc: pty.IPty;
  private readonly log: RotatingFileStream;
  private readonly decoder = new TextDecoder('utf-8');
  private attachedClients = 0;
  private ended = false;
  private stopping: Promise<PtyExit> | undefined;
  private slaveFd: number | undefined;

  constructor(private readonly opts: PtyProcessOptions) {
    this.log = createStream(basename(opts.logFile), {
      path: dirname(opts.logFile),
      size: LOG_SIZE,
      maxFiles: LOG_FILES,
      mode: FILE_MODE,
    });
    this.log.on('error', () => undefined);
    this.screen = new ScreenModel(opts.cols, opts.rows, (reply) => {
      // A real attached terminal answers queries itself; answering too would send two replies.
      if (this.attachedClients === 0 && !this.ended) this.proc.write(reply);
    });
    // encoding null: raw bytes, so output reaches clients exactly as the program wrote it.
    this.proc = pty.spawn(opts.command, opts.args, {
      name: 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env as Record<string, string>,
      encoding: null,
    } as pty.IPtyForkOptions);
    this.pid = this.proc.pid;
    trackGroup(this.pid);
    this.slaveFd = holdSlave(this.proc);
    this.proc.onData((chunk: string | Buffer) => this.output(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.ended = true;
        untrackGroup(this.pid);
        if (this.slaveFd !== undefined) closeSync(this.slaveFd);
        this.slaveFd = undefined;
        const name = signal ? (SIGNAL_NAMES.get(signal) ?? `SIG${signal}`) : null;
        this.flush();
        this.log.end();
        resolve({ code: name ? null : exitCode, signal: name });
      });
    });
  }

  /** Decoded text of the output (for the limit detector), kept across chunk boundaries. */
  decode(chunk: Buffer): string {
    return this.decoder.decode(chunk, { stream: true });
  }

  private output(chunk: Buffer): void {
    this.seq++;
    this.screen.write(chunk);
    this.opts.onOutput(chunk);
    this.pending.push(chunk);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Hand over the output gathered since the last flush. Also called before the screen is
   * serialized for an attaching client, so that every chunk up to `seq` has been published.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    this.pending = [];
    this.opts.onFlush(data, this.seq);
    if (!this.log.destroyed) this.log.write(redactText(data.toString('utf8')));
  }

  /** How many clients are attached; while none are, the screen model answers terminal queries. */
  setAttached(count: number): void {
    this.attachedClients = count;
  }

  write(data: string | Uint8Array): void {
    if (this.ended) return;
    // node-pty's typings say string, but it writes to a socket that takes bytes: keystrokes that
    // are not valid UTF-8 (Alt+key in some terminals) must pass through unchanged.
    this.proc.write((typeof data === 'string' ? data : Buffer.from(data)) as unknown as string);
  }

  resize(cols: number, rows: number): void {
    if (this.ended || cols < 1 || rows < 1) return;
    this.proc.resize(cols, rows);
    this.screen.resize(cols, rows);
  }

  /** SIGTERM the process group, SIGKILL after `graceMs`, sweep setsid'd descendants. */
  stop(graceMs: number): Promise<PtyExit> {
    this.stopping ??= (async () => {
      if (!this.ended) await terminateTree({ pid: this.pid, exited: this.exited, graceMs });
      return this.exited;
    })();
    return this.stopping;
  }

  dispose(): void {
    this.screen.dispose();
    if (!this.log.destroyed) this.log.end();
  }
}
