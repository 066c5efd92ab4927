import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig, parseConfig, type RelayConfig } from '../../src/config/relayConfig.js';
import type { ModelPrice } from '../../src/protocol/providerProtocol.js';
import { detectProviders, toProviderInfo, type DetectInput, type ModelFactsFn } from '../../src/providers/detectProviders.js';
import type { OllamaProbe } from '../../src/providers/probeOllama.js';
import { routeCall } from '../../src/routing/router.js';
import { workerRoles } from '../../src/routing/workerRoles.js';
import { formatProviderView, noProviderLines } from '../../src/ui/providerView.js';
import { tempDir } from '../helpers/tempDir.js';

/** A price table that knows a few models, as genai-prices would answer. */
const PRICES: Record<string, ModelPrice> = {
  'openai/gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai/gpt-4.1': { input: 2, output: 8 },
  'anthropic/claude-haiku-4-5': { input: 1, output: 5 },
  'google/gemini-2.5-flash': { input: 0.3, output: 2.5 },
};
function factsRecorder(): { facts: ModelFactsFn; asked: string[] } {
  const asked: string[] = [];
  const facts: ModelFactsFn = (kind, model) => {
    asked.push(`${kind}/${model}`);
    const price = PRICES[`${kind}/${model}`];
    return price ? { price, priceSource: 'genai-prices', contextTokens: 999 } : {};
  };
  return { facts, asked };
}

const nothingLocal = async (): Promise<OllamaProbe> => ({ ok: false, why: 'nothing listens on 127.0.0.1:11434' });
const noCli = (): undefined => undefined;

function detect(over: Partial<DetectInput> = {}, config: RelayConfig = defaultConfig()) {
  return detectProviders({ env: {}, config, modelFacts: factsRecorder().facts, probeLocal: nothingLocal, findCli: noCli, ...over });
}

const config = (yaml: string): RelayConfig => parseConfig(yaml, 'config.yaml');
const SECRET = 'sk-test-DO-NOT-PRINT-1234567890';

test('nothing anywhere: no provider, and every place looked in with how to add it', async () => {
  const d = await detect();
  assert.deepEqual(d.providers, []);
  assert.deepEqual(
    d.lookedFor.map((l) => [l.what, l.found]),
    [
      ['OPENAI_API_KEY', false],
      ['ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN', false],
      ['GEMINI_API_KEY or GOOGLE_API_KEY', false],
      ['DEEPSEEK_API_KEY', false],
      ['Ollama on 127.0.0.1:11434', false],
      ['claude on PATH', false],
      ['codex on PATH', false],
      ['gemini on PATH', false],
      ['opencode on PATH', false],
      ['providers in config.yaml', false],
    ],
  );
  assert.match(d.lookedFor[0]!.howToAdd, /^export OPENAI_API_KEY=… in this shell/);
  assert.match(d.lookedFor[5]!.howToAdd, /^npm install -g @anthropic-ai\/claude-code/);
  const lines = noProviderLines(d.lookedFor);
  assert.equal(lines[0], 'No provider found.');
  assert.equal(lines.length, 2 + 10);
});

test('vendor variables: keys and base URLs where the vendors\' own tools read them', async () => {
  const { facts, asked } = factsRecorder();
  const d = await detect({
    env: { OPENAI_API_KEY: SECRET, OPENAI_BASE_URL: 'https://gateway.example/v1/', ANTHROPIC_AUTH_TOKEN: 'tok-1', GOOGLE_API_KEY: 'g-1', GEMINI_API_KEY: '  ', PATH: '' },
    modelFacts: facts,
  });
  const [openai, anthropic, google] = d.providers;
  assert.deepEqual(d.providers.map((p) => p.name), ['openai', 'anthropic', 'google']);
  assert.deepEqual(
    { source: openai!.source, baseUrl: openai!.baseUrl, wire: openai!.wire, auth: openai!.authScheme, key: openai!.apiKey, variable: openai!.keyVariable, usable: openai!.usable, why: openai!.why },
    { source: 'env:OPENAI_API_KEY', baseUrl: 'https://gateway.example/v1', wire: 'openai-chat', auth: 'bearer', key: SECRET, variable: 'OPENAI_API_KEY', usable: true, why: 'key in OPENAI_API_KEY, base URL from OPENAI_BASE_URL' },
  );
  // ANTHROPIC_AUTH_TOKEN is a bearer token; the default base URL stays.
  assert.deepEqual([anthropic!.source, anthropic!.authScheme, anthropic!.baseUrl, anthropic!.wire], ['env:ANTHROPIC_AUTH_TOKEN', 'bearer', 'https://api.anthropic.com', 'anthropic-messages']);
  // An empty GEMINI_API_KEY counts as unset: GOOGLE_API_KEY is next.
  assert.deepEqual([google!.source, google!.authScheme, google!.baseUrl], ['env:GOOGLE_API_KEY', 'x-goog-api-key', 'https://generativelanguage.googleapis.com']);
  assert.deepEqual(openai!.models.map((m) => [m.model, m.tier]), [['gpt-4.1-nano', 'basic'], ['gpt-4o-mini', 'basic'], ['gpt-4.1-mini', 'standard'], ['gpt-4.1', 'premium']]);
  const nano = openai!.models[0]!;
  assert.deepEqual(nano, { provider: 'openai', model: 'gpt-4.1-nano', tier: 'basic', billing: 'metered', contextTokens: 1_047_576, price: { input: 0.1, output: 0.4 }, priceSource: 'genai-prices' });
  // A model the table does not know is unpriced: no price at all, never a price of 0.
  const mini = openai!.models.find((m) => m.model === 'gpt-4o-mini')!;
  assert.equal('price' in mini, false);
  assert.equal(mini.priceSource, undefined);
  assert.ok(asked.includes('anthropic/claude-haiku-4-5') && asked.includes('google/gemini-2.5-pro'));
  assert.deepEqual(d.lookedFor.filter((l) => l.found).map((l) => l.what), ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN', 'GEMINI_API_KEY or GOOGLE_API_KEY']);
});

test('config.yaml providers: env:VAR keys, literal keys, disabled entries, their own models and prices', async () => {
  const c = config(
    [
      'providers:',
      '  openai:',
      '    type: openai',
      '    apiKey: env:WORK_OPENAI_KEY',
      '    models: [gpt-4.1-nano, {id: gpt-4.1, contextTokens: 500000, inputPrice: 1.5, outputPrice: 6}]',
      '  router:',
      '    type: openai-compatible',
      '    baseUrl: https://openrouter.example/api/v1',
      '    apiKey: or-literal-key',
      '    models: [{id: some/model, tier: basic}]',
      '  lab:',
      '    type: openai-compatible',
      '    baseUrl: http://10.0.0.5:8000/v1',
      '    apiKey: env:LAB_KEY',
      '    models: [m]',
      '  old:',
      '    type: anthropic',
      '    enabled: false',
      'prices:',
      '  openai/gpt-4.1-nano: {inputPrice: 0.05, outputPrice: 0.2}',
    ].join('\n'),
  );
  const d = await detect({ env: { WORK_OPENAI_KEY: SECRET, OPENAI_API_KEY: 'sk-other' } }, c);
  const by = new Map(d.providers.map((p) => [p.name, p]));
  // A config entry named openai replaces the one the variables would have made.
  assert.deepEqual(d.providers.map((p) => p.name), ['openai', 'router', 'lab', 'old']);
  const openai = by.get('openai')!;
  assert.deepEqual([openai.source, openai.apiKey, openai.keyVariable, openai.usable, openai.why], ['config.yaml', SECRET, 'WORK_OPENAI_KEY', true, 'declared in config.yaml, key from WORK_OPENAI_KEY']);
  assert.equal(openai.baseUrl, 'https://api.openai.com/v1');
  assert.deepEqual(openai.models, [
    { provider: 'openai', model: 'gpt-4.1-nano', tier: 'basic', billing: 'metered', contextTokens: 1_047_576, price: { input: 0.05, output: 0.2 }, priceSource: 'config' },
    { provider: 'openai', model: 'gpt-4.1', tier: 'premium', billing: 'metered', contextTokens: 500_000, price: { input: 1.5, output: 6 }, priceSource: 'config' },
  ]);
  const router = by.get('router')!;
  assert.deepEqual([router.apiKey, router.keyVariable, router.usable, router.authScheme, router.wire], ['or-literal-key', undefined, true, 'bearer', 'openai-chat']);
  assert.deepEqual(router.models[0], { provider: 'router', model: 'some/model', tier: 'basic', billing: 'metered' });
  const lab = by.get('lab')!;
  assert.deepEqual([lab.usable, lab.why, lab.apiKey], [false, 'env:LAB_KEY is not set', undefined]);
  const old = by.get('old')!;
  assert.deepEqual([old.usable, old.why], [false, 'disabled in config.yaml (enabled: false)']);
  assert.deepEqual(old.models.map((m) => m.model), ['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5', 'claude-opus-4-1']);
  assert.equal(d.lookedFor.find((l) => l.what === 'OPENAI_API_KEY'), undefined);
  assert.equal(d.lookedFor.at(-1)!.found, true);
});

test('a config provider without a key falls back to the vendor variable, and says so when there is none', async () => {
  const c = config(['providers:', '  work:', '    type: deepseek'].join('\n'));
  const none = await detect({}, c);
  assert.deepEqual([none.providers[0]!.usable, none.providers[0]!.why], [false, 'no API key: set providers.work.apiKey (env:VAR) or DEEPSEEK_API_KEY']);
  const withKey = await detect({ env: { DEEPSEEK_API_KEY: SECRET } }, c);
  assert.deepEqual([withKey.providers[0]!.usable, withKey.providers[0]!.keyVariable], [true, 'DEEPSEEK_API_KEY']);
  const compat = await detect({}, config(['providers:', '  x:', '    type: openai-compatible', '    models: [m]'].join('\n')));
  assert.deepEqual([compat.providers[0]!.usable, compat.providers[0]!.why], [false, 'no base URL: set providers.x.baseUrl']);
});

test('a local Ollama: probed once at its address, its models local and free, no price asked', async () => {
  const probed: string[] = [];
  const { facts, asked } = factsRecorder();
  const d = await detect({
    modelFacts: facts,
    probeLocal: async (url) => (probed.push(url), { ok: true, models: ['llama3.2:latest'] }),
  });
  assert.deepEqual(probed, ['http://127.0.0.1:11434/v1']);
  assert.deepEqual(asked, []);
  const ollama = d.providers[0]!;
  assert.deepEqual(
    { name: ollama.name, kind: ollama.kind, source: ollama.source, baseUrl: ollama.baseUrl, usable: ollama.usable, why: ollama.why, apiKey: ollama.apiKey },
    { name: 'ollama', kind: 'ollama', source: 'probe: 127.0.0.1:11434', baseUrl: 'http://127.0.0.1:11434/v1', usable: true, why: 'Ollama answered with 1 model (free, local)', apiKey: undefined },
  );
  assert.deepEqual(ollama.models, [{ provider: 'ollama', model: 'llama3.2:latest', tier: 'basic', billing: 'local', priceSource: 'free' }]);
  assert.equal(d.lookedFor.find((l) => l.what.startsWith('Ollama'))!.found, true);
});

test('OLLAMA_HOST moves the probe; a host that does not answer is listed as not usable, with why', async () => {
  const probed: string[] = [];
  const d = await detect({ env: { OLLAMA_HOST: '0.0.0.0:11500' }, probeLocal: async (url) => (probed.push(url), { ok: false, why: 'nothing listens on 127.0.0.1:11500' }) });
  assert.deepEqual(probed, ['http://127.0.0.1:11500/v1']);
  assert.deepEqual(d.providers.map((p) => [p.name, p.source, p.usable, p.why]), [['ollama', 'env:OLLAMA_HOST', false, 'nothing listens on 127.0.0.1:11500']]);
  const empty = await detect({ probeLocal: async () => ({ ok: true, models: [] }) });
  assert.deepEqual([empty.providers[0]!.usable, empty.providers[0]!.why], [false, 'Ollama runs but has no models: `ollama pull llama3.2`']);
  // A probe that throws (it must not, but an injected one might) is an answer, not a crash.
  const thrown = await detect({ env: { OLLAMA_HOST: 'http://box:1' }, probeLocal: async () => { throw new Error('boom'); } });
  assert.deepEqual([thrown.providers[0]!.usable, thrown.providers[0]!.why, thrown.providers[0]!.baseUrl], [false, 'boom', 'http://box:1/v1']);
});

test('a config.yaml ollama entry without models takes them from its server', async () => {
  const probed: string[] = [];
  const c = config(['providers:', '  gpu-box:', '    type: ollama', '    baseUrl: http://127.0.0.1:11999'].join('\n'));
  const d = await detect({ probeLocal: async (url) => (probed.push(url), { ok: true, models: ['qwen3:32b'] }) }, c);
  assert.deepEqual(probed.sort(), ['http://127.0.0.1:11434/v1', 'http://127.0.0.1:11999']);
  const box = d.providers.find((p) => p.name === 'gpu-box')!;
  assert.deepEqual([box.usable, box.source, box.models.map((m) => `${m.model}:${m.billing}`)], [true, 'config.yaml', ['qwen3:32b:local']]);
});

test('the agent CLIs on the real PATH (a temp dir with a fake executable): subscription models, no price', async (t) => {
  const bin = tempDir(t, 'detect-bin');
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'claude'), 0o755);
  // A file of the right name that may not be run is not an installed CLI.
  writeFileSync(join(bin, 'codex'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(bin, 'codex'), 0o644);
  const { facts, asked } = factsRecorder();
  const d = await detectProviders({ env: { PATH: bin }, config: defaultConfig(), modelFacts: facts, probeLocal: nothingLocal });
  assert.deepEqual(asked, []);
  assert.equal(d.providers.length, 1);
  const claude = d.providers[0]!;
  assert.deepEqual(
    { name: claude.name, kind: claude.kind, source: claude.source, agent: claude.agent, command: claude.command, usable: claude.usable },
    { name: 'claude', kind: 'cli', source: `PATH: ${join(bin, 'claude')}`, agent: 'claude', command: join(bin, 'claude'), usable: true },
  );
  assert.deepEqual(claude.models.map((m) => [m.model, m.tier, m.billing, m.contextTokens, m.price]), [
    ['haiku', 'basic', 'subscription', 200_000, undefined],
    ['sonnet', 'standard', 'subscription', 200_000, undefined],
    ['opus', 'premium', 'subscription', 200_000, undefined],
  ]);
  assert.deepEqual(d.lookedFor.filter((l) => l.what.endsWith('on PATH')).map((l) => [l.what, l.found]), [
    ['claude on PATH', true],
    ['codex on PATH', false],
    ['gemini on PATH', false],
    ['opencode on PATH', false],
  ]);

  // With only claude installed and no key anywhere, "explain kubernetes" goes to claude.
  const explainer = workerRoles(defaultConfig()).find((r) => r.name === 'explainer')!;
  const decision = routeCall({
    worker: explainer,
    models: d.providers.filter((p) => p.usable).flatMap((p) => p.models),
    health: () => ({ state: 'ready' }),
    inputTokens: 20,
    maxOutputTokens: 4_000,
    estimate: () => undefined,
    options: {},
    now: Date.now(),
  });
  assert.deepEqual(decision.pick, { provider: 'claude', model: 'haiku' });

  const off = await detectProviders({ env: { PATH: bin }, config: config('routing:\n  useAgentClis: false'), modelFacts: facts, probeLocal: nothingLocal });
  assert.deepEqual(off.providers, []);
  assert.deepEqual(off.lookedFor.find((l) => l.what === 'agent CLIs'), { what: 'agent CLIs', found: false, howToAdd: 'set routing.useAgentClis: true in config.yaml' });
});

test('an injected findCli gets each binary and the client env', async () => {
  const asked: string[] = [];
  const env = { PATH: '/nowhere' };
  await detect({ env, findCli: (command, e) => (asked.push(command), assert.equal(e, env), undefined) });
  assert.deepEqual(asked, ['claude', 'codex', 'gemini', 'opencode']);
});

test('toProviderInfo: what relay providers shows, never the key; health replaces state and why', async () => {
  const d = await detect({ env: { OPENAI_API_KEY: SECRET, ANTHROPIC_API_KEY: `${SECRET}-2` } });
  const infos = d.providers.map((p) => toProviderInfo(p));
  assert.deepEqual(infos[0], {
    name: 'openai',
    kind: 'openai',
    source: 'env:OPENAI_API_KEY',
    baseUrl: 'https://api.openai.com/v1',
    usable: true,
    why: 'key in OPENAI_API_KEY',
    models: ['gpt-4.1-nano', 'gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4.1'],
  });
  const cooling = toProviderInfo(d.providers[1]!, { state: 'cooling', until: 1_000, why: 'rate limited (429)' });
  assert.deepEqual([cooling.state, cooling.until, cooling.why], ['cooling', 1_000, 'rate limited (429)']);
  const ready = toProviderInfo(d.providers[1]!, { state: 'ready' });
  assert.deepEqual([ready.state, ready.until, ready.why], ['ready', undefined, 'key in ANTHROPIC_API_KEY']);
  const shown = JSON.stringify([infos, d.lookedFor, formatProviderView(infos, d.lookedFor, 0), d.providers.map((p) => p.why)]);
  assert.equal(shown.includes(SECRET), false, 'a key is never shown');
});

test('detection with a real probe of a closed port stays fast (never blocks start-up)', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const t0 = performance.now();
  const d = await detectProviders({ env: { OLLAMA_HOST: `127.0.0.1:${port}`, PATH: '' }, config: defaultConfig(), modelFacts: () => ({}) });
  assert.ok(performance.now() - t0 < 1_000);
  assert.deepEqual(d.providers.map((p) => [p.name, p.usable, p.why]), [['ollama', false, `nothing listens on 127.0.0.1:${port}`]]);
});

test('the provider name reaches the price lookup, for per-provider prices', async () => {
  const asked: string[] = [];
  const c = config(['providers:', '  work:', '    type: openai', '    apiKey: literal', '    models: [gpt-4.1]'].join('\n'));
  await detect({ modelFacts: (kind, model, name) => (asked.push(`${kind}/${model}@${name}`), {}) }, c);
  assert.deepEqual(asked, ['openai/gpt-4.1@work']);
});
