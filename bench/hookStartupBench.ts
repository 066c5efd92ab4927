/**
 * `relay hook claude` wall time (it runs inside the agent's own loop) against `node -e 0`, with
 * the daemon up (the event is sent and acknowledged) and down (it is spooled), spawned
 * alternately with the baseline. The payload is the real StopFailure of a usage limit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ENTRY, PACKAGE_ROOT } from '../src/platform/packageInfo.js';
import type { BenchHome } from './benchHome.js';
import { relay } from './relayCli.js';
import { median, round } from './stats.js';

const PAYLOAD = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json'));

export interface HookStartup {
  runs: number;
  node_e0_median_ms: number;
  hook_daemon_up_median_ms: number;
  hook_daemon_down_median_ms: number;
  ratio_daemon_up: number;
  ratio_daemon_down: number;
}

function timed(args: string[], env: NodeJS.ProcessEnv, input?: Buffer): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, input, stdio: [input ? 'pipe' : 'ignore', 'ignore', 'ignore'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status ?? r.signal}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Medians of `relay hook claude` and `node -e 0`, spawned alternately, after two warm-up pairs. */
export function hookSeries(h: BenchHome, runs: number): { hook: number; node: number } {
  const hook: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const a = timed([CLI_ENTRY, 'hook', 'claude'], h.env, PAYLOAD);
    const b = timed(['-e', '0'], h.env);
    // The first two are warm-up (cold page cache).
    if (i >= 2) {
      hook.push(a);
      node.push(b);
    }
  }
  return { hook: median(hook), node: median(node) };
}

export function measureHookStartup(h: BenchHome, runs: number): HookStartup {
  const down = hookSeries(h, runs);
  relay(['daemon', 'start'], h.env);
  const up = hookSeries(h, runs);
  relay(['daemon', 'stop'], h.env);
  const nodeMedian = (up.node + down.node) / 2;
  return {
    runs,
    node_e0_median_ms: round(nodeMedian, 2),
    hook_daemon_up_median_ms: round(up.hook, 2),
    hook_daemon_down_median_ms: round(down.hook, 2),
    ratio_daemon_up: round(up.hook / up.node, 3),
    ratio_daemon_down: round(down.hook / down.node, 3),
  };
}
