import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import type { ContextPlanInfo, SessionInfo, SessionMessageInfo } from '../../src/protocol/sessionProtocol.js';
import { formatContextPlan, formatSessionCreated, formatSessionDiff, formatSessionList, formatSessionShow, oneLine } from '../../src/ui/sessionViews.js';

const NOW = Date.UTC(2026, 11, 3, 12, 0);

function session(over: Partial<SessionInfo> = {}): SessionInfo {
  return { id: 'a1b2c3d4-0000-4000-8000-000000000001', number: 12, origin: 'ask', messages: 4, parents: [], lineage: '', current: false, createdAt: NOW - 60_000, updatedAt: NOW - 30_000, ...over };
}

function message(over: Partial<SessionMessageInfo> = {}): SessionMessageInfo {
  return { id: 'm1m2m3m4-0000', writtenIn: 12, role: 'user', content: 'hello', status: 'complete', createdAt: NOW - 10_000, ...over };
}

describe('session views', () => {
  it('model text on one line: escape sequences and control characters never reach the terminal', () => {
    const line = oneLine('\u001b[2J\u001b[31mred\u001b[0m\r\nnext\u0007 line', 80);
    assert.equal(line, 'red next line');
  });

  it('a long or wide line is cut to the display width, CJK counted as two columns', () => {
    const cut = oneLine('会话'.repeat(50), 21);
    assert.ok(stringWidth(cut) <= 21, cut);
    assert.ok(cut.endsWith('…'));
  });

  it('the list marks the current session and says what the mark means; an empty list says how to start', () => {
    const text = formatSessionList([session({ current: true, name: 'login bug', lineage: 'fork of #3' }), session({ number: 3, id: 'ffff0000-1' })], NOW);
    assert.match(text, /^\*#12 +a1b2c3d4 .* login bug · fork of #3$/m);
    assert.match(text, /^ #3 +ffff0000 /m);
    assert.match(text, /\* current: what relay "task" continues/);
    assert.match(formatSessionList([], NOW), /relay "task" starts one/);
  });

  it('created: the number, the short id, the size and the lineage on one line', () => {
    assert.equal(formatSessionCreated('merged into', session({ number: 40, messages: 1, lineage: 'Derived: #12 #25' })), 'merged into #40 (a1b2c3d4) · 1 message · Derived: #12 #25');
  });

  it('show: each message with who wrote it, inherited ones marked with the session they come from', () => {
    const text = formatSessionShow(
      {
        session: session({ lineage: 'fork of #3' }),
        messages: [message({ writtenIn: 3 }), message({ role: 'assistant', content: 'hi\nthere', worker: 'chat', provider: 'alpha', model: 'alpha-small', costMicros: 1200 })],
      },
      NOW,
    );
    assert.match(text, /^session #12 · a1b2c3d4-/);
    assert.match(text, /user \(from #3\)/);
    assert.match(text, /assistant \[chat · alpha\/alpha-small\] · \$0\.0012/);
    assert.match(text, /\n {4}hi\n {4}there/);
  });

  it('diff: each side since the common message, an empty side said', () => {
    const text = formatSessionDiff({ a: session(), b: session({ number: 25 }), ancestor: 'abcdef0123', onlyA: [message({ content: 'left' })], onlyB: [] }, NOW);
    assert.match(text, /^#12 and #25, since their common message abcdef01/);
    assert.match(text, /only in #12: 1 message/);
    assert.match(text, /only in #25: 0 messages/);
  });

  it('context: every part in order with its tokens and why, and what did not fit', () => {
    const plan: ContextPlanInfo = {
      session: 12,
      budgetTokens: 1000,
      totalTokens: 30,
      compacted: { turns: 6, by: 'marker' },
      parts: [
        { kind: 'marker', role: 'system', content: '[6 earlier turns left out]', tokens: 10, why: 'over the budget' },
        { kind: 'history', role: 'user', content: 'hello', tokens: 20, session: 12, why: 'own chain' },
      ],
    };
    const text = formatContextPlan(plan);
    assert.match(text, /^context of #12: 30 of 1,000 tokens · 6 older turns did not fit/);
    assert.match(text, /1 +marker +system +10 +over the budget/);
    assert.match(text, /2 +history +user +20 +own chain +hello/);
    const [, , header, first, second] = text.split('\n');
    assert.equal(first!.indexOf('marker'), header!.indexOf('PART'), 'the columns line up');
    assert.equal(second!.indexOf('own chain'), first!.indexOf('over the budget'));
  });
});
