/**
 * Figure 1: wall time of `relay --version` against `node -e 0`, spawned alternately so that the
 * machine's drift hits both alike; the ratio of medians is the figure, the times are context.
 */
import { CLI_ENTRY } from '../src/platform/packageInfo.js';
import { median, round } from './stats.js';
import { timeNode, type TimedRun } from './relayCli.js';

export interface VersionStartup {
  runs: number;
  relay_version_median_ms: number;
  node_e0_median_ms: number;
  /** median(relay --version) / median(node -e 0). */
  ratio_of_medians: number;
  relay_version_min_ms: number;
  node_e0_min_ms: number;
}

/** Runs not counted: the first spawns pay for a cold page cache. */
const WARM_UP = 3;

function checked(r: TimedRun, what: string): number {
  if (r.status !== 0) throw new Error(`${what} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  return r.ms;
}

export function measureVersionStartup(env: NodeJS.ProcessEnv, runs: number): VersionStartup {
  const relayArgs = [CLI_ENTRY, '--version'];
  const nodeArgs = ['-e', '0'];
  const relayMs: number[] = [];
  const nodeMs: number[] = [];
  for (let i = 0; i < WARM_UP; i++) {
    checked(timeNode(relayArgs, env), 'relay --version');
    checked(timeNode(nodeArgs, env), 'node -e 0');
  }
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always runs right after the other's exit.
    if (i % 2 === 0) {
      relayMs.push(checked(timeNode(relayArgs, env), 'relay --version'));
      nodeMs.push(checked(timeNode(nodeArgs, env), 'node -e 0'));
    } else {
      nodeMs.push(checked(timeNode(nodeArgs, env), 'node -e 0'));
      relayMs.push(checked(timeNode(relayArgs, env), 'relay --version'));
    }
  }
  const relayMedian = median(relayMs);
  const nodeMedian = median(nodeMs);
  return {
    runs,
    relay_version_median_ms: round(relayMedian, 2),
    node_e0_median_ms: round(nodeMedian, 2),
    ratio_of_medians: round(relayMedian / nodeMedian, 3),
    relay_version_min_ms: round(Math.min(...relayMs), 2),
    node_e0_min_ms: round(Math.min(...nodeMs), 2),
  };
}
