/**
 * Figure 2: request/reply round trips to a real daemon, one at a time, from this process,
 * interleaved block by block with the same number of round trips to a bare ZeroMQ echo
 * server: on a shared machine the tail is mostly scheduling, and the baseline shows how much.
 */
import { join } from 'node:path';
import { BusClient } from '../src/bus/busClient.js';
import type { BenchHome } from './benchHome.js';
import { relay } from './relayCli.js';
import { percentileOfSorted, round, sorted } from './stats.js';
import { startZmqEcho } from './zmqEchoBaseline.js';

export interface BusPing {
  warm_up: number;
  pings: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Bare zeromq.js DEALER→ROUTER echo, same count, interleaved in blocks. */
  baseline_zmq_echo_p50_ms: number;
  baseline_zmq_echo_p99_ms: number;
  p99_ratio_to_baseline: number;
}

/** Alternate subject and baseline every this many round trips. */
const BLOCK = 500;

async function timeInto(samples: Float64Array, from: number, count: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
}

export async function measureBusPing(home: BenchHome, warmUp: number, pings: number): Promise<BusPing> {
  relay(['daemon', 'start'], home.env);
  const client = new BusClient(home.paths, 'bench:ping');
  const echo = await startZmqEcho(`ipc://${join(home.root, 'echo.sock')}`).catch(async (e: unknown) => {
    await client.close();
    throw e;
  });
  const ping = () => client.request('daemon.ping', {});
  try {
    for (let i = 0; i < warmUp; i++) {
      await ping();
      await echo.ping();
    }
    const subject = new Float64Array(pings);
    const baseline = new Float64Array(pings);
    for (let from = 0; from < pings; from += BLOCK) {
      const n = Math.min(BLOCK, pings - from);
      await timeInto(subject, from, n, ping);
      await timeInto(baseline, from, n, echo.ping);
    }
    const s = sorted(subject);
    const b = sorted(baseline);
    const p99 = percentileOfSorted(s, 99);
    const baseP99 = percentileOfSorted(b, 99);
    return {
      warm_up: warmUp,
      pings,
      p50_ms: round(percentileOfSorted(s, 50), 4),
      p99_ms: round(p99, 4),
      max_ms: round(s[s.length - 1]!, 3),
      baseline_zmq_echo_p50_ms: round(percentileOfSorted(b, 50), 4),
      baseline_zmq_echo_p99_ms: round(baseP99, 4),
      p99_ratio_to_baseline: round(p99 / baseP99, 2),
    };
  } finally {
    await client.close();
    await echo.close();
  }
}
