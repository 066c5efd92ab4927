/**
 * Read the event log from a sequence number and then follow it live, with no gap and no
 * duplicate at the seam. The subscription is made live first (proved by a sync token echoed on
 * the event socket), then the history is replayed; live events at or below the replayed cursor
 * are dropped, and a hole in the live sequence is filled from the log.
 */
import { randomUUID } from 'node:crypto';
import type { RelayPaths } from '../platform/paths.js';
import { RelayError } from '../platform/errors.js';
import type { EventRecord } from '../store/eventRecord.js';
import { BusClient } from './busClient.js';
import { EventSubscriber } from './eventSubscriber.js';
import { TOPIC } from './protocol.js';

export interface FollowOptions {
  /** Yield events with seq greater than this. Negative: the last `-since` events. */
  since: number;
  typePrefix?: string;
  /** Keep following after the replay (default true). */
  follow?: boolean;
  signal?: AbortSignal;
}

const PAGE = 5_000;
/** A new subscription usually goes live in well under 10 ms; ask again this often until it does. */
const SYNC_RETRY_MS = 50;
const SYNC_TIMEOUT_MS = 5_000;

export async function* followEvents(paths: RelayPaths, opts: FollowOptions): AsyncGenerator<EventRecord> {
  const follow = opts.follow ?? true;
  const prefix = opts.typePrefix ?? '';
  const client = new BusClient(paths);
  const token = randomUUID();
  const sub = follow ? new EventSubscriber(paths, [TOPIC.eventPrefix(prefix), TOPIC.sync(token)]) : undefined;
  const live: EventRecord[] = [];
  let wake: (() => void) | undefined;
  let synced = false;
  let ended = false;
  const onAbort = (): void => {
    ended = true;
    sub?.close();
    wake?.();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const reader = (async () => {
    if (!sub) return;
    for await (const [topic, value] of sub.messages()) {
      if (topic.startsWith('sync:')) synced = true;
      else live.push(value as EventRecord);
      wake?.();
    }
  })();

  const replay = async function* (from: number): AsyncGenerator<EventRecord> {
    let cursor = from;
    for (;;) {
      const page = await client.request('events.replay', { since: cursor, ...(prefix ? { typePrefix: prefix } : {}), limit: PAGE });
      for (const e of page.events) yield e;
      if (page.events.length < PAGE) return;
      cursor = page.events[page.events.length - 1]!.seq;
    }
  };

  try {
    if (sub) {
      const deadline = Date.now() + SYNC_TIMEOUT_MS;
      while (!synced && !ended) {
        await client.request('events.sync', { token });
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, SYNC_RETRY_MS);
        });
        if (Date.now() > deadline && !synced) {
          throw new RelayError('E_TIMEOUT', 'could not subscribe to the daemon event stream', {
            hint: 'restart the daemon: relay daemon restart',
          });
        }
      }
      sub.unsubscribe(TOPIC.sync(token));
    }
    let cursor = opts.since;
    if (cursor < 0) {
      const { lastSeq } = await client.request('events.replay', { since: Number.MAX_SAFE_INTEGER, limit: 1 });
      cursor = Math.max(0, lastSeq + cursor);
    }
    for await (const e of replay(cursor)) {
      if (ended) return;
      cursor = e.seq;
      yield e;
    }
    while (follow && !ended) {
      const e = live.shift();
      if (!e) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      if (e.seq <= cursor) continue;
      if (!prefix && e.seq > cursor + 1) {
        // A hole: the event socket dropped something (a slow reader); the log has it.
        for await (const missed of replay(cursor)) {
          if (missed.seq >= e.seq) break;
          cursor = missed.seq;
          yield missed;
        }
      }
      cursor = e.seq;
      yield e;
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    sub?.close();
    await client.close();
    await reader.catch(() => undefined);
  }
}
