/**
 * Process trees on Linux, read from /proc. A supervised process leads its own process group, but
 * a descendant that called setsid() has left that group, so stopping a child means listing its
 * descendants first, signalling the group, then sweeping the list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { systemClock, type Clock } from './clock.js';

interface ProcStat {
  state: string;
  ppid: number;
  /** Clock ticks since boot; with the pid it names one process even if the pid is reused. */
  startTime: string;
}

/** The fields of /proc/<pid>/stat that Relay uses, or undefined when there is no such process. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses; the fields after its last ')' do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}

/** Every live descendant of `pid` (children, grandchildren, …), parents before their children. */
export function listDescendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st || !isLiveState(st.state)) continue;
    const siblings = byParent.get(st.ppid) ?? [];
    siblings.push(Number(name));
    byParent.set(st.ppid, siblings);
  }
  const out: number[] = [];
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Whether `pid` runs. A zombie does not: it has ended and only waits to be reaped. */
export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== undefined && isLiveState(st.state);
}

function isLiveState(state: string): boolean {
  return state !== 'Z' && state !== 'X';
}

/** Signal a whole process group. Returns false if the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  return signalPid(-pgid, signal);
}

function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

interface TerminateOptions {
  /** A process that leads its own group (spawned with `detached: true`). */
  pid: number;
  /** Settles when the leader has exited (its `exit` event, never `ChildProcess.killed`). */
  exited: Promise<unknown>;
  /** Time the group has to end after SIGTERM before SIGKILL. */
  graceMs: number;
  clock?: Clock;
}

/**
 * Stop a process and everything it started: list its descendants, SIGTERM its group, wait up to
 * `graceMs` for the leader, SIGKILL the group, then SIGKILL any listed descendant still alive
 * (those that setsid()'d out of the group). Resolves once the leader has exited.
 */
export async function terminateTree(opts: TerminateOptions): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const listed = listDescendants(opts.pid).map((pid) => ({ pid, startTime: readStat(pid)?.startTime }));
  // SIGTERM first: agents flush transcripts and restore the terminal on it.
  signalGroup(opts.pid, 'SIGTERM');
  let timer: unknown;
  const graceOver = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, opts.graceMs)));
  await Promise.race([opts.exited, graceOver]);
  clock.clearTimeout(timer);
  // SIGKILL even when the leader left in time: members of its group must not outlive it.
  signalGroup(opts.pid, 'SIGKILL');
  await opts.exited;
  for (const d of listed) {
    const st = readStat(d.pid);
    if (st && isLiveState(st.state) && st.startTime === d.startTime) signalPid(d.pid, 'SIGKILL');
  }
}
