import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig } from '../../src/config/relayConfig.js';
import { formatClockTime } from '../../src/platform/duration.js';
import type { ModelInfo, ProviderHealth, RouteDecision, TaskOptions } from '../../src/protocol/providerProtocol.js';
import { routeCall, type RouteInput } from '../../src/routing/router.js';
import { workerRoles, type WorkerRole } from '../../src/routing/workerRoles.js';
import { formatRouteExplain } from '../../src/ui/routeExplain.js';

const NOW = Date.UTC(2026, 11, 3, 10, 0, 0);
const roles = new Map(workerRoles(defaultConfig()).map((r) => [r.name, r]));
const worker = (name: string): WorkerRole => roles.get(name)!;

const cli = (model: string, tier: ModelInfo['tier']): ModelInfo => ({ provider: 'claude', model, tier, billing: 'subscription', contextTokens: 200_000, priceSource: 'free' });
const CLAUDE = [cli('haiku', 'basic'), cli('sonnet', 'standard'), cli('opus', 'premium')];
const OLLAMA: ModelInfo[] = [
  { provider: 'ollama', model: 'llama3.2:latest', tier: 'basic', billing: 'local', contextTokens: 128_000 },
  { provider: 'ollama', model: 'qwen2.5-coder:7b', tier: 'standard', billing: 'local', contextTokens: 8_192 },
];
const paid = (model: string, tier: ModelInfo['tier'], input: number, output: number): ModelInfo => ({
  provider: 'openai', model, tier, billing: 'metered', contextTokens: 1_047_576, price: { input, output }, priceSource: 'genai-prices',
});
const OPENAI = [paid('gpt-4.1-nano', 'basic', 0.1, 0.4), paid('gpt-4.1-mini', 'standard', 0.4, 1.6), paid('gpt-4.1', 'premium', 2, 8)];
const UNPRICED: ModelInfo[] = [{ provider: 'acme', model: 'mystery-1', tier: 'standard', billing: 'metered', contextTokens: 128_000 }];
const ALL = [...CLAUDE, ...OLLAMA, ...OPENAI, ...UNPRICED];

/** µ$: a price of $1 per Mtok is 1 µ$ per token. */
const estimateOf = (input: number, output: number) => (m: ModelInfo): number | undefined =>
  m.price ? Math.ceil(m.price.input * input + m.price.output * output) : undefined;

function route(over: Partial<RouteInput> & { workerName?: string; healthOf?: Record<string, ProviderHealth> } = {}): RouteDecision {
  const { workerName = 'explainer', healthOf = {}, ...rest } = over;
  const inputTokens = rest.inputTokens ?? 1_000;
  const maxOutputTokens = rest.maxOutputTokens ?? 4_000;
  return routeCall({
    worker: worker(workerName),
    models: ALL,
    health: (p) => healthOf[p] ?? { state: 'ready' },
    inputTokens,
    maxOutputTokens,
    estimate: estimateOf(inputTokens, maxOutputTokens),
    options: {},
    now: NOW,
    ...rest,
  });
}

const ids = (d: RouteDecision): string[] => d.order.map((o) => `${o.provider}/${o.model}`);
const whyOf = (d: RouteDecision, id: string): string => {
  const c = d.candidates.find((x) => `${x.provider}/${x.model}` === id);
  assert.ok(c, `${id} is a candidate`);
  return `${c.kept ? 'kept' : 'dropped'}: ${c.why}`;
};

test('with only claude installed, "explain kubernetes" goes to it: a subscription is free per call', () => {
  const d = route({ models: CLAUDE });
  assert.deepEqual(d.pick, { provider: 'claude', model: 'haiku' });
  assert.equal(d.why, 'cheapest fitting: free (subscription)');
  // A more capable model is a fallback, not the first choice, even though it is free too.
  assert.deepEqual(ids(d), ['claude/haiku', 'claude/sonnet', 'claude/opus']);
  assert.equal(whyOf(d, 'claude/opus'), 'kept: free (subscription); tier premium > basic needed');
});

test('free first (local, then subscription), then metered by estimate, then unpriced; fitting tiers before higher ones', () => {
  const d = route();
  assert.deepEqual(ids(d), [
    'ollama/llama3.2:latest',
    'claude/haiku',
    'claude/sonnet',
    'claude/opus',
    'openai/gpt-4.1-nano',
    'openai/gpt-4.1-mini',
    'openai/gpt-4.1',
    'acme/mystery-1',
  ]);
  assert.equal(d.why, 'cheapest fitting: free (local)');
  // An explainer needs 16k of context: a free model with less is dropped, however cheap.
  assert.equal(whyOf(d, 'ollama/qwen2.5-coder:7b'), 'dropped: context 8k < 16k needed');
});

/** One routing rule per row: the options and state, then the pick and the reason a model got. */
const CASES: Array<{
  name: string;
  input: Partial<RouteInput> & { workerName?: string; healthOf?: Record<string, ProviderHealth> };
  pick?: string;
  why?: string | RegExp;
  reasons?: Record<string, string>;
}> = [
  {
    name: 'a coder needs a standard tier and 32k of context',
    input: { workerName: 'coder' },
    pick: 'claude/sonnet',
    reasons: { 'ollama/llama3.2:latest': 'dropped: tier basic < standard', 'ollama/qwen2.5-coder:7b': 'dropped: context 8k < 32k needed', 'claude/haiku': 'dropped: tier basic < standard' },
  },
  {
    name: 'a prompt too big for a model drops it, whatever the worker needs',
    input: { models: [...CLAUDE, ...OPENAI], inputTokens: 150_000, maxOutputTokens: 60_000 },
    pick: 'openai/gpt-4.1-nano',
    reasons: { 'claude/haiku': 'dropped: context 200k < 210k needed' },
  },
  {
    name: 'a cooling provider is dropped until its retry-after',
    input: { models: [...CLAUDE, ...OPENAI], healthOf: { claude: { state: 'cooling', until: NOW + 57 * 60_000, why: '429' } } },
    pick: 'openai/gpt-4.1-nano',
    reasons: { 'claude/haiku': `dropped: cooling until ${formatClockTime(NOW + 57 * 60_000, NOW)}` },
  },
  {
    name: 'a cooldown that has passed no longer counts',
    input: { models: [...CLAUDE, ...OPENAI], healthOf: { claude: { state: 'cooling', until: NOW - 1, why: '429' } } },
    pick: 'claude/haiku',
  },
  {
    name: 'a provider disabled after an auth failure says why',
    input: { models: [...OPENAI, ...UNPRICED], healthOf: { openai: { state: 'disabled', why: 'auth failed (401) — check OPENAI_API_KEY' } } },
    pick: 'acme/mystery-1',
    why: 'cheapest fitting: unpriced (no fitting model has a known price), tier standard (nothing of tier basic fits)',
    reasons: { 'openai/gpt-4.1': 'dropped: disabled: auth failed (401) — check OPENAI_API_KEY' },
  },
  {
    name: 'an open circuit breaker drops the provider until it closes',
    input: { models: OPENAI, healthOf: { openai: { state: 'open', until: NOW + 60_000 } } },
    why: 'none of 3 models fits: circuit open (3)',
    reasons: { 'openai/gpt-4.1-nano': `dropped: circuit open until ${formatClockTime(NOW + 60_000, NOW)}` },
  },
  {
    name: 'with the paid budget spent only free models are left',
    input: { meteredAllowed: false, workerName: 'coder' },
    pick: 'claude/sonnet',
    reasons: { 'openai/gpt-4.1-mini': 'dropped: metered, and the paid budget is spent', 'acme/mystery-1': 'dropped: metered, and the paid budget is spent' },
  },
  {
    name: 'with the paid budget spent and no free model, nothing fits',
    input: { meteredAllowed: false, models: OPENAI },
    why: 'none of 3 models fits: metered, and the paid budget is spent (3)',
  },
  {
    name: '--premium asks for a premium model (a free one first)',
    input: { options: { premium: true } },
    pick: 'claude/opus',
    why: 'premium asked; cheapest fitting: free (subscription)',
    reasons: { 'claude/sonnet': 'dropped: tier standard < premium (--premium)' },
  },
  {
    name: 'an architect needs premium: with only an API key, the premium metered model',
    input: { workerName: 'architect', models: OPENAI },
    pick: 'openai/gpt-4.1',
    why: 'premium needed by architect; cheapest fitting: ~$0.034',
  },
  {
    name: '--provider keeps only that provider',
    input: { options: { provider: 'openai' } },
    pick: 'openai/gpt-4.1-nano',
    why: /^--provider openai asked; cheapest fitting: ~\$0\.0017$/,
    reasons: { 'claude/haiku': 'dropped: not --provider openai' },
  },
  {
    name: '--model picks that model even below the tier the worker needs',
    input: { workerName: 'coder', options: { model: 'gpt-4.1-nano' } },
    pick: 'openai/gpt-4.1-nano',
    why: '--model gpt-4.1-nano asked; cheapest fitting: ~$0.0017',
    reasons: { 'openai/gpt-4.1-mini': 'dropped: not --model gpt-4.1-nano', 'openai/gpt-4.1-nano': 'kept: ~$0.0017; tier basic < standard, kept: --model asked' },
  },
  {
    name: '--model may name the provider too',
    input: { options: { model: 'claude/opus' } },
    pick: 'claude/opus',
  },
  {
    name: 'a model that failed earlier in the task is not tried again',
    input: { models: CLAUDE, excluded: new Set(['claude/haiku']) },
    pick: 'claude/sonnet',
    why: 'after 1 failed attempt; cheapest fitting: free (subscription), tier standard (nothing of tier basic fits)',
    reasons: { 'claude/haiku': 'dropped: failed earlier in this task' },
  },
  {
    name: 'no models at all: no usable provider',
    input: { models: [] },
    why: 'no models: no usable provider',
  },
];

for (const c of CASES) {
  test(`router: ${c.name}`, () => {
    const d = route(c.input);
    assert.deepEqual(d.pick && `${d.pick.provider}/${d.pick.model}`, c.pick, d.why);
    if (c.pick) assert.equal(ids(d)[0], c.pick);
    else assert.deepEqual(d.order, []);
    if (typeof c.why === 'string') assert.equal(d.why, c.why);
    else if (c.why) assert.match(d.why, c.why);
    for (const [id, why] of Object.entries(c.reasons ?? {})) assert.equal(whyOf(d, id), why);
    // Every model is a candidate once, the kept ones first in the try order.
    assert.equal(d.candidates.length, (c.input.models ?? ALL).length);
    assert.deepEqual(d.candidates.filter((x) => x.kept).map((x) => `${x.provider}/${x.model}`), ids(d));
    // What --explain prints must render for every decision.
    assert.ok(formatRouteExplain([d]).length > 0);
  });
}

test('deterministic: the order of the input and equal prices do not change the decision', () => {
  const twin: ModelInfo = { ...OPENAI[0]!, provider: 'azure' };
  const models = [...ALL, twin];
  const a = route({ models });
  const b = route({ models: [...models].reverse() });
  assert.deepEqual(a, b);
  assert.deepEqual(ids(a).slice(4, 6), ['azure/gpt-4.1-nano', 'openai/gpt-4.1-nano']);
});

test('metered models are ordered by the estimate of this call, not by tier name', () => {
  const cheapPremium = { ...paid('cheap-pro', 'premium', 0.05, 0.1) };
  const d = route({ models: [...OPENAI, cheapPremium], workerName: 'architect' });
  assert.deepEqual(ids(d), ['openai/cheap-pro', 'openai/gpt-4.1']);
  const options: TaskOptions = {};
  assert.deepEqual(route({ models: OPENAI, options }).candidates.map((c) => c.estimateMicros), [1_700, 6_800, 34_000]);
});

test('health is asked once per provider, not once per model', () => {
  const asked: string[] = [];
  route({ health: (p) => (asked.push(p), { state: 'ready' }) });
  assert.deepEqual(asked.sort(), ['acme', 'claude', 'ollama', 'openai']);
});

test('--explain shows the pick, the fallbacks and every dropped model with its reason', () => {
  const lines = formatRouteExplain([route({ workerName: 'coder', meteredAllowed: false })], { intent: 'code', size: 'small' });
  const text = lines.join('\n');
  assert.match(text, /\[coder\] → claude\/sonnet: cheapest fitting: free \(subscription\)/);
  assert.match(text, /dropped\s+openai\/gpt-4\.1-mini\s+standard\s+~\$0\.0068\d*\s+metered, and the paid budget is spent/);
  assert.match(text, /then, if it fails: claude\/opus/);
});

test('a premium worker with only standard models gets the best below its tier, and says so; --premium still refuses', () => {
  const standardOnly = [paid('gpt-4.1-nano', 'basic', 0.1, 0.4), paid('gpt-4.1-mini', 'standard', 0.4, 1.6)];
  const d = route({ workerName: 'architect', models: standardOnly });
  assert.deepEqual(d.pick, { provider: 'openai', model: 'gpt-4.1-mini' });
  assert.match(d.why, /^nothing of tier premium is available; best below it: /);
  assert.equal(d.worker, 'architect');
  const asked = route({ workerName: 'explainer', models: standardOnly, options: { premium: true } });
  assert.equal(asked.pick, undefined);
});
