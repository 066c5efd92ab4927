/**
 * The worker threads provider calls run in: one piscina pool for the daemon. A call is I/O
 * (HTTP or a child process), so one thread runs many at once; threads keep their undici
 * dispatchers (keep-alive connections) between calls, and one thread stays warm so the first
 * token of a call does not wait for a thread to load.
 *
 * A thread that dies mid-call fails that call cleanly (`crashed`, with the usage seen so far);
 * piscina replaces the thread and the pool lives on.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { CALL_WORKER_ENTRY } from '../../platform/packageInfo.js';
import type { CallOutcome, StreamEvent, TokenUsage } from '../../protocol/providerProtocol.js';
import type { CallSpec } from '../../providers/callSpec.js';
import type { CallTask, FromWorker, ToWorker } from '../../providers/callWorker.js';

/** After an abort, the call gets this long to end on its own (and report its usage) before its thread is stopped. */
const ABORT_GRACE_MS = 5_000;

export interface CallPoolOptions {
  /** The compiled worker file; the shipped one unless a test gives its own. */
  filename?: string;
  maxThreads?: number;
  /** A thread error outside any call (piscina's `error` event). */
  onError: (e: Error) => void;
}

export interface RunningCall {
  readonly outcome: Promise<CallOutcome>;
  /** Stop the call; its outcome then says `cancelled`, with what was used. */
  abort(): void;
}

export class CallPool {
  private readonly pool: Piscina<CallTask, CallOutcome>;

  constructor(opts: CallPoolOptions) {
    this.pool = new Piscina({
      filename: opts.filename ?? CALL_WORKER_ENTRY,
      minThreads: 1,
      ...(opts.maxThreads === undefined ? {} : { maxThreads: opts.maxThreads }),
      concurrentTasksPerWorker: 32,
      idleTimeout: 60_000,
    });
    this.pool.on('error', (e: unknown) => opts.onError(e instanceof Error ? e : new Error(String(e))));
  }

  /** Start one call; `onEvents` gets its stream in order, before the outcome resolves. */
  run(spec: CallSpec, onEvents: (events: StreamEvent[]) => void): RunningCall {
    const { port1, port2 } = new MessageChannel();
    const started = Date.now();
    const terminate = new AbortController();
    let usage: TokenUsage | undefined;
    let chars = 0;
    let firstDeltaMs: number | undefined;
    let cancelled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const outcome = new Promise<CallOutcome>((resolve) => {
      let ended = false;
      const end = (o: CallOutcome): void => {
        if (ended) return;
        ended = true;
        clearTimeout(graceTimer);
        port1.close();
        resolve(o);
      };
      port1.on('message', (m: FromWorker) => {
        if (m.type === 'end') return end(m.outcome);
        for (const e of m.events) {
          if (e.type === 'delta') {
            firstDeltaMs ??= Date.now() - started;
            chars += e.text.length;
          } else if (e.type === 'usage') usage = e.usage;
        }
        onEvents(m.events);
      });
      this.pool
        .run({ spec, port: port2 }, { transferList: [port2], signal: terminate.signal })
        .then((o) => {
          // `end` normally came first; a worker that returned without it still has an outcome.
          setImmediate(() => end(o));
        })
        .catch((e: unknown) => {
          const why = e instanceof Error ? e.message : String(e);
          end({
            finish: cancelled ? 'cancelled' : 'error',
            chars,
            durationMs: Date.now() - started,
            ...(usage ? { usage } : {}),
            ...(firstDeltaMs === undefined ? {} : { firstDeltaMs }),
            ...(cancelled
              ? {}
              : { failure: { kind: 'crashed', message: `the call's worker thread failed: ${why.split('\n')[0]}`, moveOn: true } }),
          });
        });
    });

    return {
      outcome,
      abort: () => {
        if (cancelled) return;
        cancelled = true;
        try {
          port1.postMessage({ type: 'abort' } satisfies ToWorker);
        } catch {
          // The port is closed: the call has ended already.
        }
        graceTimer = setTimeout(() => terminate.abort(), ABORT_GRACE_MS);
        graceTimer.unref();
      },
    };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
