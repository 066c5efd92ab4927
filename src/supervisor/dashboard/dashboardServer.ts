/**
 * The dashboard's HTTP server, in the daemon: the page and its assets, JSON reads of the
 * daemon's state under /api/, and the event log as server-sent events under /events. Bound to
 * 127.0.0.1 only; every request passes the Host and token checks of dashboardAuth.ts. It only
 * reads: nothing here changes the daemon's state, so a request that slipped through could at
 * worst read what `relay` itself shows.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RelayError } from '../../platform/errors.js';
import { assetBytes, DASHBOARD_ASSETS } from './dashboardAssets.js';
import { cookieName, cookieValue, hostAllowed, sameToken, sessionCookie } from './dashboardAuth.js';
import { EventStream, resumePoint, type EventFeed } from './eventStream.js';

/** A read the page may make: `/api/<name>`, answered as JSON. */
export type DashboardReads = Record<string, (query: URLSearchParams) => unknown>;

export interface DashboardServerOptions {
  port: number;
  token: string;
  feed: EventFeed;
  reads: DashboardReads;
  /** A read that failed: logged by the daemon (never with the request's query: it may hold the token). */
  onError: (what: string, e: Error) => void;
}

/** No inline script, nothing from elsewhere, no framing, no referrer (the first URL carries the token). */
const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

export class DashboardServer {
  private server: Server | undefined;
  private readonly streams = new Set<EventStream>();

  constructor(private readonly opts: DashboardServerOptions) {}

  get port(): number {
    return this.opts.port;
  }

  /** Listen on 127.0.0.1; `port` 0 takes a free one. A taken port is one clear error. */
  async listen(): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE'
            ? new RelayError('E_USAGE', `port ${this.opts.port} is in use`, { hint: 'pick another with relay dashboard --port N' })
            : e,
        ),
      );
      server.listen({ host: '127.0.0.1', port: this.opts.port }, () => resolve());
    });
    this.server = server;
    this.opts.port = (server.address() as AddressInfo).port;
    return this.opts.port;
  }

  async close(): Promise<void> {
    for (const s of [...this.streams]) s.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { port, token } = this.opts;
    if (!hostAllowed(req.headers.host, port)) return plain(res, 403, 'relay dashboard: only http://127.0.0.1 or http://localhost may ask\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'relay dashboard: read-only\n', { Allow: 'GET, HEAD' });
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const given = url.searchParams.get('token');
    if (given !== null) {
      if (!sameToken(given, token)) return unauthorized(res);
      // The token leaves the address bar (and history) at once; from now on the cookie carries it.
      url.searchParams.delete('token');
      res.writeHead(303, { ...SECURITY_HEADERS, 'Set-Cookie': sessionCookie(port, token), Location: url.pathname + url.search });
      res.end();
      return;
    }
    if (!sameToken(cookieValue(req.headers.cookie, cookieName(port)), token)) return unauthorized(res);

    if (url.pathname === '/events') return this.openStream(req, res, url);
    if (url.pathname.startsWith('/api/')) return this.read(res, url);
    const asset = DASHBOARD_ASSETS.get(url.pathname);
    if (!asset) return plain(res, 404, 'relay dashboard: no such page\n');
    try {
      const body = await assetBytes(asset);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      this.opts.onError(`asset ${url.pathname}`, e as Error);
      plain(res, 500, 'relay dashboard: a page file is missing from the installed package; reinstall relay\n');
    }
  }

  private openStream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const { feed } = this.opts;
    const lastId = req.headers['last-event-id'];
    const from = resumePoint(Array.isArray(lastId) ? lastId[0] : lastId, url.searchParams.get('since'), feed.lastSeq());
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const stream = new EventStream(res, feed, from, (s) => this.streams.delete(s));
    this.streams.add(stream);
    stream.start().catch((e: Error) => {
      this.opts.onError('event replay', e);
      stream.close();
    });
  }

  private async read(res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice('/api/'.length);
    const reader = Object.hasOwn(this.opts.reads, name) ? this.opts.reads[name] : undefined;
    if (!reader) return json(res, 404, { error: `no such read: ${name.slice(0, 60)}` });
    try {
      json(res, 200, await reader(url.searchParams));
    } catch (e) {
      const err = e as Error;
      this.opts.onError(`read ${name}`, err);
      json(res, 500, { error: err instanceof RelayError ? err.message : 'the daemon could not read this; see its log' });
    }
  }
}

function unauthorized(res: ServerResponse): void {
  plain(res, 401, 'relay dashboard: open the address `relay dashboard` prints (it carries the token)\n');
}

function plain(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...extra, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
