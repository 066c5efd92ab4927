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

/**
 * Pieces of the open answer joined into one string this many at a time. Joining as they come
 * would keep every piece alive inside V8's concatenation tree (about 7 bytes held per byte of a
 * 1 MB answer streamed in 20-character pieces); blocks keep it near one byte per byte.
 */
const PIECES_PER_BLOCK = 512;

/** The answer of one step still streaming: its pieces, its last seq. */
interface OpenDelta {
  step: number;
  seq: number;
  /** Full blocks, each already one string. */
  blocks: string[];
  pieces: string[];
}

export class LiveTaskLog {
  /** Every message before the open answer, in order. */
  private readonly closed: TaskMessage[] = [];
  private open: OpenDelta | undefined;
  private session: LiveTask['session'];

  constructor(private readonly head: { taskId: string; text: string; startedAt: number }) {}

  /** The conversation the task runs in, once it has resolved it. */
  setSession(session: NonNullable<LiveTask['session']>): void {
    this.session = { id: session.id, number: session.number };
  }

  add(message: TaskMessage): void {
    if (message.kind === 'delta' && this.open?.step === message.step) {
      const open = this.open;
      open.seq = message.seq;
      open.pieces.push(message.text);
      if (open.pieces.length >= PIECES_PER_BLOCK) {
        open.blocks.push(open.pieces.join(''));
        open.pieces = [];
      }
      return;
    }
    this.closeOpen();
    if (message.kind === 'delta') this.open = { step: message.step, seq: message.seq, blocks: [], pieces: [message.text] };
    else this.closed.push(message);
  }

  /** The task without its messages: what `started` announces. */
  header(): LiveTaskHead {
    return { ...this.head, ...(this.session ? { session: { ...this.session } } : {}) };
  }

  /** Everything so far, as `task.list` sends it; later messages do not change it. */
  snapshot(): LiveTask {
    const open = this.open ? [this.openMessage(this.open)] : [];
    return { ...this.header(), messages: [...this.closed, ...open] };
  }

  private closeOpen(): void {
    if (!this.open) return;
    this.closed.push(this.openMessage(this.open));
    this.open = undefined;
  }

  /** The open answer as one message; what was joined stays joined, so the next snapshot is cheaper. */
  private openMessage(open: OpenDelta): TaskMessage {
    const text = open.blocks.join('') + open.pieces.join('');
    open.blocks = [text];
    open.pieces = [];
    return { kind: 'delta', seq: open.seq, step: open.step, text };
  }
}
