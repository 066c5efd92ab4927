/**
 * The daemon's event log. `append` gives an event its sequence number, redacts it and queues it;
 * queued events are written to SQLite in one transaction per batch (a short timer or a full
 * batch, whichever comes first) and published on the bus only once committed, so a reader never
 * sees an event that a crash could take back (nor a sequence number reused after it).
 * `durable(seq)` resolves once an event is committed, which is when the daemon acknowledges it.
 */
import type { Clock, TimerId } from '../platform/clock.js';
import { toRelayError } from '../platform/errors.js';
import { redact } from '../platform/redact.js';
import type { EventRecord, NewEvent } from '../protocol/eventRecord.js';

export interface EventSink {
  lastSeq(): number;
  insertBatch(events: EventRecord[]): void;
}

interface EventLogOptions {
  sink: EventSink;
  clock: Clock;
  publish: (record: EventRecord) => void;
  /** Reports a failed write; the batch stays queued and is retried. */
  onWriteError?: (e: Error) => void;
  /** Longest an event waits in memory before its batch is written. */
  batchMs?: number;
  /** A batch this full is written without waiting for the timer. */
  maxBatch?: number;
}

/** 5 ms keeps acknowledgement latency low while a burst still lands in few transactions. */
const DEFAULT_BATCH_MS = 5;
const DEFAULT_MAX_BATCH = 4_096;
/** After a failed write (disk full), retry no faster than this. */
const RETRY_MS = 1_000;

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class EventLog {
  private seq: number;
  private durableSeq: number;
  private queue: EventRecord[] = [];
  private waiters: Waiter[] = [];
  private timer: TimerId | undefined;
  private flushSoon: NodeJS.Immediate | undefined;
  private readonly batchMs: number;
  private readonly maxBatch: number;

  constructor(private readonly opts: EventLogOptions) {
    this.seq = opts.sink.lastSeq();
    this.durableSeq = this.seq;
    this.batchMs = opts.batchMs ?? DEFAULT_BATCH_MS;
    this.maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  }

  /** The newest sequence number handed out. */
  get lastSeq(): number {
    return this.seq;
  }

  get pending(): number {
    return this.queue.length;
  }

  append(event: NewEvent): EventRecord {
    const record: EventRecord = {
      seq: ++this.seq,
      at: event.at ?? this.opts.clock.now(),
      type: event.type,
      actor: event.actor,
      payload: redact(event.payload),
    };
    this.queue.push(record);
    if (this.queue.length >= this.maxBatch) this.flush();
    else this.schedule(this.batchMs);
    return record;
  }

  /**
   * Resolves when every event up to `seq` is committed; rejects if the write fails. Someone is
   * waiting, so the batch is written as soon as the current I/O turn ends rather than after the
   * batch timer: requests read in the same turn still share one transaction.
   */
  durable(seq: number): Promise<void> {
    if (seq <= this.durableSeq) return Promise.resolve();
    if (!this.flushSoon) {
      this.flushSoon = setImmediate(() => {
        this.flushSoon = undefined;
        this.flush();
      });
    }
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Write everything queued now, in one transaction. Returns false if the write failed. */
  flush(): boolean {
    if (this.timer !== undefined) {
      this.opts.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return true;
    const batch = this.queue;
    try {
      this.opts.sink.insertBatch(batch);
    } catch (e) {
      const err = toRelayError(e);
      // A full or unwritable disk: keep everything queued and retry. Anything else is a bad
      // row, which must not block every event after it: write the rows one by one instead.
      if (err.code === 'E_DISK_FULL' || err.code === 'E_HOME_UNSAFE' || !this.writeOneByOne(batch)) {
        this.opts.onWriteError?.(err);
        for (const w of this.waiters.splice(0)) w.reject(err);
        this.schedule(RETRY_MS);
        return false;
      }
    }
    this.committed(batch);
    return true;
  }

  /** Write each row alone, replacing one that cannot be written by a marker. False if storage itself fails. */
  private writeOneByOne(batch: EventRecord[]): boolean {
    for (const [i, record] of batch.entries()) {
      try {
        this.opts.sink.insertBatch([record]);
      } catch (e) {
        const marker: EventRecord = {
          seq: record.seq,
          at: record.at,
          type: 'event.dropped',
          actor: record.actor,
          payload: { type: record.type, reason: toRelayError(e).message.slice(0, 200) },
        };
        try {
          this.opts.sink.insertBatch([marker]);
          batch[i] = marker;
        } catch {
          this.queue = batch.slice(i);
          if (i > 0) this.committed(batch.slice(0, i));
          return false;
        }
      }
    }
    return true;
  }

  private committed(batch: EventRecord[]): void {
    if (this.queue === batch) this.queue = [];
    this.durableSeq = batch[batch.length - 1]!.seq;
    for (const record of batch) this.opts.publish(record);
    if (this.waiters.length > 0) {
      const still: Waiter[] = [];
      for (const w of this.waiters) (w.seq <= this.durableSeq ? w.resolve() : still.push(w));
      this.waiters = still;
    }
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, ms);
  }
}
