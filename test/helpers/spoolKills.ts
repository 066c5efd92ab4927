/**
 * kill -9 of the daemon while it drains the hook spool, again and again, then one last start
 * that drains everything: how many of the spooled events the event log holds, and how often.
 * The regression test for exactly-once spool delivery runs it small; bench/spoolKillBench.ts
 * runs it with 20 kills for the figure.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { appendToSpool } from '../../src/hooks/spool.js';
import { HOOK_EVENT_VERSION, type HookEvent } from '../../src/hooks/hookEvent.js';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { ensureHome, type RelayPaths } from '../../src/platform/paths.js';
import { processesMentioning } from './leaks.js';
import { waitFor } from './waitFor.js';

export interface SpoolKillWorld {
  /** The temp dir holding RELAY_HOME: the daemon's command line names it. */
  root: string;
  paths: RelayPaths;
  env: NodeJS.ProcessEnv;
}

export interface SpoolKillOptions {
  /** Events spooled before each start. */
  eventsPerRound: number;
  /** kill -9s that must land while a drain is under way. */
  kills: number;
  /** Longest wait for one step (a start, a drain). */
  stepMs: number;
}

export interface SpoolKillResult {
  spooled: number;
  /** kill -9s that hit a daemon in the middle of a drain (spool parts left behind). */
  kills_mid_drain: number;
  /** Starts whose drain finished before the kill landed (not counted as kills). */
  kills_missed: number;
  /** `hook.received` rows in the event log. */
  logged: number;
  duplicates: number;
  missing: number;
}

function daemonPid(w: SpoolKillWorld): number | undefined {
  return processesMentioning(w.root).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemonMain');
    } catch {
      return false;
    }
  });
}

/** The hookIds of the `hook.received` rows, in seq order (a fresh read-only connection each time). */
function loggedIds(w: SpoolKillWorld): string[] {
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(w.paths.db, { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    return db
      .prepare("SELECT json_extract(payload, '$.hookId') FROM events WHERE type = 'hook.received' ORDER BY seq")
      .pluck()
      .all() as string[];
  } catch {
    // The schema is not there yet (the first start is still migrating).
    return [];
  } finally {
    db.close();
  }
}

function spoolEvents(w: SpoolKillWorld, round: number, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `kill-round-${round}-${i}`;
    const event: HookEvent = { v: HOOK_EVENT_VERSION, id, agent: 'claude', event: 'Stop', agentSession: `s-${round}`, at: Date.now() };
    appendToSpool(w.paths, event);
    ids.push(id);
  }
  return ids;
}

/** Start the daemon without waiting for it to be ready; resolves when the `relay daemon start` client exits. */
function startDaemon(w: SpoolKillWorld): Promise<void> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'daemon', 'start'], { env: w.env, stdio: 'ignore' });
  return new Promise((resolve) => child.once('close', () => resolve()));
}

export async function killDuringDrains(w: SpoolKillWorld, opts: SpoolKillOptions): Promise<SpoolKillResult> {
  ensureHome(w.paths);
  const spooled: string[] = [];
  let killsMidDrain = 0;
  let killsMissed = 0;
  let round = 0;
  // Missed kills (the drain won the race) do not count; bounded so a fast machine still ends.
  while (killsMidDrain < opts.kills && round < opts.kills * 3) {
    spooled.push(...spoolEvents(w, round++, opts.eventsPerRound));
    const before = loggedIds(w).length;
    const client = startDaemon(w);
    // Under way: some of this round's events are logged, not all.
    const pid = await waitFor(
      () => (loggedIds(w).length > before ? daemonPid(w) : undefined),
      'the daemon to start draining',
      opts.stepMs,
    );
    process.kill(pid, 'SIGKILL');
    await waitFor(() => daemonPid(w) === undefined, 'the killed daemon to be gone', opts.stepMs);
    await client;
    // The daemon is gone, so what is logged now is all this start logged.
    if (new Set(loggedIds(w)).size < spooled.length) killsMidDrain++;
    else killsMissed++;
  }
  // The last start drains everything left; a missing event shows as the wait running out.
  await startDaemon(w);
  const want = new Set(spooled);
  await waitFor(() => new Set(loggedIds(w)).size >= want.size, 'the last drain to finish', opts.stepMs).catch(() => undefined);
  const ids = loggedIds(w);
  const distinct = new Set(ids);
  return {
    spooled: spooled.length,
    kills_mid_drain: killsMidDrain,
    kills_missed: killsMissed,
    logged: ids.length,
    duplicates: ids.length - distinct.size,
    missing: [...want].filter((id) => !distinct.has(id)).length,
  };
}
