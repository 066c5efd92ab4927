/**
 * What a test may have left behind under its temp dir: processes that mention it, file
 * descriptors of this test process (files, directories), and unix sockets bound there by any
 * process on the machine.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readStat } from '../../src/platform/processTree.js';

/** This process's fds whose target lies under `root` (`fd 23 → /tmp/relay-x/run/daemon.lock`). */
export function fdsUnder(root: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed while we looked (the fd of readdirSync itself)
    }
    if (target === root || target.startsWith(`${root}/`)) out.push(`fd ${fd} → ${target}`);
  }
  return out;
}

/** Unix sockets bound under `root` by any process (from /proc/net/unix; path is the last column). */
export function socketsUnder(root: string): string[] {
  const lines = readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1);
  const paths = lines.map((l) => l.trim().split(/\s+/)[7]).filter((p): p is string => p !== undefined);
  return [...new Set(paths.filter((p) => p === root || p.startsWith(`${root}/`)))];
}

/**
 * Live processes (not zombies) whose command line contains `text`, this process excluded. The
 * daemon and fake agents carry RELAY_HOME in their arguments, so this finds what a home started.
 */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text)) continue;
    } catch {
      continue; // It ended while we looked.
    }
    const state = readStat(pid)?.state;
    if (state && state !== 'Z' && state !== 'X') found.push(pid);
  }
  return found;
}
