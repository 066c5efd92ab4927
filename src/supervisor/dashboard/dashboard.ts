/**
 * The dashboard as a daemon service: off until `relay dashboard` asks, then on for the
 * daemon's life. Its port and token are kept in run/dashboard.json (0600), so a restarted
 * daemon serves it again at the same address with the same token: an open page reconnects and
 * resumes from its last event instead of going blank. `relay dashboard --stop` turns it off
 * and forgets both.
 */
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from '../../platform/atomicWrite.js';
import type { RelayPaths } from '../../platform/paths.js';
import type { DashboardInfo } from '../../protocol/dashboardProtocol.js';
import { newDashboardToken } from './dashboardAuth.js';
import { DashboardServer, type DashboardReads } from './dashboardServer.js';
import type { EventFeed } from './eventStream.js';

interface SavedState {
  port: number;
  token: string;
}

export interface DashboardDeps {
  paths: RelayPaths;
  now: () => number;
  feed: EventFeed;
  reads: DashboardReads;
  onError: (what: string, e: Error) => void;
}

export class Dashboard {
  private server: DashboardServer | undefined;
  private startedAt = 0;
  private token: string | undefined;

  constructor(private readonly deps: DashboardDeps) {}

  /** Serve it (on `port`, else where it was, else a free port) and answer its address. */
  async open(port?: number): Promise<DashboardInfo> {
    const saved = this.saved();
    this.token ??= saved?.token ?? newDashboardToken();
    if (this.server && (port === undefined || port === this.server.port)) return this.info();
    await this.close();
    const server = new DashboardServer({
      port: port ?? saved?.port ?? 0,
      token: this.token,
      feed: this.deps.feed,
      reads: this.deps.reads,
      onError: this.deps.onError,
    });
    const bound = await server.listen();
    this.server = server;
    this.startedAt = this.deps.now();
    writeFileAtomicSync(this.deps.paths.dashboardState, `${JSON.stringify({ port: bound, token: this.token })}\n`);
    return this.info();
  }

  /** At daemon start: serve it again if it was on. A port taken meanwhile is logged, not fatal. */
  async restore(): Promise<void> {
    if (!this.saved()) return;
    try {
      await this.open();
    } catch (e) {
      this.deps.onError('dashboard restore', e as Error);
    }
  }

  /** Turn it off and forget its port and token. */
  async stop(): Promise<boolean> {
    const was = this.server !== undefined;
    await this.close();
    rmSync(this.deps.paths.dashboardState, { force: true });
    this.token = undefined;
    return was;
  }

  /** Stop serving (the daemon stops); the saved state stays for the next daemon. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await s?.close();
  }

  private info(): DashboardInfo {
    const port = this.server!.port;
    return { url: `http://127.0.0.1:${port}/?token=${this.token}`, port, startedAt: this.startedAt };
  }

  private saved(): SavedState | undefined {
    try {
      const v = JSON.parse(readFileSync(this.deps.paths.dashboardState, 'utf8')) as Partial<SavedState>;
      if (typeof v.token === 'string' && v.token.length >= 32 && Number.isInteger(v.port) && v.port! > 0 && v.port! < 65536) {
        return { port: v.port!, token: v.token };
      }
    } catch {
      // None, or unreadable: a fresh token and port.
    }
    return undefined;
  }
}
