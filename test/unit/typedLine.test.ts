import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FirstTypedLine } from '../../src/actors/agent/typedLine.js';

function typed(...chunks: string[]): (string | null)[] {
  const r = new FirstTypedLine();
  return chunks.map((c) => r.feed(c));
}

test('the first typed line is the task: keys one by one, Enter ends it, later lines are ignored', () => {
  const keys = [...'fix the login bug'].map((c) => c);
  const r = new FirstTypedLine();
  for (const k of keys) assert.equal(r.feed(k), null);
  assert.equal(r.feed('\r'), 'fix the login bug');
  assert.equal(r.feed('next thing\r'), null);
});

test('editing keys are applied and escape sequences (arrows, terminal replies) are not text', () => {
  assert.deepEqual(typed('fix teh\x7f\x7fhe bug\x1b[D\x1b[C\x1b[?1;2c\r'), ['fix the bug']);
  assert.deepEqual(typed('garbage\x15fix it\r'), ['fix it'], 'Ctrl+U clears the line');
  assert.deepEqual(typed('fix the wrong\x17bug\r'), ['fix the bug'], 'Ctrl+W deletes a word');
  assert.deepEqual(typed('\x1b]11;rgb:0000/0000/0000\x07fix it\r'), ['fix it'], 'an OSC colour reply');
});

test('an escape sequence cut by a chunk boundary is still skipped', () => {
  assert.deepEqual(typed('fix\x1b[', '1;5D it\r'), [null, 'fix it']);
});

test('an empty Enter (answering a trust prompt) is not the task', () => {
  assert.deepEqual(typed('\r', '\r', 'real task\r'), [null, null, 'real task']);
});

test('a bracketed paste is one turn, newlines included', () => {
  assert.deepEqual(typed('\x1b[200~line one\rline two\x1b[201~\r'), ['line one\nline two']);
});

test('answers to the CLI are not the task: a slash command, a menu choice, a yes/no', () => {
  assert.deepEqual(typed('/login\r', '/model gpt-5\r', '1\r', 'y\r', 'fix the login bug\r'), [null, null, null, null, 'fix the login bug']);
  assert.deepEqual(typed('/src/app.ts throws on save, fix it\r'), ['/src/app.ts throws on save, fix it'], 'a path is not a slash command');
});
