/**
 * LiveTaskLog: what a client that did not start a task gets from `task.list` — every message so
 * far, a long answer as one message, and a snapshot that later messages do not change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveTaskLog } from '../../src/supervisor/workspace/liveTaskLog.js';
import type { TaskMessage } from '../../src/protocol/providerProtocol.js';

const head = { taskId: 't1', text: 'explain kubernetes', startedAt: 1_700_000_000_000 };

function logOf(messages: TaskMessage[]): LiveTaskLog {
  const log = new LiveTaskLog(head);
  for (const m of messages) log.add(m);
  return log;
}

const call = (seq: number, step: number): TaskMessage => ({ kind: 'call', seq, step, worker: 'explainer', provider: 'alpha', model: 'alpha-small', attempt: 1 });
const delta = (seq: number, step: number, text: string): TaskMessage => ({ kind: 'delta', seq, step, text });

describe('LiveTaskLog', () => {
  it('a 1 MB answer streamed in 50,000 pieces is kept as one message holding all of it, with the last seq', () => {
    const log = new LiveTaskLog(head);
    log.add(call(1, 1));
    const piece = 'x'.repeat(20) + 'é'; // 21 chars: not ASCII-only, so nothing depends on byte = char
    let expected = '';
    for (let i = 0; i < 50_000; i++) {
      log.add(delta(i + 2, 1, piece));
      expected += piece;
      // A client asking mid-answer (not on a block boundary) gets everything so far.
      if (i === 25_000) {
        const mid = log.snapshot().messages[1]!;
        assert.ok(mid.kind === 'delta' && mid.text === expected && mid.seq === i + 2, 'mid-answer: the answer so far');
      }
    }
    const { messages } = log.snapshot();
    assert.equal(messages.length, 2);
    const answer = messages[1]!;
    assert.equal(answer.kind, 'delta');
    assert.ok(answer.kind === 'delta' && answer.text === expected, 'the joined text is the answer exactly');
    assert.ok(expected.length > 1_000_000);
    assert.equal(answer.seq, 50_001, 'the joined message carries the last piece seq, so a client can drop what it already heard');
  });

  it('keeps order and joins only consecutive deltas of one step', () => {
    const warning: TaskMessage = { kind: 'warning', seq: 4, text: 'claude: retrying after a 429' };
    const done: TaskMessage = { kind: 'step-done', seq: 6, step: 1, worker: 'architect', provider: 'alpha', model: 'alpha-small', costMicros: 12 };
    const log = logOf([call(1, 1), delta(2, 1, 'Plan: '), delta(3, 1, 'token '), warning, delta(5, 1, 'bucket'), done, call(7, 2), delta(8, 2, 'Looks '), delta(9, 2, 'right')]);
    assert.deepEqual(log.snapshot().messages, [
      call(1, 1),
      delta(3, 1, 'Plan: token '),
      warning,
      delta(5, 1, 'bucket'),
      done,
      call(7, 2),
      delta(9, 2, 'Looks right'),
    ]);
    // A step change with no message between still starts a new answer.
    const back2back = logOf([delta(1, 1, 'one'), delta(2, 2, 'two')]);
    assert.deepEqual(back2back.snapshot().messages, [delta(1, 1, 'one'), delta(2, 2, 'two')]);
  });

  it('a snapshot handed out is not changed by what the task says next', () => {
    const log = logOf([call(1, 1), delta(2, 1, 'half ')]);
    const before = log.snapshot();
    log.add(delta(3, 1, 'and the rest'));
    log.add({ kind: 'note', seq: 4, text: 'done' });
    assert.deepEqual(before.messages, [call(1, 1), delta(2, 1, 'half ')]);
    assert.deepEqual(log.snapshot().messages, [call(1, 1), delta(3, 1, 'half and the rest'), { kind: 'note', seq: 4, text: 'done' }]);
  });

  it('has no session until the task resolves it, then shows it in the header and the snapshot', () => {
    const log = new LiveTaskLog(head);
    assert.deepEqual(log.header(), head);
    assert.equal('session' in log.header(), false);
    log.setSession({ id: 'conv-1', number: 12 });
    assert.deepEqual(log.header(), { ...head, session: { id: 'conv-1', number: 12 } });
    assert.deepEqual(log.snapshot(), { ...head, session: { id: 'conv-1', number: 12 }, messages: [] });
  });
});
