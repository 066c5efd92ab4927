import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type * as GenaiPrices from '@pydantic/genai-prices';
import { API_KINDS, PROVIDER_KINDS, isApiKind, ollamaBaseUrl } from '../../src/providers/providerKinds.js';

const { calcPrice } = createRequire(import.meta.url)('@pydantic/genai-prices') as typeof GenaiPrices;

test('every default model of a metered kind is one the shipped price table knows', () => {
  for (const kind of API_KINDS) {
    const k = PROVIDER_KINDS[kind];
    if (k.billing !== 'metered') continue;
    for (const m of k.defaultModels) {
      const priced = calcPrice({ input_tokens: 1_000, output_tokens: 1_000 }, m.id, { providerId: kind });
      assert.ok(priced, `${kind}/${m.id} is not in @pydantic/genai-prices`);
      assert.equal(priced.model.id, m.id, `${kind}/${m.id} matched ${priced.model.id}`);
    }
  }
});

test('each keyed kind offers something of every tier a worker may need, cheapest tier first', () => {
  for (const kind of ['openai', 'anthropic', 'google'] as const) {
    const tiers = PROVIDER_KINDS[kind].defaultModels.map((m) => m.tier);
    assert.deepEqual([...new Set(tiers)], ['basic', 'standard', 'premium'], kind);
  }
});

test('the vendors\' own variables and endpoints', () => {
  assert.deepEqual(PROVIDER_KINDS.anthropic.keyVariables, [
    { name: 'ANTHROPIC_API_KEY', scheme: 'x-api-key' },
    { name: 'ANTHROPIC_AUTH_TOKEN', scheme: 'bearer' },
  ]);
  assert.deepEqual(PROVIDER_KINDS.google.keyVariables.map((v) => v.name), ['GEMINI_API_KEY', 'GOOGLE_API_KEY']);
  assert.deepEqual(
    API_KINDS.map((k) => [k, PROVIDER_KINDS[k].defaultBaseUrl, PROVIDER_KINDS[k].wire, PROVIDER_KINDS[k].baseUrlVariable]),
    [
      ['openai', 'https://api.openai.com/v1', 'openai-chat', 'OPENAI_BASE_URL'],
      ['anthropic', 'https://api.anthropic.com', 'anthropic-messages', 'ANTHROPIC_BASE_URL'],
      ['google', 'https://generativelanguage.googleapis.com', 'gemini-generate', 'GOOGLE_GEMINI_BASE_URL'],
      ['deepseek', 'https://api.deepseek.com', 'openai-chat', undefined],
      ['ollama', 'http://127.0.0.1:11434/v1', 'openai-chat', 'OLLAMA_HOST'],
      ['openai-compatible', undefined, 'openai-chat', undefined],
    ],
  );
  assert.equal(isApiKind('openai'), true);
  assert.equal(isApiKind('toString'), false);
});

test('OLLAMA_HOST is read as Ollama reads it', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'http://127.0.0.1:11434/v1'],
    ['', 'http://127.0.0.1:11434/v1'],
    ['127.0.0.1:11500', 'http://127.0.0.1:11500/v1'],
    ['0.0.0.0', 'http://127.0.0.1:11434/v1'],
    ['gpu-box', 'http://gpu-box:11434/v1'],
    ['http://gpu-box:80', 'http://gpu-box/v1'],
    ['http://gpu-box', 'http://gpu-box:11434/v1'],
    ['https://ollama.example.com', 'https://ollama.example.com/v1'],
    ['http://gpu-box:11434/', 'http://gpu-box:11434/v1'],
    ['http://gpu-box:11434/v1', 'http://gpu-box:11434/v1'],
    ['[::1]:11434', 'http://[::1]:11434/v1'],
    ['[::1]', 'http://[::1]:11434/v1'],
  ];
  for (const [host, url] of cases) assert.equal(ollamaBaseUrl(host), url, String(host));
});
