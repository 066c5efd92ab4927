/**
 * `run/daemon.pid`: who the running daemon is. A pid alone can be reused after a crash, so the
 * file also records the process's kernel start time; a pid whose start time differs is stale.
 */
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomicSync } from './atomicWrite.js';
import { readStat } from './processTree.js';

interface PidRecord {
  pid: number;
  /** Kernel start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  procStart: number;
  startedAt: number;
  version: string;
}

/** Start time of a live process, or null if there is no such process. */
export function processStartTicks(pid: number): number | null {
  const stat = readStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return null;
  const ticks = Number(stat.startTime);
  return stat.startTime && Number.isFinite(ticks) ? ticks : null;
}

export function writePidFile(file: string, record: PidRecord): void {
  writeFileAtomicSync(file, `${JSON.stringify(record)}\n`);
}

export function readPidFile(file: string): PidRecord | null {
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as Partial<PidRecord>;
    if (typeof rec.pid !== 'number' || typeof rec.procStart !== 'number') return null;
    return rec as PidRecord;
  } catch {
    return null;
  }
}

/** The pid file's process if it is still the same live process, else null (stale or absent). */
export function liveDaemonPid(file: string): number | null {
  const rec = readPidFile(file);
  if (!rec) return null;
  return processStartTicks(rec.pid) === rec.procStart ? rec.pid : null;
}

export function removePidFile(file: string, ownPid: number): void {
  if (readPidFile(file)?.pid === ownPid) rmSync(file, { force: true });
}
