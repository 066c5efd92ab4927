import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokens, TOKENS_PER_MESSAGE, TOKENS_PER_REPLY } from '../../src/providers/tokenEstimate.js';

test('a prompt counts its content with o200k plus the framing of each message and the reply', () => {
  assert.equal(countTokens([]), 0);
  // "hello world" is two o200k tokens.
  assert.equal(countTokens([{ role: 'user', content: 'hello world' }]), 2 + TOKENS_PER_MESSAGE + TOKENS_PER_REPLY);
  const two = countTokens([
    { role: 'system', content: 'You explain.' },
    { role: 'user', content: '' },
  ]);
  assert.ok(two > 2 * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY);
});

test('text that looks like a special token is counted as text, not refused', () => {
  const n = countTokens([{ role: 'user', content: 'a pasted file ends with <|endoftext|> and goes on' }]);
  assert.ok(n > 10);
});

test('a 100k-token prompt is counted in well under a second', () => {
  const words = ['kubernetes', 'schedules', 'containers', 'across', 'nodes;', 'const', 'x', '=', '42;', 'élan', '日本語', '\n'];
  const parts: string[] = [];
  for (let i = 0; parts.length < 100_000; i++) parts.push(words[(i * 7) % words.length]!);
  const messages = [{ role: 'user' as const, content: parts.join(' ') }];
  countTokens([{ role: 'user', content: 'warm up' }]);
  const start = performance.now();
  const n = countTokens(messages);
  const ms = performance.now() - start;
  assert.ok(n >= 90_000 && n <= 200_000, `about 100k tokens (${n})`);
  // Measured ~30 ms on a quiet machine; the bound leaves room for a loaded CI box.
  assert.ok(ms < 1_000, `${ms.toFixed(0)} ms`);
});
