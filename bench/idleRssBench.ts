/** Figure 5: resident memory of a daemon that has started and then sat idle. */
import { readFileSync } from 'node:fs';
import type { BenchHome } from './benchHome.js';
import { relay, relayJson } from './relayCli.js';
import { round } from './stats.js';
import { sleep } from './waitFor.js';

export interface IdleRss {
  idle_wait_ms: number;
  rss_mb: number;
  /** Peak resident set since the daemon started (VmHWM). */
  peak_rss_mb: number;
}

/** A `/proc/<pid>/status` size line (`VmRSS:   61234 kB`) in MiB. */
function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** `idleMs` is the definition of idle, not a synchronisation: a fixed wait is what is meant. */
export async function measureIdleRss(home: BenchHome, idleMs: number): Promise<IdleRss> {
  relay(['daemon', 'start'], home.env);
  const { record } = relayJson<{ running: boolean; pid?: number }>(['daemon', 'status'], home.env);
  if (!record.running || record.pid === undefined) throw new Error('daemon status says no daemon runs after start');
  await sleep(idleMs);
  return {
    idle_wait_ms: idleMs,
    rss_mb: round(procStatusMb(record.pid, 'VmRSS'), 1),
    peak_rss_mb: round(procStatusMb(record.pid, 'VmHWM'), 1),
  };
}
