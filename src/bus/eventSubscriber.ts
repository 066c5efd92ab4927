/**
 * A SUB socket on the daemon's event socket. Messages go to one handler, in order, from one
 * reader loop. `live()` proves the subscription has reached the daemon (ZeroMQ subscriptions
 * propagate asynchronously): it asks the daemon to publish a token until the token arrives, so
 * nothing published afterwards can be missed.
 */
import { randomUUID } from 'node:crypto';
import { Subscriber } from 'zeromq';
import { RelayError } from '../platform/errors.js';
import { ipcEndpoint, type RelayPaths } from '../platform/paths.js';
import type { BusClient } from './busClient.js';
import { decode } from './codec.js';
import { TOPIC } from '../protocol/requests.js';

/** A new subscription usually goes live in well under 10 ms; ask again this often until it does. */
const SYNC_RETRY_MS = 50;
const SYNC_TIMEOUT_MS = 5_000;

type MessageHandler = (topic: string, value: unknown) => void;

export class EventSubscriber {
  private readonly socket = new Subscriber();
  private readonly loop: Promise<void>;
  private readonly tokens = new Map<string, () => void>();

  constructor(paths: RelayPaths, topics: string[], private readonly onMessage: MessageHandler) {
    this.socket.linger = 0;
    // A follower that falls behind must not lose events: let the queue grow.
    this.socket.receiveHighWaterMark = 100_000;
    this.socket.connect(ipcEndpoint(paths.eventsSocket));
    if (topics.length > 0) this.socket.subscribe(...topics);
    this.loop = this.read();
  }

  /**
   * Called when the connection to the daemon comes back after being lost (a restarted daemon):
   * whatever was published in between is gone from this socket and must be read from the log.
   */
  onReconnect(listener: () => void): void {
    let lost = false;
    this.socket.events.on('disconnect', () => (lost = true));
    this.socket.events.on('handshake', () => {
      if (!lost) return;
      lost = false;
      listener();
    });
  }

  subscribe(topic: string): void {
    this.socket.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.socket.unsubscribe(topic);
  }

  /** Resolves once every topic subscribed so far is live at the daemon. */
  async live(client: BusClient): Promise<void> {
    const token = randomUUID();
    const topic = TOPIC.sync(token);
    let seen = false;
    const arrived = new Promise<void>((resolve) => this.tokens.set(token, () => ((seen = true), resolve())));
    this.socket.subscribe(topic);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    try {
      while (!seen) {
        if (Date.now() > deadline) {
          throw new RelayError('E_TIMEOUT', 'could not subscribe to the daemon event stream', {
            hint: 'restart the daemon: relay daemon restart',
          });
        }
        await client.request('events.sync', { token });
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([arrived, new Promise<void>((r) => (timer = setTimeout(r, SYNC_RETRY_MS)))]);
        clearTimeout(timer);
      }
    } finally {
      this.tokens.delete(token);
      if (!this.socket.closed) this.socket.unsubscribe(topic);
    }
  }

  private async read(): Promise<void> {
    try {
      for await (const [topicBuf, body] of this.socket) {
        if (!topicBuf || !body) continue;
        const topic = topicBuf.toString();
        if (topic.startsWith('sync:')) {
          this.tokens.get(topic.slice('sync:'.length))?.();
          continue;
        }
        this.onMessage(topic, decode(body));
      }
    } catch (e) {
      if (!this.socket.closed) throw e;
    }
  }

  /** Close the socket; resolves when the reader loop has ended. */
  async close(): Promise<void> {
    if (!this.socket.closed) this.socket.close();
    await this.loop.catch(() => undefined);
  }
}
