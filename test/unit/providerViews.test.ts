import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CostReport, ModelInfo, ProviderInfo, ProviderLookup, RouteDecision, WorkerInfo } from '../../src/protocol/providerProtocol.js';
import { isRelayError } from '../../src/platform/errors.js';
import { formatBudgetState } from '../../src/ui/budgetView.js';
import { formatCostReport } from '../../src/ui/costReportView.js';
import { formatModelTable } from '../../src/ui/modelView.js';
import { formatMicros, parseDollars } from '../../src/ui/money.js';
import { formatProviderView, noProviderLines } from '../../src/ui/providerView.js';
import { formatRouteExplain } from '../../src/ui/routeExplain.js';
import { formatTokens } from '../../src/ui/textTable.js';
import { formatWorkerTable } from '../../src/ui/workerView.js';

const NOW = new Date(2026, 4, 12, 10, 30).getTime();

test('amounts read as a user expects: cents from a dollar up, more digits below, never $0 for an unknown', () => {
  assert.equal(formatMicros(1_000_000), '$1.00');
  assert.equal(formatMicros(23_000), '$0.023');
  assert.equal(formatMicros(500_000), '$0.50');
  assert.equal(formatMicros(120), '$0.000120');
  assert.equal(formatMicros(1), '$0.000001');
  assert.equal(formatMicros(1_234), '$0.00123');
  assert.equal(formatMicros(12_345_678), '$12.35');
  assert.equal(formatMicros(0), '$0.00', 'a known zero is a real amount');
  // Rounding up into the next range reads as that range, not as $0.01000.
  assert.equal(formatMicros(9_999), '$0.01');
  assert.equal(formatMicros(999_999), '$1.00');
  assert.equal(formatMicros(undefined), 'unpriced');
  assert.equal(formatMicros(Number.NaN), 'unpriced');
});

test('dollars as typed become micro-dollars exactly, and bad amounts are one usage line', () => {
  assert.equal(parseDollars('1'), 1_000_000);
  assert.equal(parseDollars('1.5'), 1_500_000);
  assert.equal(parseDollars('$0.50'), 500_000);
  assert.equal(parseDollars(' 20 '), 20_000_000);
  assert.equal(parseDollars('.25'), 250_000);
  assert.equal(parseDollars('0.000001'), 1);
  assert.equal(parseDollars('0'), 0);
  // 0.1 + 0.2 style drift would make this 300000.00000000006 with floats.
  assert.equal(parseDollars('0.3'), 300_000);
  const refused: Array<[string, RegExp]> = [
    ['-1', /negative/],
    ['$-0.5', /negative/],
    ['abc', /not an amount in dollars/],
    ['', /not an amount in dollars/],
    ['$', /not an amount in dollars/],
    ['1e3', /not an amount in dollars/],
    ['1,000', /not an amount in dollars/],
    ['1.2.3', /not an amount in dollars/],
    ['0.0000001', /more than 6 decimals/],
    ['99999999999', /more dollars than Relay can count/],
  ];
  for (const [text, why] of refused) {
    assert.throws(
      () => parseDollars(text, '--daily'),
      (e: unknown) => isRelayError(e) && e.code === 'E_USAGE' && e.message.startsWith('--daily: ') && why.test(e.message) && !e.message.includes('\n'),
      `refuses ${JSON.stringify(text)}`,
    );
  }
});

const lookups: ProviderLookup[] = [
  { what: 'OPENAI_API_KEY', found: false, howToAdd: 'export OPENAI_API_KEY=sk-… (platform.openai.com/api-keys)' },
  { what: 'ANTHROPIC_API_KEY', found: true, howToAdd: 'export ANTHROPIC_API_KEY=…' },
  { what: 'Ollama on 127.0.0.1:11434', found: false, howToAdd: 'install Ollama and run ollama serve' },
  { what: 'claude on PATH', found: true, howToAdd: 'npm i -g @anthropic-ai/claude-code' },
];

const found: ProviderInfo[] = [
  { name: 'claude', kind: 'cli', source: 'PATH: /usr/bin/claude', usable: true, why: 'logged in (subscription)', state: 'ready', models: ['sonnet', 'opus', 'haiku'] },
  {
    name: 'anthropic',
    kind: 'anthropic',
    source: 'env:ANTHROPIC_API_KEY',
    baseUrl: 'https://api.anthropic.com',
    usable: true,
    why: 'key set',
    state: 'cooling',
    until: NOW + 15 * 60_000,
    models: ['claude-sonnet-4-5'],
  },
  { name: 'deepseek', kind: 'deepseek', source: 'env:DEEPSEEK_API_KEY', usable: false, why: 'disabled: 401 wrong key (fix DEEPSEEK_API_KEY)', state: 'disabled', models: [] },
];

test('relay providers: what was found with source, state, model count and why; then what was not found and how to add it', () => {
  const text = formatProviderView(found, lookups, NOW).join('\n');
  assert.match(text, /^2 usable providers, 1 not usable:/);
  assert.match(text, /claude\s+cli\s+PATH: \/usr\/bin\/claude\s+ready\s+3\s+logged in \(subscription\)/);
  assert.match(text, /anthropic\s+anthropic\s+env:ANTHROPIC_API_KEY \(https:\/\/api\.anthropic\.com\)\s+cooling until \S+/);
  assert.match(text, /deepseek .*disabled\s+0\s+disabled: 401 wrong key \(fix DEEPSEEK_API_KEY\)/);
  assert.match(text, /Looked for, not found:\n {2}OPENAI_API_KEY +→ export OPENAI_API_KEY=sk-…/);
  assert.match(text, /Ollama on 127\.0\.0\.1:11434 +→ install Ollama and run ollama serve/);
  assert.doesNotMatch(text, /ANTHROPIC_API_KEY\s+→/, 'what was found is not listed as missing');
  assert.doesNotMatch(text, /No provider found/);
  assert.ok(text.split('\n').every((l) => l === l.trimEnd()), 'no trailing blanks');
});

test('no provider at all: a clear header and how to add one, the text relay "task" prints too', () => {
  const lines = noProviderLines(lookups);
  assert.equal(lines[0], 'No provider found.');
  assert.ok(lines.some((l) => /OPENAI_API_KEY\s+→ export OPENAI_API_KEY/.test(l)));
  assert.ok(!lines.some((l) => l.includes('claude on PATH')), 'only what was not found');
  assert.deepEqual(formatProviderView([], lookups, NOW), lines);
  // Found but unusable only: still "No provider found.", then why the found ones do not count.
  const onlyBroken = formatProviderView([found[2]!], lookups, NOW).join('\n');
  assert.match(onlyBroken, /^No provider found\.\n/);
  assert.match(onlyBroken, /Found, but not usable:\n.*\n {2}deepseek .*401 wrong key/);
  // When the daemon could say nothing about what it looked for, the general ways to add one.
  const generic = noProviderLines([]).join('\n');
  assert.match(generic, /^No provider found\.\nTo add one:/);
  assert.match(generic, /OPENAI_API_KEY/);
  assert.match(generic, /config\.yaml/);
});

test('relay models: provider/model, tier, billing, context like 128k, and a price that is never $0 for the unknown', () => {
  const models: ModelInfo[] = [
    { provider: 'openai', model: 'gpt-4o-mini', tier: 'basic', billing: 'metered', contextTokens: 128_000, price: { input: 0.15, output: 0.6 }, priceSource: 'genai-prices' },
    { provider: 'ollama', model: 'llama3.2', tier: 'basic', billing: 'local', contextTokens: 131_072 },
    { provider: 'claude', model: 'sonnet', tier: 'premium', billing: 'subscription', contextTokens: 200_000 },
    { provider: 'vllm', model: 'qwen-coder', tier: 'standard', billing: 'metered', contextTokens: 32_768 },
    { provider: 'openai', model: 'gpt-4.1', tier: 'premium', billing: 'metered', contextTokens: 1_047_576, price: { input: 2, output: 8 }, priceSource: 'config' },
  ];
  const text = formatModelTable(models).join('\n');
  assert.match(text, /^MODEL +TIER +BILLING +CONTEXT +PRICE/);
  assert.match(text, /openai\/gpt-4o-mini +basic +metered +128k +\$0\.15 \/ \$0\.60 per Mtok\n/);
  assert.match(text, /ollama\/llama3\.2 +basic +local +128k +free \(local\)/);
  assert.match(text, /claude\/sonnet +premium +subscription +200k +subscription/);
  assert.match(text, /vllm\/qwen-coder +standard +metered +32k +unpriced/);
  assert.match(text, /openai\/gpt-4\.1 .* 1M +\$2\.00 \/ \$8\.00 per Mtok \(config\)/);
  assert.match(text, /unpriced: no known price; refused under a hard budget limit unless budget\.allowUnpriced/);
  assert.doesNotMatch(text, /\$0(\.00)? \//, 'no free-looking price for a metered model');
  assert.match(formatModelTable([]).join('\n'), /^no models: no usable provider/);
  assert.equal(formatTokens(undefined), '-');
  assert.equal(formatTokens(8_192), '8k');
  assert.equal(formatTokens(1_500_000), '1.5M');
});

test('relay workers: each role with what it needs from a model and where it is defined', () => {
  const workers: WorkerInfo[] = [
    { name: 'architect', description: 'designs the change before code is written', tier: 'premium', minContextTokens: 32_000, intents: ['design'], source: 'built-in' },
    { name: 'explainer', description: 'explains code and concepts', tier: 'basic', minContextTokens: 8_000, intents: ['explain', 'chat'], source: 'built-in' },
    { name: 'translator', description: 'translates docs', tier: 'standard', minContextTokens: 16_000, intents: [], source: 'config' },
  ];
  const text = formatWorkerTable(workers).join('\n');
  assert.match(text, /^WORKER +TIER +CONTEXT +INTENTS +SOURCE +DESCRIPTION/);
  assert.match(text, /architect +premium +32k +design +built-in +designs the change/);
  assert.match(text, /explainer +basic +8k +explain,chat +built-in/);
  assert.match(text, /translator +standard +16k +- +config +translates docs/);
});

const report: CostReport = {
  todayMicros: 23_000,
  monthMicros: 412_500,
  limits: { dailyMicros: 1_000_000 },
  byProvider: [
    { key: 'openai', calls: 12, inputTokens: 48_210, outputTokens: 9_876, costMicros: 23_000, unpricedCalls: 0 },
    { key: 'vllm', calls: 2, inputTokens: 1_000, outputTokens: 500, costMicros: 0, unpricedCalls: 2 },
  ],
  byModel: [
    { key: 'openai/gpt-4o-mini', calls: 12, inputTokens: 48_210, outputTokens: 9_876, costMicros: 23_000, unpricedCalls: 0 },
    { key: 'vllm/qwen-coder', calls: 2, inputTokens: 1_000, outputTokens: 500, costMicros: 0, unpricedCalls: 2 },
  ],
  byWorker: [{ key: 'explainer', calls: 14, inputTokens: 49_210, outputTokens: 10_376, costMicros: 23_000, unpricedCalls: 2 }],
  byDay: [
    { key: '2026-05-11', calls: 3, inputTokens: 100_000, outputTokens: 20_000, costMicros: 389_500, unpricedCalls: 0 },
    { key: '2026-05-12', calls: 14, inputTokens: 49_210, outputTokens: 10_376, costMicros: 23_000, unpricedCalls: 2 },
  ],
};

test('relay cost report: today and month first, against their limits, then the tables with unpriced calls flagged', () => {
  const lines = formatCostReport(report);
  assert.equal(lines[0], 'Today: $0.023 / $1.00');
  assert.equal(lines[1], 'Month: $0.413 (no monthly limit)');
  const text = lines.join('\n');
  for (const title of ['provider', 'model', 'worker', 'day']) assert.match(text, new RegExp(`\\nBy ${title}:\\n`));
  assert.match(text, /openai +12 +48,210 +9,876 +\$0\.023/);
  assert.match(text, /vllm +2 +1,000 +500 +unpriced/, 'all calls unpriced: no $0.00');
  assert.match(text, /explainer +14 .* \$0\.023 \+ 2 unpriced/);
  assert.match(text, /2 calls to unpriced models: their cost is unknown and not in the totals above/);
  const limited = formatCostReport({ ...report, limits: { dailyMicros: 1_000_000, monthlyMicros: 20_000_000, taskMicros: 250_000 } });
  assert.deepEqual(limited.slice(0, 3), ['Today: $0.023 / $1.00', 'Month: $0.413 / $20.00', 'Per task: at most $0.25']);
  const empty = formatCostReport({ todayMicros: 0, monthMicros: 0, limits: {}, byProvider: [], byModel: [], byWorker: [], byDay: [] });
  assert.deepEqual(empty, ['Today: $0.00 (no daily limit)', 'Month: $0.00 (no monthly limit)', '', 'No calls recorded yet.']);
});

test('relay budget show: each limit with what is spent against it, reservations, and the unpriced rule', () => {
  const text = formatBudgetState({ limits: { dailyMicros: 1_000_000, monthlyMicros: 20_000_000 }, todayMicros: 850_000, monthMicros: 4_100_000, reservedMicros: 12_000, allowUnpriced: false }).join('\n');
  assert.match(text, /^Per task: +no limit$/m);
  assert.match(text, /^Today: +\$0\.85 of \$1\.00 \(85 %\)$/m);
  assert.match(text, /^Month: +\$4\.10 of \$20\.00 \(20 %\)$/m);
  assert.match(text, /^Reserved: +\$0\.012 for calls in flight/m);
  assert.match(text, /Unpriced models: refused while a limit is set \(budget\.allowUnpriced: true/);
  const none = formatBudgetState({ limits: {}, todayMicros: 0, monthMicros: 0, reservedMicros: 0, allowUnpriced: false }).join('\n');
  assert.match(none, /No spending limit is set; set one with relay budget set --daily 1/);
  assert.doesNotMatch(none, /Reserved/);
  const zero = formatBudgetState({ limits: { dailyMicros: 0 }, todayMicros: 0, monthMicros: 0, reservedMicros: 0, allowUnpriced: true }).join('\n');
  assert.match(zero, /^Today: +\$0\.00 of \$0\.00 \(0 %\)$/m);
  assert.match(zero, /Unpriced models: allowed/);
});

test('--explain: every candidate kept or dropped with its reason, the try order, and why the pick won', () => {
  const steps: RouteDecision[] = [
    {
      worker: 'architect',
      pick: { provider: 'claude', model: 'opus' },
      order: [{ provider: 'claude', model: 'opus' }, { provider: 'openai', model: 'gpt-4.1' }],
      candidates: [
        { provider: 'ollama', model: 'llama3.2', tier: 'basic', billing: 'local', kept: false, why: 'tier basic < premium' },
        { provider: 'claude', model: 'opus', tier: 'premium', billing: 'subscription', kept: true, why: 'free: CLI subscription' },
        { provider: 'openai', model: 'gpt-4.1', tier: 'premium', billing: 'metered', estimateMicros: 18_400, kept: true, why: 'premium, priced' },
        { provider: 'anthropic', model: 'claude-opus-4', tier: 'premium', billing: 'metered', estimateMicros: 91_000, kept: false, why: 'cooling until 10:57' },
        { provider: 'vllm', model: 'qwen-coder', tier: 'standard', billing: 'metered', kept: false, why: 'unpriced under a hard limit' },
      ],
      why: 'the cheapest premium model: a subscription costs nothing per call',
    },
    { worker: 'reviewer', order: [], candidates: [], why: 'no usable provider' },
  ];
  const lines = formatRouteExplain(steps, { intent: 'design', size: 'large' });
  const text = lines.join('\n');
  assert.equal(lines[0], 'task: design, large; 2 steps: architect → reviewer');
  assert.match(text, /\[architect\] → claude\/opus: the cheapest premium model: a subscription costs nothing per call/);
  assert.match(text, /dropped +ollama\/llama3\.2 +basic +free \(local\) +tier basic < premium/);
  assert.match(text, /picked +claude\/opus +premium +subscription +free: CLI subscription/);
  assert.match(text, /kept #2 +openai\/gpt-4\.1 +premium +~\$0\.0184 +premium, priced/);
  assert.match(text, /dropped +anthropic\/claude-opus-4 .*~\$0\.091 +cooling until 10:57/);
  assert.match(text, /dropped +vllm\/qwen-coder +standard +unpriced +unpriced under a hard limit/);
  assert.match(text, /then, if it fails: openai\/gpt-4\.1/);
  assert.match(text, /\[reviewer\] no candidate fits: no usable provider\n {2}no candidates/);
});
