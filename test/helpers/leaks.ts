/**
 * What a test may have left open under its temp dir: file descriptors of this test process
 * (files, directories) and unix sockets bound there by any process on the machine.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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
