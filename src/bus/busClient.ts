/**
 * A client's end of the bus: a DEALER socket with typed requests, each with its own timeout.
 * Replies are matched to requests by envelope id, so requests may overlap.
 */
import { Dealer } from 'zeromq';
import { RelayError } from '../platform/errors.js';
import { ipcEndpoint, type RelayPaths } from '../platform/paths.js';
import { BUS_VERSION, packEnvelope, unpackEnvelope, type Envelope } from './envelope.js';
import type { ReplyPayload, RequestPayload, RequestResult, RequestType } from '../protocol/requests.js';
import { SendQueue } from './sendQueue.js';

/** A healthy daemon answers in well under a millisecond; 5 s covers a loaded machine. */
const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (e: RelayError) => void;
  timer: NodeJS.Timeout;
}

export class BusClient {
  private readonly dealer = new Dealer();
  private readonly queue = new SendQueue(this.dealer);
  private readonly pending = new Map<string, Pending>();
  private readonly self: string;
  private nextId = 1;
  private closed = false;
  private readonly loop: Promise<void>;

  constructor(paths: RelayPaths, name = `cli:${process.pid}`) {
    this.self = name;
    this.dealer.linger = 0;
    this.dealer.connect(ipcEndpoint(paths.busSocket));
    this.loop = this.readLoop();
  }

  /** Send a request and wait for its result; a daemon error arrives as the same RelayError. */
  request<T extends RequestType>(
    type: T,
    payload: RequestPayload<T>,
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<RequestResult<T>> {
    if (this.closed) return Promise.reject(new RelayError('E_INTERNAL', 'bus client is closed'));
    const id = `${this.nextId++}`;
    const envelope: Envelope = { v: BUS_VERSION, id, type, from: this.self, to: 'daemon', payload };
    return new Promise<RequestResult<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new RelayError('E_TIMEOUT', `the daemon did not answer "${type}" within ${timeoutMs} ms`, {
            hint: 'check it with relay daemon status, or restart it: relay daemon restart',
          }),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.queue.send(packEnvelope(envelope)).catch((e: unknown) => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new RelayError('E_DAEMON_UNAVAILABLE', `could not send "${type}" to the daemon`, { cause: e }));
      });
    });
  }

  /** Close the socket; requests in flight are rejected. Resolves when the reader loop ended. */
  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RelayError('E_INTERNAL', 'bus client closed while a request was in flight'));
    }
    this.pending.clear();
    this.dealer.close();
    return this.loop;
  }

  private async readLoop(): Promise<void> {
    try {
      for await (const [frame] of this.dealer) {
        if (!frame) continue;
        let env: Envelope<ReplyPayload>;
        try {
          env = unpackEnvelope(frame) as Envelope<ReplyPayload>;
        } catch {
          continue;
        }
        const p = this.pending.get(env.id);
        if (!p) continue;
        this.pending.delete(env.id);
        clearTimeout(p.timer);
        const reply = env.payload;
        if (reply.ok) p.resolve(reply.result);
        else p.reject(new RelayError(reply.error.code, reply.error.message, reply.error.hint ? { hint: reply.error.hint } : {}));
      }
    } catch {
      // The socket was closed: pending requests were rejected by close().
    }
  }
}
