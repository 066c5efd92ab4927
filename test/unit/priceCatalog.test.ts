import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { parseConfig } from '../../src/config/relayConfig.js';
import { chargedMicros, costMicros, estimateMicros, modelFacts, withPriceOverrides } from '../../src/providers/priceCatalog.js';

const NOON_UTC = Date.parse('2026-12-03T12:00:00Z');

test('the four metered kinds are priced from the shipped table, with context sizes', () => {
  const mini = modelFacts('openai', 'gpt-4o-mini', NOON_UTC);
  assert.deepEqual(mini.price, { input: 0.15, output: 0.6, cacheRead: 0.075 });
  assert.equal(mini.contextTokens, 128_000);
  assert.equal(mini.priceSource, 'genai-prices');
  for (const [kind, model] of [['anthropic', 'claude-3-5-haiku-latest'], ['google', 'gemini-2.5-flash'], ['deepseek', 'deepseek-chat']] as const) {
    const facts = modelFacts(kind, model, NOON_UTC);
    assert.ok(facts.price && facts.price.input > 0 && facts.price.output > 0, `${kind}/${model} priced`);
  }
});

test('an unknown model or a kind without a table is unpriced, never $0', () => {
  assert.deepEqual(modelFacts('openai', 'gpt-does-not-exist-9'), {});
  assert.deepEqual(modelFacts('ollama', 'llama3.2'), {});
  assert.deepEqual(modelFacts('openai-compatible', 'gpt-4o-mini'), {}, 'any server can answer to that name: priced from config only');
});

test('long-context tiers: above the threshold every token of the call pays the tier price, as genai-prices computes it', () => {
  const pro = modelFacts('google', 'gemini-2.5-pro', NOON_UTC).price;
  assert.ok(pro?.tiers?.length, 'gemini-2.5-pro has a >200k tier');
  const tier = pro.tiers[0]!;
  assert.equal(tier.aboveInputTokens, 200_000);
  assert.ok(tier.input > pro.input && tier.output > pro.output);
  for (const inputTokens of [200_000, 200_001, 350_000]) {
    const usage = { inputTokens, outputTokens: 1_000 };
    const theirs = calcPrice({ input_tokens: inputTokens, output_tokens: 1_000 }, 'gemini-2.5-pro', { providerId: 'google', timestamp: new Date(NOON_UTC) });
    assert.equal(costMicros(pro, usage), Math.ceil(theirs!.total_price * 1e6 - 1e-6), `${inputTokens} input tokens`);
  }
});

test('a price that changes by time of day is resolved for the time asked', () => {
  const facts = (hourUtc: number) => modelFacts('deepseek', 'deepseek-chat', Date.parse(`2026-12-03T${String(hourUtc).padStart(2, '0')}:00:00Z`)).price;
  assert.notDeepEqual(facts(12), facts(20), 'peak and off-peak hours differ');
});

test('config prices win: a provider model entry first, then prices["<provider>/<model>"]; a half price takes the other half from the table', () => {
  const config = parseConfig(
    [
      'providers:',
      '  work:',
      '    type: openai',
      '    models:',
      '      - { id: gpt-4o-mini, inputPrice: 1, outputPrice: 2, contextTokens: 64000 }',
      '      - { id: gpt-4o, outputPrice: 20 }',
      '      - { id: house-model, inputPrice: 0.5 }',
      'prices:',
      '  work/gpt-4o-mini: { inputPrice: 9, outputPrice: 9 }',
      '  openai/gpt-4.1: { inputPrice: 3, outputPrice: 4 }',
      '  router/some-model: { inputPrice: 0.25, outputPrice: 1.25 }',
    ].join('\n'),
    'config.yaml',
  );
  const facts = withPriceOverrides(config);
  assert.deepEqual(facts('openai', 'gpt-4o-mini', 'work'), { price: { input: 1, output: 2 }, priceSource: 'config', contextTokens: 64_000 });
  const gpt4o = facts('openai', 'gpt-4o', 'work');
  assert.equal(gpt4o.price?.output, 20);
  assert.equal(gpt4o.price?.input, modelFacts('openai', 'gpt-4o').price?.input);
  assert.deepEqual(facts('openai', 'house-model', 'work'), {}, 'input price alone, nothing in the table: still unpriced');
  assert.deepEqual(facts('openai', 'gpt-4.1', 'work').price, { input: 3, output: 4 }, 'by kind when the name has no entry');
  assert.deepEqual(facts('openai-compatible', 'some-model', 'router').price, { input: 0.25, output: 1.25 });
  assert.deepEqual(facts('openai', 'gpt-4o-mini'), modelFacts('openai', 'gpt-4o-mini'), 'another provider of the kind keeps the table price');
});

test('costMicros is whole µ$, rounded up, with cache reads and writes at their own prices', () => {
  const price = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };
  // 500 uncached × 3 + 400 read × 0.3 + 100 written × 3.75 + 10 out × 15
  assert.equal(costMicros(price, { inputTokens: 1_000, outputTokens: 10, cacheReadTokens: 400, cacheWriteTokens: 100 }), 2_145);
  assert.equal(costMicros({ input: 0.15, output: 0.6 }, { inputTokens: 1_000, outputTokens: 0 }), 150, 'no float drift: 1000 × 0.15 is 150, not 151');
  assert.equal(costMicros({ input: 0.15, output: 0.6 }, { inputTokens: 1, outputTokens: 0 }), 1, 'a fraction of a µ$ is charged');
  assert.equal(costMicros({ input: 2, output: 8 }, { inputTokens: 100, outputTokens: 0, cacheReadTokens: 40 }), 200, 'no cache price: cached tokens pay the input price');
  assert.equal(costMicros(price, { inputTokens: 10, outputTokens: 0, cacheReadTokens: 50 }), 3, 'cache counts are parts of the input, never more');
  for (const n of [0, 1, 7, 12_345, 999_999]) assert.ok(Number.isInteger(costMicros({ input: 0.075, output: 0.3 }, { inputTokens: n, outputTokens: n })));
});

test('estimateMicros is the whole prompt uncached plus every output token it may write', () => {
  const price = { input: 3, output: 15, cacheRead: 0.3 };
  assert.equal(estimateMicros(price, 2_000, 1_000), 6_000 + 15_000);
});

test("chargedMicros prefers the provider's own figure, else the price, else unpriced", () => {
  const usage = { inputTokens: 1_000, outputTokens: 100 };
  assert.equal(chargedMicros({ input: 1, output: 1 }, { ...usage, reportedCostMicros: 42.2 }), 43);
  assert.equal(chargedMicros({ input: 1, output: 1 }, usage), 1_100);
  assert.equal(chargedMicros(undefined, usage), undefined);
});
