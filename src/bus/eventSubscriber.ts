/**
 * A SUB socket on the daemon's event socket, read as an async stream of `[topic, value]`.
 */
import { Subscriber } from 'zeromq';
import { ipcEndpoint, type RelayPaths } from '../platform/paths.js';
import { decode } from './codec.js';

export class EventSubscriber {
  private readonly socket = new Subscriber();

  constructor(paths: RelayPaths, topics: string[]) {
    this.socket.linger = 0;
    // A follower that falls behind must not lose events: let the kernel-side queue grow.
    this.socket.receiveHighWaterMark = 100_000;
    this.socket.connect(ipcEndpoint(paths.eventsSocket));
    this.socket.subscribe(...topics);
  }

  subscribe(topic: string): void {
    this.socket.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.socket.unsubscribe(topic);
  }

  async *messages(): AsyncGenerator<[string, unknown]> {
    try {
      for await (const [topic, body] of this.socket) {
        if (!topic || !body) continue;
        yield [topic.toString(), decode(body)];
      }
    } catch (e) {
      if (!this.socket.closed) throw e;
    }
  }

  close(): void {
    if (!this.socket.closed) this.socket.close();
  }
}
