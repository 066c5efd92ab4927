/**
 * Figure 3, second way: `events.emit` requests to a real daemon, several in flight. Each reply
 * comes only once its event is committed, so this is acknowledged-emit throughput, bounded by
 * the event log's batch timer and the round trip, not by SQLite.
 */
import { BusClient } from '../src/bus/busClient.js';
import type { BenchHome } from './benchHome.js';
import { relay } from './relayCli.js';
import { percentileOfSorted, round, sorted } from './stats.js';

export interface EventEmit {
  emits: number;
  in_flight: number;
  acked_per_s: number;
  ack_p50_ms: number;
  ack_p99_ms: number;
  /** Every emit was acknowledged (so committed) and the daemon's lastSeq grew by at least as many. */
  all_persisted: boolean;
}

const WARM_UP = 256;

export async function measureEventEmit(home: BenchHome, emits: number, inFlight: number): Promise<EventEmit> {
  relay(['daemon', 'start'], home.env);
  const client = new BusClient(home.paths, 'bench:emit');
  const emit = (i: number) =>
    client.request('events.emit', {
      type: 'bench.emit',
      actor: 'agent:claude-1',
      payload: { agent: 'claude', i, note: 'tool call finished' },
    });
  try {
    await Promise.all(Array.from({ length: WARM_UP }, (_, i) => emit(i)));
    const before = (await client.request('daemon.status', {})).lastSeq;
    const latencies = new Float64Array(emits);
    let next = 0;
    // `inFlight` loops, each sending its next emit as soon as the previous one is acknowledged.
    const lane = async (): Promise<void> => {
      while (next < emits) {
        const i = next++;
        const t = process.hrtime.bigint();
        await emit(i);
        latencies[i] = Number(process.hrtime.bigint() - t) / 1e6;
      }
    };
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: inFlight }, lane));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const after = (await client.request('daemon.status', {})).lastSeq;
    const asc = sorted(latencies);
    return {
      emits,
      in_flight: inFlight,
      acked_per_s: Math.round(emits / (ms / 1000)),
      ack_p50_ms: round(percentileOfSorted(asc, 50), 3),
      ack_p99_ms: round(percentileOfSorted(asc, 99), 3),
      all_persisted: after - before >= emits,
    };
  } finally {
    await client.close();
  }
}
