/**
 * zeromq 6 allows one blocked send per socket at a time (a second gets EBUSY). Every send on a
 * socket goes through its queue, which keeps them in order and one at a time.
 */
import type { MessageLike } from 'zeromq';

interface Sendable {
  send(message: MessageLike | MessageLike[]): Promise<void>;
}

export class SendQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly socket: Sendable) {}

  send(message: MessageLike | MessageLike[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(message));
    this.tail = next.catch(() => undefined);
    return next;
  }
}
