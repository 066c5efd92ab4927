/**
 * The input line and the paste splitter without a terminal: editing moves by what the user sees
 * as one character (a CJK character, a family emoji), history keeps what was being typed, the
 * visible window always shows the cursor inside the width, and a paste arrives whole however the
 * terminal's reads cut it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { InputLine } from '../../src/ui/workspace/inputLine.js';
import { PasteSplitter } from '../../src/ui/workspace/pasteSplitter.js';

const FAMILY = '👨‍👩‍👧';
const START = '\u001b[200~';
const END = '\u001b[201~';

function typed(text: string, history: readonly string[] = []): InputLine {
  const input = new InputLine(history);
  for (const ch of text) input.insert(ch);
  return input;
}

function shown(v: { before: string; under: string; after: string }): string {
  return v.before + v.under + v.after;
}

describe('input line editing', () => {
  it('backspace removes one whole grapheme: an emoji family, a CJK character, an accented letter', () => {
    const input = new InputLine();
    input.insert(`a中${FAMILY}é`);
    assert.equal(input.cursor, 4);
    input.backspace();
    assert.equal(input.text, `a中${FAMILY}`);
    input.backspace();
    assert.equal(input.text, 'a中');
    input.backspace();
    assert.equal(input.text, 'a');
    input.backspace();
    input.backspace();
    assert.equal(input.text, '');
    assert.equal(input.cursor, 0);
  });

  it('left/right/home/end move by grapheme and typing inserts at the cursor', () => {
    const input = typed('会话👍');
    input.left();
    input.insert('x');
    assert.equal(input.text, '会话x👍');
    input.home();
    input.insert('>');
    assert.equal(input.text, '>会话x👍');
    input.right();
    input.right();
    input.deleteForward();
    assert.equal(input.text, '>会话👍', 'Delete removed the x after 会话');
    input.end();
    assert.equal(input.cursor, 4);
    input.right();
    assert.equal(input.cursor, 4);
  });

  it('Ctrl+W deletes the word before the cursor (and the spaces after it); Ctrl+U everything before the cursor', () => {
    const input = typed('fix the login bug  ');
    input.deleteWord();
    assert.equal(input.text, 'fix the login ');
    input.deleteWord();
    assert.equal(input.text, 'fix the ');
    input.insert('sign-up form');
    input.left();
    input.left();
    input.left();
    input.left();
    input.deleteToStart();
    assert.equal(input.text, 'form');
    assert.equal(input.cursor, 0);
  });

  it('control characters and escape sequences typed or pasted are dropped, newlines kept', () => {
    const input = new InputLine();
    input.insert('a\u0007\u001b[31mb\nc');
    assert.equal(input.text, 'ab\nc');
  });

  it('Up brings back sent lines, Down returns to the draft that was being typed', () => {
    const input = typed('half-typed', ['first', 'second']);
    input.previous();
    assert.equal(input.text, 'second');
    input.previous();
    assert.equal(input.text, 'first');
    input.previous();
    assert.equal(input.text, 'first', 'Up at the oldest line stays there');
    input.next();
    assert.equal(input.text, 'second');
    input.next();
    assert.equal(input.text, 'half-typed');
    assert.equal(input.cursor, 'half-typed'.length);
    input.next();
    assert.equal(input.text, 'half-typed');
  });

  it('submit returns the line, clears it, and remembers it unless blank or the same as the last', () => {
    const input = new InputLine();
    for (const line of ['one', 'one', '   ', '', 'two', 'one']) {
      input.set(line);
      assert.equal(input.submit(), line);
      assert.equal(input.text, '');
    }
    assert.deepEqual(input.sent, ['one', 'two', 'one']);
    input.previous();
    assert.equal(input.text, 'one');
    input.previous();
    assert.equal(input.text, 'two');
  });

  it('a 1,000-character line shows the cursor inside the width wherever it is', () => {
    const line = 'abcdefghij'.repeat(100);
    const input = typed(line);
    for (const w of [20, 79, 80]) {
      const end = input.view(w);
      assert.equal(end.under, ' ', 'at the end the cursor is a space after the text');
      assert.ok(line.endsWith(end.before));
      assert.ok(stringWidth(shown(end)) <= w);
    }
    input.home();
    const start = input.view(40);
    assert.equal(start.before, '');
    assert.equal(start.under, 'a');
    assert.equal(stringWidth(shown(start)), 40);
    for (let i = 0; i < 500; i++) input.right();
    const middle = input.view(40);
    assert.equal(middle.under, line[500]);
    assert.ok(stringWidth(shown(middle)) <= 40);
    assert.ok(line.slice(0, 500).endsWith(middle.before));
  });

  it('newlines in the input are shown as ⏎ on the one row', () => {
    const input = typed('a\nb');
    assert.equal(shown(input.view(10)).trimEnd(), 'a⏎b');
  });

  it('property: the view is never wider than the width and always shows the grapheme under the cursor (ASCII text)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', ' ', 'x'), { maxLength: 300 }), fc.nat(), fc.integer({ min: 4, max: 120 }), (chars, at, w) => {
        const input = new InputLine();
        input.insert(chars.join(''));
        input.home();
        const to = chars.length === 0 ? 0 : at % (chars.length + 1);
        for (let i = 0; i < to; i++) input.right();
        const v = input.view(w);
        assert.ok(stringWidth(shown(v)) <= w, `${stringWidth(shown(v))} > ${w}`);
        assert.equal(v.under, chars[to] ?? ' ');
      }),
    );
  });

  it('with the cursor on a CJK character after a row of ASCII, the view still fits the width', () => {
    const input = typed(`${'a'.repeat(500)}${'中'.repeat(500)}`);
    input.home();
    for (let i = 0; i < 500; i++) input.right();
    const v = input.view(20);
    assert.equal(v.under, '中');
    assert.ok(stringWidth(shown(v)) <= 20, `${stringWidth(shown(v))} columns in a width of 20`);
  });
});

describe('paste splitting', () => {
  function splitter(): { s: PasteSplitter; keys: string[]; pastes: string[] } {
    const keys: string[] = [];
    const pastes: string[] = [];
    return { s: new PasteSplitter({ keys: (d) => keys.push(d), paste: (t) => pastes.push(t) }), keys, pastes };
  }

  const before = 'ab';
  const body = 'line one\r\nline two 中文 👍\rlast';
  const after = 'cd';
  const stream = `${before}${START}${body}${END}${after}`;
  /** The position right after the ESC that opens the start marker. */
  const afterOpeningEsc = before.length + 1;

  it('keys before and after a paste go to keys; the paste arrives as one piece with CRLF and CR as \\n', () => {
    const { s, keys, pastes } = splitter();
    s.push(stream);
    assert.deepEqual(pastes, ['line one\nline two 中文 👍\nlast']);
    assert.equal(keys.join(''), 'abcd');
  });

  it('split into two reads at every position (but right after the opening ESC), the paste arrives as one', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      if (cut === afterOpeningEsc) continue;
      const { s, keys, pastes } = splitter();
      s.push(stream.slice(0, cut));
      s.push(stream.slice(cut));
      assert.deepEqual(pastes, ['line one\nline two 中文 👍\nlast'], `cut at ${cut}`);
      assert.equal(keys.join(''), 'abcd', `cut at ${cut}`);
    }
  });

  it('split right after the ESC that opens the paste, it still arrives as one', () => {
    const { s, pastes } = splitter();
    s.push(stream.slice(0, afterOpeningEsc));
    s.push(stream.slice(afterOpeningEsc));
    assert.deepEqual(pastes, ['line one\nline two 中文 👍\nlast']);
  });

  it('a paste read one character at a time arrives as one', () => {
    const { s, keys, pastes } = splitter();
    // One read per character, but the opening marker comes whole (a terminal writes it at once).
    s.push(before);
    s.push(START);
    for (const ch of `${body}${END}${after}`) s.push(ch);
    assert.deepEqual(pastes, ['line one\nline two 中文 👍\nlast']);
    assert.equal(keys.join(''), 'abcd');
  });

  it('property: a 1,000-character paste cut into any reads arrives intact (escape characters inside it are text)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1000, maxLength: 1000, unit: fc.constantFrom('a', ' ', '\n', '中', 'z') }), fc.array(fc.nat(), { maxLength: 10 }), (text, cuts) => {
        const whole = `${START}${text}${END}`;
        const at = [...new Set(cuts.map((n) => n % (whole.length + 1)))].filter((n) => n !== 1).sort((a, b) => a - b);
        const { s, keys, pastes } = splitter();
        let from = 0;
        for (const n of at) {
          s.push(whole.slice(from, n));
          from = n;
        }
        s.push(whole.slice(from));
        assert.deepEqual(pastes, [text]);
        assert.deepEqual(keys, []);
      }),
      { numRuns: 200 },
    );
  });

  it('a lone ESC is the Escape key at once, not held for a marker', () => {
    const { s, keys, pastes } = splitter();
    s.push('\u001b');
    assert.deepEqual(keys, ['\u001b']);
    assert.deepEqual(pastes, []);
  });

  it('an arrow key is passed on as keys', () => {
    const { s, keys } = splitter();
    s.push('\u001b[A');
    s.push('x');
    assert.equal(keys.join(''), '\u001b[Ax');
  });
});
