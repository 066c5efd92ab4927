/**
 * The process groups the daemon has started (agents in PTYs, process children), remembered in
 * memory and in `run/groups.json`. When the daemon must exit at once (a second SIGTERM, a stop
 * past its deadline) it SIGKILLs them all first; when it died without that chance (`kill -9`),
 * the next daemon reaps what the file lists. The start time makes sure a reused pid is spared.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from './atomicWrite.js';
import { isAlive, readStat, signalGroup } from './processTree.js';

const groups = new Map<number, string>();
let file: string | undefined;

function save(): void {
  if (!file) return;
  try {
    writeFileAtomicSync(file, JSON.stringify([...groups].map(([pid, startTime]) => ({ pid, startTime }))));
  } catch {
    // Best effort: the in-memory list still covers every exit but kill -9.
  }
}

/**
 * Persist the registry to `path`, after SIGKILLing any group a previous daemon left listed there.
 * Returns how many it reaped.
 */
export function openGroupRegistry(path: string): number {
  file = path;
  let reaped = 0;
  try {
    const listed = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; startTime: string }[];
    for (const { pid, startTime } of listed) {
      if (isAlive(pid) && readStat(pid)?.startTime === startTime && signalGroup(pid, 'SIGKILL')) reaped++;
    }
  } catch {
    // No file, or not ours to trust: nothing to reap.
  }
  groups.clear();
  save();
  return reaped;
}

export function trackGroup(pid: number): void {
  const startTime = readStat(pid)?.startTime;
  if (startTime === undefined) return;
  groups.set(pid, startTime);
  save();
}

export function untrackGroup(pid: number): void {
  if (groups.delete(pid)) save();
}

/** SIGKILL every tracked group now (synchronous: safe right before process.exit). */
export function killTrackedGroups(): number {
  let killed = 0;
  for (const [pid, startTime] of groups) {
    if (readStat(pid)?.startTime === startTime && signalGroup(pid, 'SIGKILL')) killed++;
  }
  groups.clear();
  save();
  return killed;
}
