import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/platform/clock.js';
import { EventLog, type EventSink } from '../../src/supervisor/eventLog.js';
import type { EventRecord } from '../../src/protocol/eventRecord.js';

function memorySink(start = 0): EventSink & { rows: EventRecord[]; batches: number; fail: Error | null } {
  const sink = {
    rows: [] as EventRecord[],
    batches: 0,
    fail: null as Error | null,
    lastSeq: () => start,
    insertBatch(events: EventRecord[]) {
      if (sink.fail) throw sink.fail;
      sink.batches++;
      sink.rows.push(...events);
    },
  };
  return sink;
}

test('sequence numbers continue after the last persisted one; events are published only once committed', () => {
  const clock = new ManualClock(1000);
  const published: EventRecord[] = [];
  const sink = memorySink(41);
  const log = new EventLog({ sink, clock, publish: (r) => published.push(r) });
  const a = log.append({ type: 'test.a', actor: 't', payload: {} });
  const b = log.append({ type: 'test.b', actor: 't', payload: {} });
  assert.deepEqual([a.seq, b.seq], [42, 43]);
  assert.equal(a.at, 1000);
  assert.equal(published.length, 0, 'nothing a crash could take back is shown');
  clock.advance(5);
  assert.deepEqual(sink.rows.map((e) => e.seq), [42, 43]);
  assert.deepEqual(published.map((e) => e.seq), [42, 43]);
});

test('a burst nobody waits for is written in one batch when the timer fires', () => {
  const clock = new ManualClock();
  const sink = memorySink();
  const log = new EventLog({ sink, clock, publish: () => undefined, batchMs: 5 });
  for (let i = 0; i < 100; i++) log.append({ type: 'test.burst', actor: 't', payload: { i } });
  clock.advance(4);
  assert.equal(sink.rows.length, 0, 'nothing written before the batch timer');
  clock.advance(1);
  assert.equal(sink.batches, 1);
  assert.equal(sink.rows.length, 100);
});

test('an event someone waits for is written without waiting for the timer, with its burst, and only then acknowledged', async () => {
  const clock = new ManualClock();
  const sink = memorySink();
  const log = new EventLog({ sink, clock, publish: () => undefined, batchMs: 5 });
  const acks = [];
  for (let i = 0; i < 100; i++) {
    const e = log.append({ type: 'test.burst', actor: 't', payload: { i } });
    acks.push(log.durable(e.seq).then(() => sink.rows.length));
  }
  assert.equal(sink.rows.length, 0, 'not written synchronously');
  const seen = await Promise.all(acks);
  assert.equal(sink.batches, 1, 'one transaction for the whole burst');
  assert.ok(seen.every((n) => n === 100), 'acknowledged only after the write');
  assert.equal(clock.now(), 0, 'the clock never moved');
});

test('a full batch is written without waiting for the timer', () => {
  const clock = new ManualClock();
  const sink = memorySink();
  const log = new EventLog({ sink, clock, publish: () => undefined, maxBatch: 10 });
  for (let i = 0; i < 25; i++) log.append({ type: 'test.full', actor: 't', payload: {} });
  assert.equal(sink.rows.length, 20);
  assert.equal(log.pending, 5);
});

test('a failed write (disk full) loses nothing: waiters learn why, and the retry writes it all', async () => {
  const clock = new ManualClock();
  const sink = memorySink();
  const errors: Error[] = [];
  const log = new EventLog({ sink, clock, publish: () => undefined, onWriteError: (e) => errors.push(e) });
  sink.fail = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  const e = log.append({ type: 'test.full', actor: 't', payload: {} });
  const durable = log.durable(e.seq);
  clock.advance(5);
  await assert.rejects(durable, { code: 'E_DISK_FULL' });
  assert.equal(errors.length, 1);
  assert.equal(log.pending, 1, 'the event is still queued');
  sink.fail = null;
  clock.advance(1_000);
  assert.equal(sink.rows.length, 1);
  await log.durable(e.seq);
});

test('secrets in payloads are redacted before they are published or written', () => {
  const clock = new ManualClock();
  const published: EventRecord[] = [];
  const sink = memorySink();
  const log = new EventLog({ sink, clock, publish: (r) => published.push(r) });
  log.append({
    type: 'test.secret',
    actor: 't',
    payload: { apiKey: 'abc', note: 'key sk-ant-api03-abcdefghijklmnopqrstuvwxyz used' },
  });
  log.flush();
  assert.doesNotMatch(JSON.stringify(sink.rows), /abcdefghijklmnop/);
  const text = JSON.stringify(published);
  assert.doesNotMatch(text, /abcdefghijklmnop/);
  assert.equal(published[0]!.payload.apiKey, '[redacted]');
});

test('an event that cannot be stored does not block the ones after it: it is replaced by a marker', () => {
  const clock = new ManualClock();
  const published: EventRecord[] = [];
  const sink = memorySink();
  const insert = sink.insertBatch;
  // Stands in for a row SQLite refuses (a payload JSON cannot hold).
  sink.insertBatch = (events) => {
    if (events.some((e) => e.type === 'test.bad')) throw new TypeError('Do not know how to serialize a BigInt');
    insert(events);
  };
  const log = new EventLog({ sink, clock, publish: (r) => published.push(r) });
  log.append({ type: 'test.good', actor: 't', payload: {} });
  log.append({ type: 'test.bad', actor: 't', payload: {} });
  log.append({ type: 'test.after', actor: 't', payload: {} });
  assert.equal(log.flush(), true);
  assert.deepEqual(sink.rows.map((e) => [e.seq, e.type]), [
    [1, 'test.good'],
    [2, 'event.dropped'],
    [3, 'test.after'],
  ]);
  assert.equal(sink.rows[1]!.payload.type, 'test.bad');
  assert.equal(published.length, 3);
  assert.equal(log.pending, 0);
});
