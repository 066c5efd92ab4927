/**
 * The daemon's end of the hook socket (`run/hook.sock`): newline-delimited JSON, one hook event
 * per line, each answered `ok` once handled (or `error <reason>`). Plain `node:net` because the
 * other end is `relay hook`, which runs inside an agent's loop and cannot afford to load ZeroMQ.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { FILE_MODE } from '../../platform/paths.js';

/** A line longer than this is not a hook event (the hook caps payloads far below it). */
const MAX_LINE_BYTES = 2 * 1024 * 1024;

export type LineHandler = (line: string) => Promise<void>;

export class HookSocketServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly path: string,
    private readonly handle: LineHandler,
  ) {
    this.server = createServer((socket) => this.connection(socket));
  }

  /** Bind, replacing a stale socket file (only the lock-holding daemon calls this). */
  async listen(): Promise<void> {
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

  private connection(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
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
        chain = chain.then(async () => {
          try {
            await this.handle(line);
            if (!socket.destroyed) socket.write('ok\n');
          } catch (e) {
            if (!socket.destroyed) socket.write(`error ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 200)}\n`);
          }
        });
      }
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
