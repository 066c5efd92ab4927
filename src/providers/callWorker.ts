/**
 * The worker-thread entry piscina loads (compiled to dist/providers/callWorker.js): it runs one
 * provider call — HTTP or an agent CLI — and streams its events to the daemon on the MessagePort
 * it was handed. Many calls share a thread (they are I/O-bound), so nothing here is global.
 *
 * Why events and the outcome both travel on the task's own port: piscina's result comes back on
 * a different channel, and two MessagePorts give no ordering between them. Ending with an `end`
 * message on the same port guarantees the daemon has every delta before it settles the call.
 *
 * Deltas are coalesced per turn of the event loop (or 64 KiB), so a fast local model streaming
 * thousands of tiny chunks costs a few postMessage calls, not thousands.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CallSpec } from './callSpec.js';
import type { CallOutcome, StreamEvent } from '../protocol/providerProtocol.js';
import { runCliCall } from './cliCall.js';
import { runHttpCall } from './httpCall.js';

/** What the daemon sends a running call. */
export type ToWorker = { type: 'abort' };
/** What a running call sends the daemon, in order, `end` last. */
export type FromWorker = { type: 'events'; events: StreamEvent[] } | { type: 'end'; outcome: CallOutcome };

export interface CallTask {
  spec: CallSpec;
  port: MessagePort;
}

const FLUSH_BYTES = 64 * 1024;

export default async function runCall({ spec, port }: CallTask): Promise<CallOutcome> {
  const abort = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m?.type === 'abort') abort.abort();
  });
  let pending: StreamEvent[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const events = pending;
    pending = [];
    pendingBytes = 0;
    port.postMessage({ type: 'events', events } satisfies FromWorker);
  };
  const emit = (e: StreamEvent): void => {
    pending.push(e);
    if (e.type === 'delta') pendingBytes += e.text.length;
    if (pendingBytes >= FLUSH_BYTES) flush();
    else if (!scheduled) {
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
