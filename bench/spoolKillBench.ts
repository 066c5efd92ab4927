/**
 * Spool delivery across kill -9s: the daemon killed 20 times in the middle of a drain, then
 * started once more to drain what is left; every spooled hook event must be in the event log
 * exactly once (issue 8 found 100,000 events logged 290,238 times).
 */
import { killDuringDrains, type SpoolKillResult } from '../test/helpers/spoolKills.js';
import type { BenchHome } from './benchHome.js';

export type SpoolKills = SpoolKillResult;

export function measureSpoolKills(h: BenchHome, kills: number, eventsPerRound: number): Promise<SpoolKills> {
  return killDuringDrains(h, { kills, eventsPerRound, stepMs: 60_000 });
}
