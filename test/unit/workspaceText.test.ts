/**
 * The workspace's text pipeline without a terminal: what a model streams is cleaned of escape
 * sequences (so it cannot restyle the screen) and wrapped to the pane in display columns (so CJK
 * and emoji never push a row past the border), the same however the text was cut into deltas.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { StreamCleaner, cleanText } from '../../src/ui/workspace/screenText.js';
import { WrappedText, displayWidth, wrapLine } from '../../src/ui/workspace/wrappedText.js';
import { ConversationModel } from '../../src/ui/workspace/conversationModel.js';
import { createLocalization } from '../../src/ui/i18n/i18n.js';

function rows(t: WrappedText): string[] {
  return Array.from({ length: t.rowCount }, (_, i) => t.row(i));
}

function appendedAtOnce(text: string, width: number): string[] {
  const t = new WrappedText(width);
  t.append(text);
  return rows(t);
}

function streamedByChar(text: string, width: number): string[] {
  const t = new WrappedText(width);
  for (const ch of text) t.append(ch);
  return rows(t);
}

/** Everything a cleaner returns for `chunks`, the end of the stream included. */
function cleanedStream(chunks: readonly string[]): string {
  const c = new StreamCleaner();
  return chunks.map((chunk) => c.push(chunk)).join('') + c.flush();
}

/** `text` cut at the given positions (sorted, deduplicated, inside the string). */
function cutAt(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((n) => n % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let from = 0;
  for (const n of at) {
    parts.push(text.slice(from, n));
    from = n;
  }
  parts.push(text.slice(from));
  return parts;
}

/** Text as models write it: words, CJK, emoji, spaces and newlines. */
const proseToken = fc.constantFrom('a', 'word', 'streaming', 'x'.repeat(23), ' ', ' ', '  ', '\n', '中', '文字', '会话分叉', '👍', '👨‍👩‍👧', 'é', '.');
const prose = fc.array(proseToken, { maxLength: 60 }).map((t) => t.join(''));
const width = fc.integer({ min: 2, max: 40 });

describe('wrapping to the pane width', () => {
  it('breaks between words at the width and keeps every word whole when it fits', () => {
    assert.deepEqual(wrapLine('the quick brown fox jumps', 10), ['the quick', 'brown fox', 'jumps']);
    assert.deepEqual(wrapLine('short', 10), ['short']);
  });

  it('cuts a word longer than the width hard instead of overflowing', () => {
    assert.deepEqual(wrapLine('abcdefghijklmnop', 5), ['abcde', 'fghij', 'klmno', 'p']);
    assert.deepEqual(wrapLine('go https://example.com/a/very/long/path', 10), ['go', 'https://ex', 'ample.com/', 'a/very/lon', 'g/path']);
  });

  it('counts CJK and emoji as two columns: no row is wider than the width', () => {
    const cjk = wrapLine('会话分叉合并图谱知识', 7);
    for (const row of cjk) assert.ok(stringWidth(row) <= 7, `${row} is ${stringWidth(row)} columns`);
    assert.equal(cjk.join(''), '会话分叉合并图谱知识');
    assert.equal(cjk[0], '会话分');
    const emoji = wrapLine('ok 👍👍👍👍 done', 6);
    for (const row of emoji) assert.ok(stringWidth(row) <= 6, `${row} is ${stringWidth(row)} columns`);
    assert.equal(displayWidth('中a👍'), 5);
  });

  it('property: no row is ever wider than the width, and no text other than break spaces is lost', () => {
    fc.assert(
      fc.property(prose, width, (text, w) => {
        for (const line of text.split('\n')) {
          const out = wrapLine(line, w);
          for (const row of out) assert.ok(stringWidth(row) <= w, `${JSON.stringify(row)} wider than ${w}`);
          assert.equal(out.join('').replace(/ /g, ''), line.replace(/ /g, ''));
        }
      }),
    );
  });

  it('an answer streamed one character at a time shows the same rows as the whole answer appended at once', () => {
    const answer = 'Relay runs each task on the cheapest model.\n会话分叉以后 the graph keeps both 👍 branches\n\nend';
    for (const w of [8, 13, 20, 80]) assert.deepEqual(streamedByChar(answer, w), appendedAtOnce(answer, w), `width ${w}`);
  });

  it('property: streaming in 1-character pieces gives the same rows as appending at once', () => {
    fc.assert(
      fc.property(prose, width, (text, w) => {
        assert.deepEqual(streamedByChar(text, w), appendedAtOnce(text, w));
      }),
      { numRuns: 300 },
    );
  });

  it('a resize wraps everything again at the new width', () => {
    const t = new WrappedText(40);
    t.append('one two three four five six seven eight nine ten\nsecond line');
    assert.deepEqual(rows(t), ['one two three four five six seven eight', 'nine ten', 'second line']);
    t.resize(12);
    assert.deepEqual(rows(t), appendedAtOnce(t.text, 12));
    for (const row of rows(t)) assert.ok(stringWidth(row) <= 12);
    t.resize(80);
    assert.deepEqual(rows(t), ['one two three four five six seven eight nine ten', 'second line']);
  });

  it('property: text streamed at one width then resized shows the rows of the text wrapped at the new width', () => {
    fc.assert(
      fc.property(prose, width, width, (text, w1, w2) => {
        const t = new WrappedText(w1);
        for (const ch of text) t.append(ch);
        t.resize(w2);
        assert.deepEqual(rows(t), appendedAtOnce(text, w2));
      }),
    );
  });
});

describe('cleaning model output before it is drawn', () => {
  it('strips colours, cursor moves and screen clears, keeping the text', () => {
    assert.equal(cleanText('\u001b[31mred\u001b[0m plain \u001b[1;32mbold green\u001b[m'), 'red plain bold green');
    assert.equal(cleanText('\u001b[2J\u001b[Htop\u001b[10;5Hmoved\u001b[Kcleared\u001b[?25l'), 'topmovedcleared');
  });

  it('strips window titles (OSC 0/2) and clipboard writes (OSC 52), with BEL or ST terminators', () => {
    assert.equal(cleanText('a\u001b]0;pwned title\u0007b'), 'ab');
    assert.equal(cleanText('a\u001b]2;title\u001b\\b'), 'ab');
    assert.equal(cleanText(`copy\u001b]52;c;${Buffer.from('rm -rf ~').toString('base64')}\u0007 done`), 'copy done');
  });

  it('drops BEL and other control characters, turns CRLF into a newline and never keeps a CR', () => {
    assert.equal(cleanText('ding\u0007\u0007 dong\u0000\u0008'), 'ding dong');
    assert.equal(cleanText('line one\r\nline two\r\n'), 'line one\nline two\n');
    assert.ok(!cleanText('progress 10%\rprogress 20%\r').includes('\r'));
    assert.equal(cleanText('a\tb'), 'a    b');
  });

  it('a colour sequence split across two chunks never shows `[31m`', () => {
    const text = 'before \u001b[31mred\u001b[0m after';
    for (let cut = 0; cut <= text.length; cut++) {
      const out = cleanedStream([text.slice(0, cut), text.slice(cut)]);
      assert.equal(out, 'before red after', `cut at ${cut}`);
      assert.ok(!out.includes('[31m') && !out.includes('[0m'));
    }
  });

  it('a CRLF split between two chunks is one newline', () => {
    assert.equal(cleanedStream(['one\r', '\ntwo']), 'one\ntwo');
  });

  it('a window title ended by ST (ESC \\) split at the ST does not leak the title', () => {
    assert.equal(cleanedStream(['a\u001b]0;title\u001b', '\\b']), 'ab');
  });

  it('a long OSC 52 clipboard write split across chunks does not leak its payload', () => {
    const osc = `\u001b]52;c;${'QUJD'.repeat(50)}\u0007`;
    assert.equal(cleanedStream([`a${osc.slice(0, 100)}`, `${osc.slice(100)}b`]), 'ab');
  });

  /** Pieces that are hard to stream: sequences of every kind, CR/LF, BEL, wide text. */
  const streamToken = fc.constantFrom(
    'plain',
    ' ',
    '中文',
    '👍',
    '\n',
    '\r\n',
    '\t',
    '\u0007',
    '\u001b[31m',
    '\u001b[0m',
    '\u001b[1;32m',
    '\u001b[2J',
    '\u001b[10;5H',
    '\u001b[?25l',
    '\u001b]0;title\u0007',
    '\u001b]52;c;aGVsbG8=\u0007',
  );
  const streamText = fc.array(streamToken, { maxLength: 30 }).map((t) => t.join(''));

  it('property: for any split into chunks, the cleaned stream equals cleanText of the whole (BEL-ended OSC, CSI, CRLF)', () => {
    fc.assert(
      fc.property(streamText, fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        assert.equal(cleanedStream(cutAt(text, cuts)), cleanText(text));
      }),
      { numRuns: 500 },
    );
  });

  it('property: ST-ended OSC sequences split anywhere clean the same as the whole', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('x', ' ', '\u001b]2;title\u001b\\', '\u001b[31m'), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 6 }), (tokens, cuts) => {
        const text = tokens.join('');
        assert.equal(cleanedStream(cutAt(text, cuts)), cleanText(text));
      }),
    );
  });
});

describe('answer headers', () => {
  it('a call on a subscription or a local model is free, not $0; a metered one shows its cost', () => {
    const model = new ConversationModel(createLocalization('en').t, 80);
    const candidate = (provider: string, model: string, billing: 'metered' | 'subscription' | 'local') => ({ provider, model, tier: 'standard' as const, billing, kept: true, why: 'cheapest' });
    const route = { worker: 'explainer', order: [], why: 'cheapest', candidates: [candidate('claude', 'haiku', 'subscription'), candidate('ollama', 'llama3', 'local'), candidate('openai', 'gpt-4o-mini', 'metered')] };
    model.apply('t1', { kind: 'route', seq: 1, step: 1, decision: route });
    const steps: Array<[string, string, number]> = [
      ['claude', 'haiku', 0],
      ['ollama', 'llama3', 0],
      ['openai', 'gpt-4o-mini', 1200],
    ];
    let seq = 2;
    for (const [i, [provider, m, cost]] of steps.entries()) {
      model.apply('t1', { kind: 'call', seq: seq++, step: i + 1, worker: 'explainer', provider, model: m, attempt: 1 });
      model.apply('t1', { kind: 'delta', seq: seq++, step: i + 1, text: 'ok' });
      model.apply('t1', { kind: 'step-done', seq: seq++, step: i + 1, worker: 'explainer', provider, model: m, costMicros: cost, usage: { inputTokens: 3, outputTokens: 1 } });
    }
    const headers = model.visibleRows(40).filter((r) => r.style === 'header').map((r) => r.text);
    assert.deepEqual(headers, [
      '[explainer] claude · haiku · free (subscription) · 4 tokens',
      '[explainer] ollama · llama3 · free (local) · 4 tokens',
      '[explainer] openai · gpt-4o-mini · $0.00120 · 4 tokens',
    ]);
  });
});

describe('daemon notes', () => {
  it('a note the daemon names is worded in the user language, with the workspace advice; an unnamed one is shown as sent', () => {
    const zh = new ConversationModel(createLocalization('zh').t, 80);
    zh.apply('t1', { kind: 'note', seq: 1, text: 'session #3: continuing after 6 earlier turns (--new starts a fresh one)', key: 'continuing', vars: { session: 3, count: 6 } });
    zh.apply('t1', { kind: 'note', seq: 2, text: 'something only the daemon says' });
    const en = new ConversationModel(createLocalization('en').t, 80);
    en.apply('t1', { kind: 'note', seq: 1, text: 'session #3: continuing after 1 earlier turn (--new starts a fresh one)', key: 'continuing', vars: { session: 3, count: 1 } });
    const rows = (m: ConversationModel): string[] => m.visibleRows(20).filter((r) => r.style === 'note').map((r) => r.text);
    assert.deepEqual(rows(zh), ['会话 #3：接着之前的 6 轮继续（/new 开始新会话）', 'something only the daemon says']);
    assert.deepEqual(rows(en), ['session #3: continuing after 1 earlier turn (/new starts a fresh one)']);
  });
});
