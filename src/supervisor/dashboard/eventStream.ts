/**
 * One page's live feed of the event log, as server-sent events. Each event goes out with its
 * seq as the SSE `id`, so a browser that reconnects (the daemon restarted, the laptop slept)
 * sends `Last-Event-ID` and is sent exactly what it missed from the log, then live events.
 *
 * No gap and no duplicate, as `daemon tail`: the live listener is registered before the replay
 * starts, live events that arrive meanwhile wait in a queue, and anything at or below the
 * replay's cursor is dropped. A page that cannot keep up is cut off rather than buffered
 * without bound: it reconnects with its last id and the log gives it the rest.
 */
import type { ServerResponse } from 'node:http';
import type { EventRecord } from '../../protocol/eventRecord.js';

export interface EventFeed {
  /** Committed events with seq > since, oldest first. */
  since(since: number, limit: number): EventRecord[];
  /** The newest seq assigned (queued events are flushed before a replay). */
  lastSeq(): number;
  flush(): void;
  /** Called with each event once committed, in seq order; returns the unsubscribe. */
  onEvent(listener: (record: EventRecord) => void): () => void;
}

/** A page opened without a position sees this many recent events first. */
export const RECENT_EVENTS = 300;
const REPLAY_PAGE = 1_000;
/** Beyond this much unsent output the page is cut off; it comes back with Last-Event-ID. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Keeps idle connections (and proxies in between) from timing out; also how a dead peer is found. */
const HEARTBEAT_MS = 15_000;
/** How soon EventSource retries after a lost connection. */
const RETRY_MS = 1_000;

/** Where a connecting page resumes: its Last-Event-ID, else `?since=`, else the recent tail. */
export function resumePoint(lastEventId: string | undefined, sinceParam: string | null, lastSeq: number): number {
  for (const v of [lastEventId, sinceParam ?? undefined]) {
    if (v !== undefined && /^\d+$/.test(v.trim())) return Math.min(Number(v), lastSeq);
  }
  return Math.max(0, lastSeq - RECENT_EVENTS);
}

export class EventStream {
  private cursor: number;
  private pending: EventRecord[] | null = [];
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    private readonly feed: EventFeed,
    from: number,
    private readonly onClose: (s: EventStream) => void,
  ) {
    this.cursor = from;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);
    this.unsubscribe = feed.onEvent((r) => this.live(r));
    this.heartbeat = setInterval(() => this.write(': ping\n\n'), HEARTBEAT_MS);
    this.heartbeat.unref();
    res.on('close', () => this.close());
  }

  /** Replay from the log, then switch to live. */
  async start(): Promise<void> {
    this.feed.flush();
    for (;;) {
      if (this.closed) return;
      const page = this.feed.since(this.cursor, REPLAY_PAGE);
      for (const r of page) this.send(r);
      if (page.length < REPLAY_PAGE) break;
      // Let the socket drain between pages of a long replay.
      await new Promise<void>((r) => setImmediate(r));
    }
    const queued = this.pending ?? [];
    this.pending = null;
    for (const r of queued) this.send(r);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unsubscribe();
    this.res.end();
    this.onClose(this);
  }

  private live(r: EventRecord): void {
    if (this.pending) this.pending.push(r);
    else this.send(r);
  }

  private send(r: EventRecord): void {
    if (r.seq <= this.cursor) return;
    this.cursor = r.seq;
    this.write(`id: ${r.seq}\ndata: ${JSON.stringify(r)}\n\n`);
  }

  private write(chunk: string): void {
    if (this.closed) return;
    this.res.write(chunk);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.close();
  }
}
