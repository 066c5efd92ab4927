/**
 * A supervised OS process, as a child spec for the supervision tree's tests (restart, give-up,
 * stop of a whole process group). The daemon runs no plain process children — its agents are
 * PTYs — so this lives with the tests. It leads its own process group, so a stop reaches
 * everything it started; see {@link terminateTree} for the order of signals.
 */
import { spawn } from 'node:child_process';
import { systemClock, type Clock } from '../../src/platform/clock.js';
import { signalGroup, terminateTree } from '../../src/platform/processTree.js';
import { trackGroup, untrackGroup } from '../../src/platform/processGroups.js';
import { exitLatch, type ChildExit, type ChildHandle, type ChildSpec, type RestartType } from '../../src/platform/childSpec.js';

export interface ProcessChildOptions {
  id: string;
  restart: RestartType;
  shutdownMs: number;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives stdout and stderr; without it the child's output is discarded. */
  onOutput?(chunk: Buffer, stream: 'stdout' | 'stderr'): void;
  /** Times the grace period of a stop; the system clock when omitted. */
  clock?: Clock;
}

/** A child spec that runs `command` as its own process group. */
export function processChild(opts: ProcessChildOptions): ChildSpec {
  return { id: opts.id, restart: opts.restart, shutdownMs: opts.shutdownMs, start: () => spawnChild(opts) };
}

async function spawnChild(opts: ProcessChildOptions): Promise<ChildHandle> {
  const child = spawn(opts.command, opts.args, {
    detached: true, // setsid(): the child leads a new process group we can signal as a whole
    stdio: opts.onOutput ? ['ignore', 'pipe', 'pipe'] : 'ignore',
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  // Later 'error' events (a failed kill) are covered by the exit handling below.
  child.on('error', () => {});
  const pid = child.pid!;
  trackGroup(pid);
  if (opts.onOutput) {
    child.stdout?.on('data', (c: Buffer) => opts.onOutput!(c, 'stdout'));
    child.stderr?.on('data', (c: Buffer) => opts.onOutput!(c, 'stderr'));
  }

  const latch = exitLatch();
  const { exited, settle } = latch;
  const exitEvent = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );
  void exitEvent.then(() => untrackGroup(pid));
  // The crash reporter; a planned stop removes it first so the stop is not reported as a crash.
  const onUnplannedExit = (code: number | null, signal: NodeJS.Signals | null): void => {
    // Whatever the child left in its group would otherwise run beside its replacement.
    signalGroup(pid, 'SIGKILL');
    settle(unplannedExit(code, signal));
  };
  child.once('exit', onUnplannedExit);

  let stopping: Promise<ChildExit> | undefined;
  const stop = (timeoutMs: number): Promise<ChildExit> => {
    stopping ??= (async () => {
      if (latch.final) return latch.final;
      child.off('exit', onUnplannedExit);
      await terminateTree({ pid, exited: exitEvent, graceMs: timeoutMs, clock: opts.clock ?? systemClock });
      const [code, signal] = await exitEvent;
      settle({ normal: true, reason: 'shutdown', code, signal });
      return exited;
    })();
    return stopping;
  };
  return { exited, stop, pid };
}

function unplannedExit(code: number | null, signal: NodeJS.Signals | null): ChildExit {
  if (code === 0) return { normal: true, code, signal, reason: 'exited with code 0' };
  return { normal: false, code, signal, reason: signal ? `killed by ${signal}` : `exited with code ${code}` };
}
