import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import { formatClockTime } from '../../src/platform/duration.js';
import type { SessionEdgeInfo, SessionInfo, SessionMessageInfo } from '../../src/protocol/sessionProtocol.js';
import { renderSessionLog, type SessionLogInput } from '../../src/ui/sessionLogView.js';

const NOW = Date.UTC(2026, 11, 3, 12);
/** The clock time as the view prints it (the locale decides `12:00` or `12:00 PM`). */
const T = formatClockTime(NOW, NOW);

const msg = (id: string, writtenIn: number, role: SessionMessageInfo['role'], content: string, over: Partial<SessionMessageInfo> = {}): SessionMessageInfo => ({
  id,
  writtenIn,
  role,
  content,
  status: 'complete',
  createdAt: NOW,
  ...over,
});

const session = (over: Partial<SessionInfo> = {}): SessionInfo => ({
  id: 'b',
  number: 25,
  origin: 'fork',
  messages: 3,
  parents: [12],
  lineage: 'fork of #12',
  current: false,
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});

const edge = (over: Partial<SessionEdgeInfo> & Pick<SessionEdgeInfo, 'kind' | 'child' | 'parent'>): SessionEdgeInfo => ({ createdAt: NOW, ...over });

/** #25 forked from #12 at its 2nd message; #40 merged from #25's head, #31 forked there too. */
function forkLog(): SessionLogInput {
  return {
    session: session({ name: 'cache idea' }),
    messages: [
      msg('m1aaaaaaaa', 12, 'user', 'which db'),
      msg('m2bbbbbbbb', 12, 'assistant', 'Postgres\n\nbecause it is boring', { worker: 'coder', provider: 'openai', model: 'gpt-5' }),
      msg('m3cccccccc', 25, 'user', 'what about a cache'),
    ],
    parents: [edge({ kind: 'fork', child: 'b', childNumber: 25, parent: 'a', parentNumber: 12, atMessage: 'm2bbbbbbbb' })],
    children: [
      edge({ kind: 'merge', child: 'c', childNumber: 40, parent: 'b', parentNumber: 25, atMessage: 'm3cccccccc' }),
      edge({ kind: 'fork', child: 'd', childNumber: 31, parent: 'b', parentNumber: 25, atMessage: 'm3cccccccc' }),
    ],
  };
}

describe('relay session log', () => {
  it('lineage on top, newest first, the ancestor boundary and the edges made at a message marked', () => {
    assert.equal(
      renderSessionLog(forkLog(), { now: NOW }),
      [
        '#25 cache idea · fork · 3 messages',
        'from: fork of #12 at m2bbbbbb',
        'into: #40 (merge), #31 (fork)',
        `* m3cccccc ${T} user what about a cache  ◀ merged into #40 ◀ fork #31`,
        '── from #12 (forked at m2bbbbbb)',
        `* m2bbbbbb ${T} assistant [coder · openai/gpt-5] Postgres`,
        `* m1aaaaaa ${T} user which db`,
      ].join('\n'),
    );
  });

  it('each boundary deeper in the chain is marked by who wrote the messages, a deleted session too', () => {
    const input = forkLog();
    input.session.messages = 5;
    input.messages = [msg('m0dddddddd', 0, 'user', 'from a deleted one'), msg('m0eeeeeeee', 5, 'user', 'from #5'), ...input.messages];
    const boundaries = renderSessionLog(input, { now: NOW })
      .split('\n')
      .filter((l) => l.startsWith('──'));
    assert.deepEqual(boundaries, ['── from #12 (forked at m2bbbbbb)', '── from #5', '── from a deleted session']);
  });

  it('a merged session says where it is derived from; a handoff its reason; an import its source', () => {
    const merged = renderSessionLog(
      {
        session: session({ id: 'c', number: 40, origin: 'merge', messages: 1, parents: [12, 25], lineage: 'Derived: #12 #25', current: true }),
        messages: [msg('m9ffffffff', 40, 'system', 'Derived: #12 #25')],
        parents: [
          edge({ kind: 'merge', child: 'c', childNumber: 40, parent: 'a', parentNumber: 12, atMessage: 'm2bbbbbbbb' }),
          edge({ kind: 'merge', child: 'c', childNumber: 40, parent: 'b', parentNumber: 25, atMessage: 'm3cccccccc' }),
        ],
        children: [],
      },
      { now: NOW },
    );
    assert.equal(merged, ['#40 · merge · 1 message · current', 'from: Derived: #12 #25', `* m9ffffff ${T} system Derived: #12 #25`].join('\n'));

    const handedOff = renderSessionLog(
      {
        session: session({ id: 'h', number: 4, origin: 'wrap', messages: 0, parents: [3], lineage: 'handoff from #3 (limit, resets 10:57)' }),
        messages: [],
        parents: [
          edge({ kind: 'handoff', child: 'h', childNumber: 4, parent: 'x', parentNumber: 3, note: 'limit, resets 10:57' }),
          edge({ kind: 'import', child: 'h', childNumber: 4, parent: 'claude:1a2b3c4d-5e6f', note: undefined }),
          edge({ kind: 'fork', child: 'h', childNumber: 4, parent: 'gone', atMessage: 'm0dddddddd' }),
        ],
        children: [],
      },
      { now: NOW },
    );
    assert.deepEqual(handedOff.split('\n').slice(1, 3), [
      'from: handoff from #3 (limit, resets 10:57), imported from claude 1a2b3c4d,',
      '      fork of a deleted session at m0dddddd',
    ]);
    assert.match(handedOff, /no messages yet$/);
  });

  it('every line fits the width with wide text; the marks survive the cut, the text is what is cut', () => {
    const input = forkLog();
    input.session.name = '缓存想法'.repeat(20);
    input.messages = [...input.messages.slice(0, 2), msg('m3cccccccc', 25, 'user', '🚀 缓存 '.repeat(40), { worker: '工人' })];
    for (const width of [80, 50, 30, 12]) {
      const text = renderSessionLog(input, { now: NOW, width });
      for (const line of text.split('\n')) assert.ok(stringWidth(line) <= width, `${stringWidth(line)} > ${width}: ${line}`);
    }
    const head = renderSessionLog(input, { now: NOW, width: 80 }).split('\n')[3]!;
    assert.match(head, /^\* m3cccccc .* user 🚀 缓存 .*…  ◀ merged into #40 ◀ fork #31$/);
  });

  it('a message shows its first line only, with escapes and control characters gone', () => {
    const input = forkLog();
    input.messages = [msg('m1aaaaaaaa', 25, 'assistant', '\n\n  \u001b[31mred\u001b[0m text\u0007\nsecond line', { status: 'partial' })];
    input.session.messages = 1;
    const line = renderSessionLog(input, { now: NOW }).split('\n').at(-1);
    assert.equal(line, `* m1aaaaaa ${T} assistant (partial) red text`);
  });

  it('a log cut by -n says how many it shows', () => {
    const input = forkLog();
    input.session.messages = 300;
    assert.equal(renderSessionLog(input, { now: NOW }).split('\n')[3], '(the newest 3 of 300: -n shows more)');
  });

  it('colour only paints: without the escapes it is the plain text', () => {
    const plain = renderSessionLog(forkLog(), { now: NOW });
    const painted = renderSessionLog(forkLog(), { now: NOW, color: true });
    assert.notEqual(painted, plain);
    assert.equal(stripAnsi(painted), plain);
  });
});
