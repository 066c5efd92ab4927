/**
 * The `events` table: the daemon's event log, which `relay daemon tail` replays before it
 * follows live events. Writing is the hot path, so every statement is prepared once.
 */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';
import type { EventRecord } from '../protocol/eventRecord.js';

export interface SinceOptions {
  /** Only events whose type starts with this, taken literally (`_` and `%` are not wildcards). */
  typePrefix?: string;
  /** At most this many events, the oldest first. */
  limit?: number;
}

/** A row as stored: the payload is JSON text. */
interface EventRow {
  seq: number;
  at: number;
  type: string;
  actor: string;
  payload: string;
}

/** SQLite reads a negative LIMIT as "no limit". */
const NO_LIMIT = -1;

/**
 * The smallest string greater than every string that starts with `prefix`, in SQLite's
 * default BINARY order (UTF-8 bytes, which is code point order); null when there is none.
 * `type >= prefix AND type < bound` is then a prefix match the (type, seq) index can serve.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = (points.pop() ?? 0) + 1;
    if (last > 0x10ffff) continue; // no greater code point: carry into the one before
    // Surrogate code points do not occur in valid UTF-8; the next one after them is U+E000.
    points.push(last >= 0xd800 && last <= 0xdfff ? 0xe000 : last);
    return String.fromCodePoint(...points);
  }
  return null;
}

/** Reads and writes the `events` table. Holds prepared statements, so one per connection. */
export class EventsRepo {
  private readonly insertOne: Statement<[number, number, string, string, string]>;
  private readonly insertMany: (events: readonly EventRecord[]) => void;
  private readonly selectLastSeq: Statement<[], number | null>;
  private readonly selectSince: Statement<[number, number], EventRow>;
  private readonly selectSinceFrom: Statement<[number, string, number], EventRow>;
  private readonly selectSinceRange: Statement<[number, string, string, number], EventRow>;
  private readonly deleteBefore: Statement<[number]>;
  private readonly deleteAll: Statement<[]>;
  private selectHookId: Statement<[string], number> | undefined;

  constructor(private readonly db: Database) {
    this.insertOne = db.prepare('INSERT INTO events (seq, at, type, actor, payload) VALUES (?, ?, ?, ?, ?)');
    this.insertMany = db.transaction((events: readonly EventRecord[]) => {
      for (const e of events) this.insertOne.run(e.seq, e.at, e.type, e.actor, JSON.stringify(e.payload));
    });
    this.selectLastSeq = db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck();
    const columns = 'SELECT seq, at, type, actor, payload FROM events';
    this.selectSince = db.prepare(`${columns} WHERE seq > ? ORDER BY seq LIMIT ?`);
    this.selectSinceFrom = db.prepare(`${columns} WHERE seq > ? AND type >= ? ORDER BY seq LIMIT ?`);
    this.selectSinceRange = db.prepare(`${columns} WHERE seq > ? AND type >= ? AND type < ? ORDER BY seq LIMIT ?`);
    this.deleteBefore = db.prepare(
      'DELETE FROM events WHERE seq < (SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?)',
    );
    this.deleteAll = db.prepare('DELETE FROM events');
  }

  /**
   * Whether an event carrying this hook event id (payload `hookId`) is stored. Needs migration 5
   * (prepared on first use: a read-only reader of an older file never asks).
   */
  hasHookId(id: string): boolean {
    // Served by the partial unique index of migration 5 (the IS NOT NULL matches its WHERE).
    this.selectHookId ??= this.db.prepare<[string], number>('SELECT 1 FROM events WHERE hook_id = ? AND hook_id IS NOT NULL').pluck();
    return this.selectHookId.get(id) !== undefined;
  }

  /** The highest seq stored, 0 when the log is empty: the daemon continues from here. */
  lastSeq(): number {
    return this.selectLastSeq.get() ?? 0;
  }

  /**
   * Store events in one transaction: all of them or, on error (a repeated seq, a full disk),
   * none. Payloads are stored as JSON.
   */
  insertBatch(events: readonly EventRecord[]): void {
    if (events.length > 0) this.insertMany(events);
  }

  /** Events with seq greater than `seq`, in ascending seq order. */
  since(seq: number, opts: SinceOptions = {}): EventRecord[] {
    const limit = opts.limit ?? NO_LIMIT;
    const prefix = opts.typePrefix ?? '';
    let rows: EventRow[];
    if (prefix === '') {
      rows = this.selectSince.all(seq, limit);
    } else {
      const bound = prefixUpperBound(prefix);
      rows =
        bound === null
          ? this.selectSinceFrom.all(seq, prefix, limit)
          : this.selectSinceRange.all(seq, prefix, bound, limit);
    }
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      type: r.type,
      actor: r.actor,
      payload: JSON.parse(r.payload) as EventRecord['payload'],
    }));
  }

  /**
   * Delete all but the newest `n` events (all of them for 0).
   * @returns how many were deleted.
   */
  pruneKeepingLast(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`pruneKeepingLast needs a count >= 0, got ${n}`);
    // With fewer than n events the subquery is NULL and `seq < NULL` deletes nothing.
    const result = n === 0 ? this.deleteAll.run() : this.deleteBefore.run(n - 1);
    return result.changes;
  }
}
