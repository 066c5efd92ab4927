/**
 * The client side of the daemon's lifecycle: find the running daemon, start one (detached) when
 * none runs, and stop it. Starting is race-free because the daemon itself takes the instance
 * lock: of two concurrent starts one daemon wins and the other reports `E_DAEMON_RUNNING`, and
 * its launcher then waits for the winner.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { BusClient } from '../bus/busClient.js';
import { RelayError, type ErrorCode } from '../platform/errors.js';
import { DAEMON_ENTRY } from '../platform/packageInfo.js';
import { describeMadePrivate, ensureHome, FILE_MODE, ipcEndpoint, type MadePrivate, type RelayPaths } from '../platform/paths.js';
import { liveDaemonPid, processStartTicks } from '../platform/pidFile.js';
import type { AgentInfo } from '../protocol/agentProtocol.js';
import type { ReadyMessage } from '../protocol/requests.js';

/** Start-up is a few hundred ms; 15 s allows for a cold disk and a loaded CI machine. */
const START_TIMEOUT_MS = 15_000;
/** Orderly shutdown waits for every child's grace period; past this the launcher forces it. */
const STOP_TIMEOUT_MS = 20_000;
/** After SIGKILL the kernel needs only moments to reap. */
const KILL_WAIT_MS = 5_000;
const POLL_MS = 20;

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
}

function stderrLogPath(paths: RelayPaths): string {
  return join(paths.logs, 'daemon.stderr.log');
}

/** Pid of the running daemon, or null. */
export function runningDaemonPid(paths: RelayPaths): number | null {
  return liveDaemonPid(paths.pidFile);
}

async function answersPing(paths: RelayPaths, timeoutMs: number): Promise<boolean> {
  const client = new BusClient(paths);
  try {
    await client.request('daemon.ping', {}, timeoutMs);
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

/** Read the daemon's one-line readiness report, or null if it exited without one. */
function readReady(stream: Readable, timeoutMs: number): Promise<ReadyMessage | null> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new RelayError('E_DAEMON_START_FAILED', `the daemon did not report ready within ${timeoutMs} ms`, {
        hint: 'see the daemon log under RELAY_HOME/logs, or run relay doctor',
      }));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      stream.removeAllListeners();
      stream.destroy();
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      cleanup();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as ReadyMessage);
      } catch {
        resolve(null);
      }
    });
    stream.on('end', () => {
      cleanup();
      resolve(null);
    });
    stream.on('error', () => {
      cleanup();
      resolve(null);
    });
  });
}

function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    return lines[lines.length - 1] ?? '';
  } catch {
    return '';
  }
}

/** Spawn one daemon process and wait for its report. */
async function spawnOnce(paths: RelayPaths, timeoutMs: number): Promise<ReadyMessage | null> {
  const errFd = openSync(stderrLogPath(paths), 'a', FILE_MODE);
  const child = spawn(process.execPath, [DAEMON_ENTRY, '--home', paths.home], {
    detached: true,
    stdio: ['ignore', 'ignore', errFd, 'pipe'],
    env: { ...process.env, RELAY_HOME: paths.home, RELAY_READY_FD: '3' },
  });
  closeSync(errFd);
  child.on('error', () => undefined);
  child.unref();
  try {
    return await readReady(child.stdio[3] as Readable, timeoutMs);
  } finally {
    // The daemon outlives this command; nothing here may keep the event loop alive for it.
    (child.stdio[3] as Readable | null)?.destroy();
  }
}

export interface LaunchResult {
  pid: number;
  /** Whether this call started it (false: one was running already). */
  started: boolean;
  /** Existing directories of RELAY_HOME that were open to group/other and are 0700 now. */
  madePrivate: MadePrivate[];
}

/**
 * Start the daemon unless one runs. Returns its pid, whether this call started it, and which
 * directories it had to make private (the caller says so: a chmod is never silent).
 * Throws the daemon's own error (corrupt store, unsafe home, …) when it cannot start.
 */
export async function launchDaemon(paths: RelayPaths, timeoutMs = START_TIMEOUT_MS): Promise<LaunchResult> {
  const madePrivate = ensureHome(paths);
  const result = (pid: number, started: boolean): LaunchResult => ({ pid, started, madePrivate });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const existing = runningDaemonPid(paths);
    if (existing !== null && (await answersPing(paths, 1_000))) return result(existing, false);
    const left = deadline - Date.now();
    if (left <= 0) break;
    const msg = await spawnOnce(paths, left);
    if (msg && 'ready' in msg) return result(msg.pid, true);
    if (msg && 'error' in msg && msg.error.code !== 'E_DAEMON_RUNNING') {
      throw new RelayError(msg.error.code as ErrorCode, msg.error.message, msg.error.hint ? { hint: msg.error.hint } : {});
    }
    if (!msg) {
      const why = lastLine(stderrLogPath(paths));
      throw new RelayError('E_DAEMON_START_FAILED', `the daemon exited during start-up${why ? `: ${why}` : ''}`, {
        hint: `see ${stderrLogPath(paths)}; RELAY_DEBUG=1 relay daemon start shows more`,
      });
    }
    // Another daemon holds the lock (a concurrent start): wait for it to answer.
    const answered = await waitUntil(
      async () => runningDaemonPid(paths) !== null && (await answersPing(paths, 500)),
      Math.min(5_000, Math.max(0, deadline - Date.now())),
    );
    if (answered) return result(runningDaemonPid(paths)!, false);
  }
  throw new RelayError('E_DAEMON_START_FAILED', `no daemon became ready within ${timeoutMs} ms`, {
    hint: 'run relay doctor to see what is wrong',
  });
}

/** What every command that needs the daemon calls first. Says on stderr which directories it made private. */
export async function ensureDaemon(paths: RelayPaths): Promise<number> {
  const pid = runningDaemonPid(paths);
  if (pid !== null) return pid;
  const launched = await launchDaemon(paths);
  for (const m of launched.madePrivate) process.stderr.write(`${describeMadePrivate(m)}\n`);
  return launched.pid;
}

/** Run `work` with a bus client of the daemon (started first when none runs), closed after it. */
export async function withDaemonClient<T>(paths: RelayPaths, work: (client: BusClient) => Promise<T>): Promise<T> {
  await ensureDaemon(paths);
  const client = new BusClient(paths);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

/** An agent whose process is still there (a restart would end it). */
function isLive(agent: AgentInfo): boolean {
  // A row from an earlier daemon run describes a process that ended with that daemon.
  return agent.previousRun !== true && agent.exit === null && agent.state !== 'exited' && agent.state !== 'crashed';
}

export interface RestartResult extends LaunchResult {
  /** The daemon stopped, or null when none ran. */
  stoppedPid: number | null;
  /** Ids of the live agents the restart stopped (only with `force`). */
  stoppedAgents: string[];
}

/**
 * `relay daemon restart`. Everything that would make the new daemon refuse to start is checked
 * before the old one is touched: config.yaml through the loader the daemon uses, and the socket
 * paths. Agents run as PTY children of the daemon and cannot outlive its process, so with live
 * agents the restart is refused (E_CONFLICT, naming them) unless `force` says to stop them.
 */
export async function restartDaemon(paths: RelayPaths, opts: { force?: boolean } = {}): Promise<RestartResult> {
  // Loaded here only: every command that finds the daemon imports this module, and only restart
  // needs zod, yaml and the agent registry.
  const { loadConfig } = await import('../config/relayConfig.js');
  loadConfig(paths);
  for (const socket of [paths.busSocket, paths.eventsSocket, paths.hookSocket]) ipcEndpoint(socket);
  const pid = runningDaemonPid(paths);
  let live: AgentInfo[] = [];
  if (pid !== null) {
    const client = new BusClient(paths);
    try {
      live = (await client.request('agent.list', {}, 2_000)).agents.filter(isLive);
    } catch (e) {
      if (!opts.force) {
        throw new RelayError('E_CONFLICT', `the daemon (pid ${pid}) does not answer, so its agents cannot be listed before stopping them`, {
          hint: 'relay daemon restart --force stops it and whatever it runs',
          cause: e,
        });
      }
    } finally {
      await client.close();
    }
    if (live.length > 0 && !opts.force) {
      const n = live.length;
      throw new RelayError(
        'E_CONFLICT',
        `restarting the daemon stops ${n} running agent${n === 1 ? '' : 's'}: ${live.map((a) => a.id).join(', ')} (they run inside the daemon and cannot outlive it)`,
        { hint: 'relay daemon restart --force stops them and restarts; or let them finish first (relay ps)' },
      );
    }
  }
  const stoppedPid = await stopDaemon(paths);
  const launched = await launchDaemon(paths);
  return { ...launched, stoppedPid, stoppedAgents: live.map((a) => a.id) };
}

/**
 * Stop the running daemon: ask it over the bus, and if it does not go in time (or does not
 * answer), SIGTERM then SIGKILL. Returns the pid stopped, or null if none ran.
 */
export async function stopDaemon(paths: RelayPaths, timeoutMs = STOP_TIMEOUT_MS): Promise<number | null> {
  const pid = runningDaemonPid(paths);
  if (pid === null) return null;
  const procStart = processStartTicks(pid);
  const gone = (): boolean => processStartTicks(pid) !== procStart;
  const client = new BusClient(paths);
  try {
    await client.request('daemon.stop', {}, 2_000);
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  } finally {
    await client.close();
  }
  if (await waitUntil(gone, timeoutMs)) return pid;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  if (await waitUntil(gone, KILL_WAIT_MS)) return pid;
  throw new RelayError('E_DAEMON_UNAVAILABLE', `daemon pid ${pid} did not exit after SIGKILL`, {
    hint: 'check it with ps; it may be stuck in the kernel (disk or NFS)',
  });
}
