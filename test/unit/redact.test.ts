import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, redactText } from '../../src/platform/redact.js';

test('credential formats are masked wherever they appear in text', () => {
  const samples = [
    'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx',
    'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345',
    'AIzaSyA1234567890abcdefghijklmnopqrstu',
    'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
    'xoxb-1234567890-abcdefghij',
    'AKIAABCDEFGHIJKLMNOP',
  ];
  for (const s of samples) assert.equal(redactText(`before ${s} after`), 'before [redacted] after', s);
  assert.equal(redactText('Authorization: Bearer abcdefghijklmnopqrstuvwx'), 'Authorization: Bearer [redacted]');
});

test('values under secret-named keys are masked, other data kept', () => {
  const out = redact({
    ANTHROPIC_API_KEY: 'anything',
    headers: { authorization: 'x', 'x-api-key': 'y', accept: 'json' },
    token: 'tok',
    tokens: 1234,
    usage: { input_tokens: 12, output_tokens: 7 },
    list: ['plain', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx'],
  });
  assert.deepEqual(out, {
    ANTHROPIC_API_KEY: '[redacted]',
    headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', accept: 'json' },
    token: '[redacted]',
    tokens: 1234,
    usage: { input_tokens: 12, output_tokens: 7 },
    list: ['plain', '[redacted]'],
  });
});

test('ordinary text that merely mentions keys is left alone', () => {
  const text = 'set ANTHROPIC_API_KEY in your shell; see the sk- prefix docs; HTTP 429 from the API';
  assert.equal(redactText(text), text);
});
