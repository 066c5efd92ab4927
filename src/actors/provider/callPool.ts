/**
 * The daemon's pool of worker threads for provider calls (piscina). A call is a task that gets
 * its own MessageChannel: events stream back on it while the call runs, and it ends with the
 * outcome (see callWorker.ts for why the outcome travels there too).
 *
 * Failure containment: a worker that dies (an uncaught error, a native crash) rejects its tasks;
 * each of them ends as a `crashed` outcome carrying the usage streamed so far, so the budget
 * guard can still charge it and the router can move on. The daemon never sees the throw.
 */
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { createRequire } from 'node:module';
import type { CallSpec } from '../../providers/callSpec.js';
import type { FromWorker, ToWorker } from '../../providers/callWorker.js';
import type { CallOutcome, StreamEvent, TokenUsage } from '../../protocol/providerProtocol.js';
import { CALL_WORKER_ENTRY } from '../../platform/packageInfo.js';

/** After an abort, how long a call gets to stop cleanly before its thread is terminated. */
export const ABORT_GRACE_MS = 5_000;

export interface CallPoolOptions {
  /** The worker entry; the compiled callWorker.js unless a test gives another. */
  filename?: string;
  maxThreads?: number;
  /** Errors of the pool itself (a worker that failed outside any task). */
  onError: (e: Error) => void;
}

export interface RunningCall {
  readonly outcome: Promise<CallOutcome>;
  /** Ask the call to stop; the outcome then says `cancelled` with what was used. */
  abort(): void;
}

const loadPiscina = (): typeof import('piscina') => createRequire(import.meta.url)('piscina') as typeof import('piscina');

export class CallPool {
  private piscina: Piscina | undefined;
  private closed = false;

  constructor(private readonly opts: CallPoolOptions) {}

  /**
   * Threads start with the first call, not with the daemon: a daemon that only supervises agents
   * never pays for them (idle memory is a goal).
   */
  private get pool(): Piscina {
    if (this.piscina) return this.piscina;
    const opts = this.opts;
    // Loaded with the first call (~10 MB): a daemon that only supervises agents never pays for it.
    const { Piscina: Pool } = loadPiscina();
    this.piscina = new Pool({
      filename: opts.filename ?? CALL_WORKER_ENTRY,
      minThreads: 1,
      maxThreads: opts.maxThreads ?? 2,
      // Calls wait on the network or a child process, not the CPU: many share a thread.
      concurrentTasksPerWorker: 32,
      // 'sync' would park an idle thread in Atomics.wait, stalling the calls it still runs.
      atomics: 'disabled',
      idleTimeout: 60_000,
    });
    this.piscina.on('error', (e: unknown) => opts.onError(e instanceof Error ? e : new Error(String(e))));
    return this.piscina;
  }

  get threads(): number {
    return this.piscina?.threads.length ?? 0;
  }

  run(spec: CallSpec, onEvents: (events: StreamEvent[]) => void): RunningCall {
    if (this.closed) throw new Error('the call pool is closed');
    const { port1, port2 } = new MessageChannel();
    const hardStop = new AbortController();
    const started = performance.now();
    let usage: TokenUsage | undefined;
    let chars = 0;
    let ended: CallOutcome | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const endSeen = new Promise<CallOutcome>((resolve) => {
      port1.on('message', (m: FromWorker) => {
        if (m.type === 'events') {
          for (const e of m.events) {
            if (e.type === 'usage') usage = e.usage;
            else if (e.type === 'delta') chars += e.text.length;
          }
          onEvents(m.events);
        } else {
          ended = m.outcome;
          resolve(m.outcome);
        }
      });
    });
    const crashed = (e: unknown): CallOutcome => hardStop.signal.aborted ? {
      // Terminated after an abort it did not answer in time: still a cancel, not a crash.
      finish: 'cancelled',
      ...(usage ? { usage } : {}),
      chars,
      durationMs: Math.round(performance.now() - started),
    } : ({
      finish: 'error',
      ...(usage ? { usage } : {}),
      failure: {
        kind: 'crashed',
        message: `the call's worker thread stopped: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300),
        moveOn: true,
      },
      chars,
      durationMs: Math.round(performance.now() - started),
    });
    const task = this.pool.run({ spec, port: port2 }, { transferList: [port2], signal: hardStop.signal });
    const outcome = Promise.race([endSeen, task.then(() => endSeen)]).then(
      (o) => o,
      (e: unknown) => ended ?? crashed(e),
    ).finally(() => {
      clearTimeout(graceTimer);
      port1.close();
    });
    // A rejected task whose outcome already arrived is not an error anyone needs to see.
    task.catch(() => undefined);
    return {
      outcome,
      abort: () => {
        if (ended || graceTimer) return;
        port1.postMessage({ type: 'abort' } satisfies ToWorker);
        graceTimer = setTimeout(() => hardStop.abort(), ABORT_GRACE_MS);
        graceTimer.unref();
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina?.destroy();
  }
}
