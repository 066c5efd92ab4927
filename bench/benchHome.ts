/**
 * A private Relay world per measurement: RELAY_HOME and HOME in a fresh temp dir, and a
 * disposal that stops any daemon there, kills anything still mentioning the dir, and removes
 * it. Disposal is synchronous so that a signal handler can run it too.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_ENTRY } from '../src/platform/packageInfo.js';
import { relayPaths, type RelayPaths } from '../src/platform/paths.js';
import { processesMentioning } from '../test/helpers/leaks.js';
import { timeNode } from './relayCli.js';

export interface BenchHome {
  root: string;
  paths: RelayPaths;
  /** The environment for every child: this RELAY_HOME and HOME, nothing inherited that moves them. */
  env: NodeJS.ProcessEnv;
}

const live = new Set<BenchHome>();

export function createBenchHome(): BenchHome {
  // Short prefix: ipc socket paths under RELAY_HOME must stay under 107 bytes.
  const root = mkdtempSync(join(tmpdir(), 'rb-'));
  const relayHome = join(root, 'r');
  const userHome = join(root, 'h');
  mkdirSync(userHome);
  const env: NodeJS.ProcessEnv = { ...process.env, RELAY_HOME: relayHome, HOME: userHome };
  delete env.RELAY_DEBUG;
  const home = { root, paths: relayPaths(relayHome), env };
  live.add(home);
  return home;
}


/**
 * Stop the daemon of `home` (a no-op when none runs), kill any straggler and remove the dir.
 * Never throws: it runs in `finally` blocks and signal handlers, where a throw would hide the
 * original failure. Problems are reported on stderr.
 */
export function disposeBenchHome(home: BenchHome): void {
  if (!live.delete(home)) return;
  try {
    const stop = timeNode([CLI_ENTRY, 'daemon', 'stop'], home.env);
    if (stop.status !== 0) process.stderr.write(`bench: daemon stop in ${home.root} failed: ${stop.stderr.trim()}\n`);
    const left = processesMentioning(home.root);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (left.length > 0) process.stderr.write(`bench: killed processes left in ${home.root}: ${left.join(', ')}\n`);
  } catch (e) {
    process.stderr.write(`bench: cleaning up ${home.root}: ${String(e)}\n`);
  } finally {
    rmSync(home.root, { recursive: true, force: true });
  }
}

/** Run `fn` with a fresh home that is disposed of however `fn` ends. */
export async function withBenchHome<T>(fn: (home: BenchHome) => Promise<T> | T): Promise<T> {
  const home = createBenchHome();
  try {
    return await fn(home);
  } finally {
    disposeBenchHome(home);
  }
}

/** Dispose of every home still live: for a signal that ends the bench part-way. */
export function disposeAllBenchHomes(): void {
  for (const home of [...live]) disposeBenchHome(home);
}
