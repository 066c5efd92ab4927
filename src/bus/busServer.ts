/**
 * The daemon's end of the bus: a ROUTER socket answering requests and a PUB socket for events,
 * both ipc sockets in the private run dir. One reader loop per socket; handlers are async and may
 * overlap, replies go out through the socket's send queue.
 */
import { chmodSync, rmSync } from 'node:fs';
import { Publisher, Router } from 'zeromq';
import { RelayError, toRelayError } from '../platform/errors.js';
import { FILE_MODE, ipcEndpoint, type RelayPaths } from '../platform/paths.js';
import { encode } from './codec.js';
import { BUS_VERSION, packEnvelope, unpackEnvelope, type Envelope } from './envelope.js';
import type { ReplyPayload, RequestPayload, RequestResult, RequestType } from '../protocol/requests.js';
import { SendQueue } from './sendQueue.js';

export type RequestHandler<T extends RequestType> = (
  payload: RequestPayload<T>,
  envelope: Envelope,
) => Promise<RequestResult<T>> | RequestResult<T>;

export type RequestHandlers = { [T in RequestType]: RequestHandler<T> };

/** Largest request frame accepted (ZeroMQ drops the connection of a peer that sends more). */
const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** Time the event socket gets at close to send the last events (`daemon.stopped`) to followers. */
const PUBLISH_LINGER_MS = 200;

interface BusServerOptions {
  paths: RelayPaths;
  handlers: RequestHandlers;
  /**
   * Called with protocol errors (a bad frame never stops the loop) and with sends that failed (an
   * event not published, a reply not sent: its peer never gets it), but not with sends cut short
   * by {@link BusServer.close}.
   */
  onError?: (e: RelayError) => void;
}

export class BusServer {
  private readonly router = new Router();
  private readonly publisher = new Publisher();
  private readonly replies = new SendQueue(this.router);
  private readonly events = new SendQueue(this.publisher);
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly opts: BusServerOptions) {
    // Unsent messages must not keep the daemon alive on shutdown.
    this.router.linger = 0;
    this.publisher.linger = 0;
    // Events are never dropped for a slow `tail` before this many are queued for it.
    this.publisher.sendHighWaterMark = 100_000;
    // No request is this big (an agent.start carries an environment, a few KB); a bigger
    // frame is a mistake or an attack and must not be buffered whole.
    this.router.maxMessageSize = MAX_FRAME_BYTES;
  }

  /** Bind both sockets. Only the holder of the daemon lock calls this, so stale files are ours to remove. */
  async bind(): Promise<void> {
    const { busSocket, eventsSocket } = this.opts.paths;
    for (const path of [busSocket, eventsSocket]) rmSync(path, { force: true });
    await this.router.bind(ipcEndpoint(busSocket));
    await this.publisher.bind(ipcEndpoint(eventsSocket));
    // libzmq creates the socket files with the umask's mode; make them private explicitly.
    for (const path of [busSocket, eventsSocket]) chmodSync(path, FILE_MODE);
    this.loop = this.readLoop();
  }

  /** Publish one value under a topic; never blocks the caller (a failed send goes to `onError`). */
  publish(topic: string, value: unknown): void {
    if (this.closed) return;
    this.events.send([topic, encode(value)]).catch((e: unknown) => this.sendFailed(`the event "${topic}"`, e));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.router.close();
    this.publisher.linger = PUBLISH_LINGER_MS;
    this.publisher.close();
    await this.loop?.catch(() => undefined);
    const { busSocket, eventsSocket } = this.opts.paths;
    for (const path of [busSocket, eventsSocket]) rmSync(path, { force: true });
  }

  private async readLoop(): Promise<void> {
    try {
      for await (const [identity, frame] of this.router) {
        if (!identity || !frame) continue;
        void this.handle(identity, frame);
      }
    } catch (e) {
      if (!this.closed) throw e;
    }
  }

  private async handle(identity: Buffer, frame: Buffer): Promise<void> {
    let request: Envelope;
    try {
      request = unpackEnvelope(frame);
    } catch (e) {
      this.opts.onError?.(toRelayError(e));
      return;
    }
    let reply: ReplyPayload;
    try {
      // Own properties only: a request named `toString` must not reach Object.prototype.
      const handler = Object.hasOwn(this.opts.handlers, request.type)
        ? (this.opts.handlers[request.type as RequestType] as RequestHandler<RequestType>)
        : undefined;
      if (!handler) {
        throw new RelayError('E_UNKNOWN_REQUEST', `the daemon does not know the request "${request.type}"`, {
          hint: 'restart the daemon so client and daemon are the same version: relay daemon restart',
        });
      }
      const payload = request.payload && typeof request.payload === 'object' ? request.payload : {};
      reply = { ok: true, result: await handler(payload as never, request) };
    } catch (e) {
      // A handler that trips over a payload of the wrong shape was sent a malformed request.
      const err =
        e instanceof TypeError
          ? new RelayError('E_BUS_PROTOCOL', `malformed "${request.type}" request: ${e.message}`)
          : toRelayError(e);
      reply = { ok: false, ...err.toRecord() };
    }
    if (this.closed) return;
    const envelope: Envelope<ReplyPayload> = {
      v: BUS_VERSION,
      id: request.id,
      type: 'reply',
      from: 'daemon',
      to: request.from,
      payload: reply,
    };
    await this.replies
      .send([identity, packEnvelope(envelope)])
      .catch((e: unknown) => this.sendFailed(`the reply to "${request.type}" request ${request.id}`, e));
  }

  private sendFailed(what: string, e: unknown): void {
    if (this.closed) return;
    const reason = e instanceof Error ? e.message : String(e);
    this.opts.onError?.(new RelayError('E_INTERNAL', `${what} could not be sent: ${reason}`, { cause: e }));
  }
}
