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
import type { ReplyPayload, RequestPayload, RequestResult, RequestType } from './protocol.js';
import { SendQueue } from './sendQueue.js';

export type RequestHandler<T extends RequestType> = (
  payload: RequestPayload<T>,
  envelope: Envelope,
) => Promise<RequestResult<T>> | RequestResult<T>;

export type RequestHandlers = { [T in RequestType]: RequestHandler<T> };

export interface BusServerOptions {
  paths: RelayPaths;
  handlers: RequestHandlers;
  /** Called with protocol errors (a bad frame never stops the loop). */
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

  /** Publish one value under a topic; never blocks the caller. */
  publish(topic: string, value: unknown): void {
    if (this.closed) return;
    this.events.send([topic, encode(value)]).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.router.close();
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
      const handler = this.opts.handlers[request.type as RequestType] as RequestHandler<RequestType> | undefined;
      if (!handler) {
        throw new RelayError('E_UNKNOWN_REQUEST', `the daemon does not know the request "${request.type}"`, {
          hint: 'restart the daemon so client and daemon are the same version: relay daemon restart',
        });
      }
      reply = { ok: true, result: await handler(request.payload as never, request) };
    } catch (e) {
      reply = { ok: false, ...toRelayError(e).toRecord() };
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
    await this.replies.send([identity, packEnvelope(envelope)]).catch(() => undefined);
  }
}
