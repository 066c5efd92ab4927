/**
 * What a model costs and how much context it takes, read offline from the table that ships in
 * `@pydantic/genai-prices` (maintained, MIT, with long-context tiers and dated price changes),
 * with the user's overrides from config.yaml on top. Money is integer µ$; a model the table does
 * not know has no price — it is *unpriced*, never $0, so the budget guard can refuse it.
 */
import { createRequire } from 'node:module';
import type * as GenaiPrices from '@pydantic/genai-prices';
import type { RelayConfig } from '../config/relayConfig.js';
import type { ModelPrice, ModelPriceTier, TokenUsage } from '../protocol/providerProtocol.js';

/** What the catalog knows about one model. */
export interface ModelFacts {
  /** undefined: unpriced. */
  price?: ModelPrice;
  contextTokens?: number;
  /** `genai-prices` or `config`. */
  priceSource?: string;
}

/** The lookup the router and the call path use; {@link withPriceOverrides} wraps one in the config's prices. */
export type ModelFactsLookup = (providerKind: string, model: string, providerName?: string) => ModelFacts;

/**
 * Relay's provider kinds with a price table upstream, by genai-prices provider id. Ollama and the
 * agent CLIs cost nothing per call; an `openai-compatible` server can be anything, so its models
 * are priced only from config.
 */
const CATALOG_PROVIDER_IDS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  deepseek: 'deepseek',
};

/** The price keys Relay charges for (per million tokens); audio, images and searches are not used. */
const PRICE_KEYS = { input: 'input_mtok', output: 'output_mtok', cacheRead: 'cache_read_mtok', cacheWrite: 'cache_write_mtok' } as const;
type PriceField = keyof typeof PRICE_KEYS;

type CatalogModule = typeof GenaiPrices;
let catalogModule: CatalogModule | undefined;

/**
 * The table is 800 kB of JavaScript (about 50 ms to load): required on the first lookup, not when
 * the daemon starts. Its CommonJS build, because a lookup is synchronous.
 */
function catalog(): CatalogModule {
  catalogModule ??= createRequire(import.meta.url)('@pydantic/genai-prices') as CatalogModule;
  return catalogModule;
}

/**
 * Lookups of the current minute. A table lookup costs ~0.1 ms and the router asks for every
 * candidate of every call; prices change only at dates and at times of day given to the minute
 * (DeepSeek's off-peak hours), so a minute's answers stay right for that minute.
 */
const cache = { minute: -1, facts: new Map<string, ModelFacts>() };

/**
 * The shipped table's facts about `model` of a provider of kind `providerKind`, at time `at`
 * (prices that change on a date or by time of day are resolved for then). Unknown kind or
 * model: no price, no context size.
 */
export function modelFacts(providerKind: string, model: string, at: number = Date.now()): ModelFacts {
  const providerId = CATALOG_PROVIDER_IDS[providerKind];
  if (providerId === undefined) return {};
  const minute = Math.floor(at / 60_000);
  if (minute !== cache.minute) {
    cache.minute = minute;
    cache.facts.clear();
  }
  const key = `${providerId}\0${model}`;
  let facts = cache.facts.get(key);
  if (facts === undefined) {
    facts = lookUp(providerId, model, at);
    cache.facts.set(key, facts);
  }
  return facts;
}

function lookUp(providerId: string, model: string, at: number): ModelFacts {
  let found: GenaiPrices.PriceCalculationResult;
  try {
    // A zero usage prices nothing; what it returns is the matched model and its prices at `at`.
    found = catalog().calcPrice({ input_tokens: 0, output_tokens: 0 }, model, { providerId, timestamp: new Date(at) });
  } catch {
    // A malformed entry upstream must not break routing: that model is unpriced.
    return {};
  }
  if (!found) return {};
  const price = toModelPrice(found.model_price);
  const contextTokens = found.model.context_window;
  return Object.freeze({
    ...(price ? { price, priceSource: 'genai-prices' } : {}),
    ...(contextTokens === undefined ? {} : { contextTokens }),
  });
}

type CatalogPrice = GenaiPrices.ModelPrice[string];

/** The price of one key for a call with more than `aboveInputTokens` input tokens (-1: the base). */
function priceAbove(value: CatalogPrice, aboveInputTokens: number): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  let price = value.base;
  for (const tier of value.tiers) if (aboveInputTokens >= tier.start) price = tier.price;
  return price;
}

function pricesAbove(raw: GenaiPrices.ModelPrice, aboveInputTokens: number): Omit<ModelPriceTier, 'aboveInputTokens'> | undefined {
  const input = priceAbove(raw[PRICE_KEYS.input], aboveInputTokens);
  const output = priceAbove(raw[PRICE_KEYS.output], aboveInputTokens);
  // Without both text prices a chat call cannot be priced (an embedding model has no output price).
  if (input === undefined || output === undefined) return undefined;
  const out: Omit<ModelPriceTier, 'aboveInputTokens'> = { input, output };
  for (const field of ['cacheRead', 'cacheWrite'] as const satisfies readonly PriceField[]) {
    const p = priceAbove(raw[PRICE_KEYS[field]], aboveInputTokens);
    if (p !== undefined) out[field] = p;
  }
  return out;
}

/**
 * genai-prices' per-key tiers (`{base, tiers: [{start, price}]}`: above `start` input tokens the
 * whole call pays `price`) as Relay's per-call tiers: one price set per threshold.
 */
function toModelPrice(raw: GenaiPrices.ModelPrice): ModelPrice | undefined {
  const base = pricesAbove(raw, -1);
  if (!base) return undefined;
  const starts = new Set<number>();
  for (const key of Object.values(PRICE_KEYS)) {
    const value = raw[key];
    if (value !== undefined && typeof value !== 'number') for (const t of value.tiers) starts.add(t.start);
  }
  const tiers = [...starts].sort((a, b) => a - b).map((start) => ({ aboveInputTokens: start, ...pricesAbove(raw, start)! }));
  return Object.freeze(tiers.length === 0 ? base : { ...base, tiers });
}

/**
 * `base` with the prices the user set in config.yaml on top: a provider's model entry
 * (`providers.<name>.models[] {id, inputPrice, outputPrice, contextTokens}`) first, then
 * `prices["<provider>/<model>"]` (the provider's name, else its kind). Prices there are USD per
 * million tokens, the same number as µ$ per token. A config price is flat: cached tokens pay the
 * input price and no long-context tier applies. An entry that gives only one of the two prices
 * takes the other from the table; with no table price it stays unpriced.
 */
export function withPriceOverrides(config: RelayConfig, base: (providerKind: string, model: string) => ModelFacts = modelFacts): ModelFactsLookup {
  return (providerKind, model, providerName) => {
    const facts = base(providerKind, model);
    const entry = providerName === undefined ? undefined : modelEntry(config, providerName, model);
    const listed = config.prices[`${providerName ?? providerKind}/${model}`] ?? config.prices[`${providerKind}/${model}`];
    const inputPrice = entry?.inputPrice ?? listed?.inputPrice;
    const outputPrice = entry?.outputPrice ?? listed?.outputPrice;
    const contextTokens = entry?.contextTokens ?? facts.contextTokens;
    const withContext = (f: ModelFacts): ModelFacts => (contextTokens === undefined ? f : { ...f, contextTokens });
    if (inputPrice === undefined && outputPrice === undefined) return withContext(facts);
    const input = inputPrice ?? facts.price?.input;
    const output = outputPrice ?? facts.price?.output;
    if (input === undefined || output === undefined) return withContext({});
    return withContext({ price: { input, output }, priceSource: 'config' });
  };
}

function modelEntry(config: RelayConfig, providerName: string, model: string) {
  for (const m of config.providers[providerName]?.models ?? []) if (typeof m !== 'string' && m.id === model) return m;
  return undefined;
}

/** µ$ per token × 10⁶: prices as integers, so a sum of products is exact before the one rounding. */
const PICO_PER_MICRO = 1_000_000n;
const pico = (microsPerToken: number): bigint => BigInt(Math.round(microsPerToken * 1_000_000));
const tokens = (n: number | undefined): bigint => BigInt(Math.max(0, Math.ceil(n ?? 0)));

/** The prices that apply to a call with `inputTokens` of input (the highest tier it exceeds). */
function pricesFor(price: ModelPrice, inputTokens: number): Omit<ModelPriceTier, 'aboveInputTokens'> {
  let applied: Omit<ModelPriceTier, 'aboveInputTokens'> = price;
  for (const tier of price.tiers ?? []) if (inputTokens > tier.aboveInputTokens) applied = tier;
  return applied;
}

/**
 * What `usage` costs at `price`, in whole µ$, rounded up (a fraction of a µ$ is charged, never
 * dropped: many small calls must not add up to less than they cost). Cache reads and writes,
 * parts of `inputTokens`, pay their own prices when the model has them, else the input price.
 */
export function costMicros(price: ModelPrice, usage: TokenUsage): number {
  const p = pricesFor(price, usage.inputTokens);
  const input = tokens(usage.inputTokens);
  let cacheRead = tokens(usage.cacheReadTokens);
  if (cacheRead > input) cacheRead = input;
  let cacheWrite = tokens(usage.cacheWriteTokens);
  if (cacheWrite > input - cacheRead) cacheWrite = input - cacheRead;
  const total =
    (input - cacheRead - cacheWrite) * pico(p.input) +
    cacheRead * pico(p.cacheRead ?? p.input) +
    cacheWrite * pico(p.cacheWrite ?? p.input) +
    tokens(usage.outputTokens) * pico(p.output);
  return Number((total + PICO_PER_MICRO - 1n) / PICO_PER_MICRO);
}

/**
 * The most a call can cost: all of its input uncached, and every output token it may write.
 * What the budget guard reserves before the call.
 */
export function estimateMicros(price: ModelPrice, inputTokens: number, maxOutputTokens: number): number {
  return costMicros(price, { inputTokens, outputTokens: maxOutputTokens });
}

/**
 * What a finished call is charged: the provider's own figure when it gave one (Claude's
 * `total_cost_usd`), else `usage` at `price`; undefined when neither is known (unpriced).
 */
export function chargedMicros(price: ModelPrice | undefined, usage: TokenUsage): number | undefined {
  if (usage.reportedCostMicros !== undefined) return Math.max(0, Math.ceil(usage.reportedCostMicros));
  return price === undefined ? undefined : costMicros(price, usage);
}
