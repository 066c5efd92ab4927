/**
 * What a running task has said so far, kept so a client that did not start it (a TUI opened
 * mid-answer, a second TUI) can show it from the beginning: `task.list` replies with it, and the
 * client follows the task's topic from there.
 *
 * Consecutive deltas of one step are joined into one message as they arrive, so what is kept
 * grows with the answer's text, not with the number of chunks it came in (a 1 MB answer streamed
 * in 50,000 pieces is one message of 1 MB). The joined message keeps the last piece's `seq`: a
 * client that heard live messages before its snapshot arrived drops those at or below it.
 */
import type { LiveTask, TaskMessage } from '../../protocol/providerProtocol.js';

export type LiveTaskHead = Omit<LiveTask, 'messages'>;

export class LiveTaskLog {
  private readonly messages: TaskMessage[] = [];
  private session: LiveTask['session'];

  constructor(private readonly head: { taskId: string; text: string; startedAt: number }) {}

  /** The conversation the task runs in, once it has resolved it. */
  setSession(session: NonNullable<LiveTask['session']>): void {
    this.session = { id: session.id, number: session.number };
  }

  add(message: TaskMessage): void {
    const last = this.messages.at(-1);
    if (message.kind === 'delta' && last?.kind === 'delta' && last.step === message.step) {
      // A new object, not an edit: a snapshot already handed out keeps what it had.
      this.messages[this.messages.length - 1] = { kind: 'delta', seq: message.seq, step: message.step, text: last.text + message.text };
      return;
    }
    this.messages.push(message);
  }

  /** The task without its messages: what `started` announces. */
  header(): LiveTaskHead {
    return { ...this.head, ...(this.session ? { session: { ...this.session } } : {}) };
  }

  /** Everything so far, as `task.list` sends it; later messages do not change it. */
  snapshot(): LiveTask {
    return { ...this.header(), messages: this.messages.slice() };
  }
}
