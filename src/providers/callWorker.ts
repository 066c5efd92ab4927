/**
 * The worker-thread side of a provider call (piscina loads the compiled file by path). The
 * daemon sends a {@link CallSpec} and a MessagePort; everything the call streams goes back on
 * the port, and the last message on it is `end` with the outcome, so the daemon has every delta
 * before it learns the call is over (the task's own result travels on another channel).
 *
 * Text deltas are coalesced per turn of the event loop: a fast stream arrives as thousands of
 * tiny SSE events, and one postMessage per event would cost more than the HTTP itself.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CallOutcome, StreamEvent } from '../protocol/providerProtocol.js';
import type { CallSpec } from './callSpec.js';
import { runHttpCall } from './httpCall.js';
import { runCliCall } from './cliCall.js';

/** What the daemon sends on the port: stop the call now. */
export type ToWorker = { type: 'abort' };
/** What the worker sends on the port. */
export type FromWorker = { type: 'events'; events: StreamEvent[] } | { type: 'end'; outcome: CallOutcome };

export interface CallTask {
  spec: CallSpec;
  port: MessagePort;
}

/** Flush coalesced text once this much has built up, even within one turn. */
const FLUSH_CHARS = 64 * 1024;

export default async function runCall({ spec, port }: CallTask): Promise<CallOutcome> {
  const abort = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') abort.abort();
  });
  let queued: StreamEvent[] = [];
  let text = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (text) {
      queued.push({ type: 'delta', text });
      text = '';
    }
    if (queued.length === 0) return;
    const events = queued;
    queued = [];
    port.postMessage({ type: 'events', events } satisfies FromWorker);
  };
  const emit = (e: StreamEvent): void => {
    if (e.type === 'delta') {
      text += e.text;
      if (text.length >= FLUSH_CHARS) flush();
    } else {
      // Keep order: text before a non-text event goes first.
      if (text) {
        queued.push({ type: 'delta', text });
        text = '';
      }
      queued.push(e);
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  try {
    const outcome = spec.kind === 'http' ? await runHttpCall(spec, emit, abort.signal) : await runCliCall(spec, emit, abort.signal);
    flush();
    port.postMessage({ type: 'end', outcome } satisfies FromWorker);
    return outcome;
  } finally {
    port.close();
  }
}
