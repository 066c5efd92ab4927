/**
 * What a test may have left behind under its temp dir: processes that mention it, file
 * descriptors of this test process (files, directories, sockets), and unix sockets bound there
 * by any process on the machine.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readStat } from '../../src/platform/processTree.js';

const under = (path: string, root: string): boolean => path === root || path.startsWith(`${root}/`);

/**
 * The unix sockets of this network namespace by inode, with the path they are bound to (an
 * accepted connection shows its listener's path; a connecting socket has none).
 */
function unixSocketPaths(): Map<string, string> {
  const byInode = new Map<string, string>();
  // `Num RefCount Protocol Flags Type St Inode Path`: the path is the rest of the line and may hold spaces.
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const m = /^\s*\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\d+) (.+)$/.exec(line);
    if (m) byInode.set(m[1]!, m[2]!);
  }
  return byInode;
}

/**
 * This process's fds into `root`: files and dirs (`fd 23 → /tmp/relay-t-x/rh/run/daemon.lock`),
 * and sockets bound under it (`fd 31 → socket:[4711] /tmp/relay-t-x/rh/run/hook.sock`).
 */
export function fdsUnder(root: string): string[] {
  const sockets = unixSocketPaths();
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // Closed while we looked (the fd of readdirSync itself).
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const path = inode === undefined ? target : sockets.get(inode);
    if (path !== undefined && under(path, root)) out.push(`fd ${fd} → ${inode === undefined ? target : `${target} ${path}`}`);
  }
  return out;
}

/** Unix sockets bound under `root` by any process on the machine. */
export function socketsUnder(root: string): string[] {
  return [...new Set([...unixSocketPaths().values()].filter((p) => under(p, root)))];
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
