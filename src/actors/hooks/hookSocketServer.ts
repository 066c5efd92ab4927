/**
 * The daemon's end of the hook socket (`run/hook.sock`): newline-delimited JSON, one hook event
 * per line, each answered `ok` once handled (or `error <reason>`). Plain `node:net` because the
 * other end is `relay hook`, which runs inside an agent's loop and cannot afford to load ZeroMQ.
 */
import { chmodSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { FILE_MODE, lstatOrNull } from '../../platform/paths.js';
import { kindOf } from '../../hooks/regularFile.js';

/** A line longer than this is not a hook event (the hook caps payloads far below it). */
const MAX_LINE_BYTES = 2 * 1024 * 1024;
/**
 * A hook writes its line as soon as it connects and waits at most a few hundred ms for the
 * answer; a connection quiet this long with no line being handled is not a hook any more.
 */
const IDLE_TIMEOUT_MS = 3_000;
/**
 * Connections held at once. Far above any burst of real hooks (each lives for milliseconds);
 * a client holding more — idle sockets never closed — would otherwise cost the daemon an fd each.
 */
const MAX_CONNECTIONS = 256;

export type LineHandler = (line: string) => Promise<void>;

export interface HookSocketOptions {
  idleTimeoutMs?: number;
  maxConnections?: number;
  /** Told (one line) when something other than a stale socket was in the way and moved aside. */
  refused?: (text: string) => void;
}

interface Connection {
  /** Lines read and not yet answered: while any is, the connection is not idle. */
  pending: number;
}

export class HookSocketServer {
  private readonly server: Server;
  /** In the order they were accepted: the first is the oldest. */
  private readonly sockets = new Map<Socket, Connection>();
  private readonly idleTimeoutMs: number;
  private readonly maxConnections: number;
  private readonly refused: (text: string) => void;

  constructor(
    private readonly path: string,
    private readonly handle: LineHandler,
    opts: HookSocketOptions = {},
  ) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    this.maxConnections = opts.maxConnections ?? MAX_CONNECTIONS;
    this.refused = opts.refused ?? (() => undefined);
    this.server = createServer((socket) => this.connection(socket));
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Bind, replacing a stale socket file (only the lock-holding daemon calls this). */
  async listen(): Promise<void> {
    const st = lstatOrNull(this.path);
    if (st && !st.isSocket() && !st.isSymbolicLink()) {
      // A directory would make the removal (and so every restart of the actor) fail, and a file
      // may be someone's: neither is ours to delete.
      const aside = `${this.path}.${Date.now()}.${process.pid}.refused`;
      renameSync(this.path, aside);
      this.refused(`${basename(this.path)} was ${kindOf(st)}, not a socket; moved aside to ${basename(aside)}`);
    }
    rmSync(this.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.path, FILE_MODE);
  }

  /**
   * At the cap, the oldest connection with nothing in hand makes room: a new connection is most
   * likely a hook with its line on the way, an old quiet one most likely not a hook at all.
   * When every connection is busy the new one is turned away (its hook spools the event).
   */
  private makeRoom(): boolean {
    if (this.sockets.size < this.maxConnections) return true;
    for (const [socket, conn] of this.sockets) {
      if (conn.pending === 0) {
        this.drop(socket);
        return true;
      }
    }
    return false;
  }

  /** Forget and close: its fd goes now, not when the peer gets round to it. */
  private drop(socket: Socket): void {
    this.sockets.delete(socket);
    socket.destroy();
  }

  private connection(socket: Socket): void {
    if (!this.makeRoom()) {
      socket.destroy();
      return;
    }
    const conn: Connection = { pending: 0 };
    this.sockets.set(socket, conn);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => this.drop(socket));
    // Fires after this long without traffic either way; a line still being handled keeps it
    // (its answer comes when the event is committed).
    socket.setTimeout(this.idleTimeoutMs);
    socket.on('timeout', () => {
      if (conn.pending === 0) this.drop(socket);
      // Not re-armed by itself once fired: the idle clock restarts from now.
      else socket.setTimeout(this.idleTimeoutMs);
    });
    socket.setEncoding('utf8');
    let buf = '';
    // Lines are handled one after another, so events from one hook keep their order.
    let chain = Promise.resolve();
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_LINE_BYTES) {
        socket.end('error line too long\n');
        buf = '';
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        conn.pending++;
        chain = chain.then(async () => {
          try {
            await this.handle(line);
            if (!socket.destroyed) socket.write('ok\n');
          } catch (e) {
            if (!socket.destroyed) socket.write(`error ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 200)}\n`);
          } finally {
            conn.pending--;
            // Idle from its answer on.
            if (conn.pending === 0 && !socket.destroyed) socket.setTimeout(this.idleTimeoutMs);
          }
        });
      }
    });
  }

  async close(): Promise<void> {
    for (const s of [...this.sockets.keys()]) this.drop(s);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
