/**
 * Figure 4: `relay daemon start` timed by the spawning process, from spawn until the command
 * exits (it exits once the daemon reported ready), then `daemon stop`, several times in one home.
 */
import type { BenchHome } from './benchHome.js';
import { relayJson } from './relayCli.js';
import { median, round } from './stats.js';

export interface DaemonStart {
  runs: number;
  /** The first start in a fresh home also creates and migrates the database; not in the median. */
  first_start_ms: number;
  start_median_ms: number;
  start_max_ms: number;
  stop_median_ms: number;
  node_e0_median_ms: number;
  /** start median / `node -e 0` median of the same bench run. */
  start_ratio_to_node_e0: number;
}

function startStop(home: BenchHome): { startMs: number; stopMs: number } {
  const start = relayJson<{ pid: number; started: boolean }>(['daemon', 'start'], home.env);
  if (!start.record.started) throw new Error(`daemon start found a daemon already running (pid ${start.record.pid})`);
  const stop = relayJson<{ stopped: boolean }>(['daemon', 'stop'], home.env);
  if (!stop.record.stopped) throw new Error('daemon stop found no daemon running');
  return { startMs: start.ms, stopMs: stop.ms };
}

export function measureDaemonStart(home: BenchHome, runs: number, nodeE0MedianMs: number): DaemonStart {
  const first = startStop(home);
  const starts: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = startStop(home);
    starts.push(r.startMs);
    stops.push(r.stopMs);
  }
  const startMedian = median(starts);
  return {
    runs,
    first_start_ms: round(first.startMs, 1),
    start_median_ms: round(startMedian, 1),
    start_max_ms: round(Math.max(...starts), 1),
    stop_median_ms: round(median(stops), 1),
    node_e0_median_ms: round(nodeE0MedianMs, 2),
    start_ratio_to_node_e0: round(startMedian / nodeE0MedianMs, 2),
  };
}
