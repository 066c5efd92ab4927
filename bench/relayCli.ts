/**
 * Running the built `relay` CLI (and the bare `node` baseline) as child processes, timed by this
 * process's wall clock from spawn to exit.
 */
import { spawnSync } from 'node:child_process';
import { CLI_ENTRY } from '../src/platform/packageInfo.js';

/** A CLI command that takes longer than this is hung, not slow; the bench fails rather than waits. */
const COMMAND_TIMEOUT_MS = 30_000;

export interface TimedRun {
  ms: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `node <args>` to completion, timing spawn to exit with the monotonic clock. */
export function timeNode(args: string[], env: NodeJS.ProcessEnv, timeoutMs = COMMAND_TIMEOUT_MS): TimedRun {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  return { ms, status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Run `relay <args>`, timed; throws with the command's own error text unless it exits 0. */
export function relay(args: string[], env: NodeJS.ProcessEnv, timeoutMs = COMMAND_TIMEOUT_MS): TimedRun {
  const r = timeNode([CLI_ENTRY, ...args], env, timeoutMs);
  if (r.status !== 0) {
    const why = r.signal ? `was killed by ${r.signal} (timeout ${timeoutMs} ms?)` : `exited ${r.status}`;
    throw new Error(`relay ${args.join(' ')} ${why}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return r;
}

/** Run `relay <args> --json` and parse its one record. */
export function relayJson<T>(args: string[], env: NodeJS.ProcessEnv): { ms: number; record: T } {
  const r = relay([...args, '--json'], env);
  return { ms: r.ms, record: JSON.parse(r.stdout) as T };
}
