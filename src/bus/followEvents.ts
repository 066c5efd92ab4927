/**
 * Read the event log from a sequence number and then follow it live, with no gap and no
 * duplicate at the seam. The subscription is made live first (proved by a sync token echoed on
 * the event socket), then the history is replayed; live events at or below the replayed cursor
 * are dropped, and a hole in the live sequence is filled from the log.
 */
import type { RelayPaths } from '../platform/paths.js';
import type { EventRecord } from '../protocol/eventRecord.js';
import { BusClient } from './busClient.js';
import { EventSubscriber } from './eventSubscriber.js';
import { TOPIC } from '../protocol/requests.js';

interface FollowOptions {
  /**
   * Yield events with seq greater than this; or, when `last` is given, the last `last` events
   * (of `typePrefix`, when given: the last 20 handoffs, not the handoffs among the last 20).
   */
  since?: number;
  last?: number;
  typePrefix?: string;
  /** Keep following after the replay (default true). */
  follow?: boolean;
  signal?: AbortSignal;
}

const PAGE = 5_000;

export async function* followEvents(paths: RelayPaths, opts: FollowOptions): AsyncGenerator<EventRecord> {
  const follow = opts.follow ?? true;
  const prefix = opts.typePrefix ?? '';
  const client = new BusClient(paths);
  const live: EventRecord[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const sub = follow
    ? new EventSubscriber(paths, [TOPIC.eventPrefix(prefix)], (_topic, value) => {
        live.push(value as EventRecord);
        wake?.();
      })
    : undefined;
  let resync = false;
  sub?.onReconnect(() => {
    resync = true;
    wake?.();
  });
  const onAbort = (): void => {
    ended = true;
    wake?.();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });

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
    if (sub) await sub.live(client);
    let cursor = opts.since ?? 0;
    if (opts.last !== undefined) {
      const { lastSeq } = await client.request('events.replay', { since: Number.MAX_SAFE_INTEGER, limit: 1 });
      cursor = Math.max(0, lastSeq - opts.last);
      if (prefix && opts.last > 0) {
        // Seqs of one type are not consecutive: find where its last `last` begin (the log is
        // indexed by type, so this reads only events of that type).
        const seqs: number[] = [];
        for await (const e of replay(0)) {
          seqs.push(e.seq);
          if (seqs.length > opts.last) seqs.shift();
        }
        cursor = seqs.length < opts.last ? 0 : seqs[0]! - 1;
      } else if (prefix) {
        cursor = lastSeq;
      }
    }
    for await (const e of replay(cursor)) {
      if (ended) return;
      cursor = e.seq;
      yield e;
    }
    while (follow && !ended) {
      if (resync) {
        // The daemon restarted: make the subscription live again, then read what was missed.
        resync = false;
        await sub!.live(client);
        for await (const missed of replay(cursor)) {
          cursor = missed.seq;
          yield missed;
        }
        continue;
      }
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
    await sub?.close();
    await client.close();
  }
}
