/**
 * Router decision time: one `routeCall` over 100 models of every kind (free, priced, unpriced,
 * every tier, some providers cooling or disabled, some contexts too small), as the daemon makes
 * it before each worker call. The goal is a p99 under 1 ms; in process, no I/O.
 */
import type { ModelInfo, ModelTier, ProviderHealth } from '../src/protocol/providerProtocol.js';
import { routeCall, type RouteInput } from '../src/routing/router.js';
import { BUILT_IN_ROLES } from '../src/routing/workerRoles.js';
import { percentileOfSorted, round, sorted } from './stats.js';

const MODELS = 100;
const WARM_UP = 2_000;
const RUNS = 20_000;
const TIERS: readonly ModelTier[] = ['basic', 'standard', 'premium'];

/** 100 models over 20 providers; provider 3 cools down, provider 7 is disabled. */
function fleet(): ModelInfo[] {
  const models: ModelInfo[] = [];
  for (let i = 0; i < MODELS; i++) {
    const p = i % 20;
    const billing = p < 2 ? 'subscription' : p < 4 ? 'local' : 'metered';
    models.push({
      provider: `provider-${p}`,
      model: `model-${i}`,
      tier: TIERS[i % 3]!,
      billing,
      contextTokens: i % 9 === 0 ? 8_192 : i % 5 === 0 ? undefined : 128_000 + i * 1_000,
      ...(billing === 'metered' && i % 11 !== 0 ? { price: { input: (i % 13) / 10 + 0.05, output: (i % 17) / 5 + 0.2 } } : {}),
    });
  }
  return models;
}

/** p50 and p99 of one routing decision, µs. */
export function measureRouter(): Record<string, number> {
  const now = Date.now();
  const healthOf: Record<string, ProviderHealth> = {
    'provider-3': { state: 'cooling', until: now + 60_000, why: 'rate limited' },
    'provider-7': { state: 'disabled', why: 'auth failed (401)' },
  };
  const workers = BUILT_IN_ROLES;
  const base: Omit<RouteInput, 'worker'> = {
    models: fleet(),
    health: (p) => healthOf[p] ?? { state: 'ready' },
    inputTokens: 2_000,
    maxOutputTokens: 4_000,
    estimate: (m) => (m.price ? Math.ceil(m.price.input * 2_000 + m.price.output * 4_000) : undefined),
    options: {},
    excluded: new Set(['provider-5/model-5']),
    now,
  };
  let kept = 0;
  for (let i = 0; i < WARM_UP; i++) kept += routeCall({ ...base, worker: workers[i % workers.length]! }).order.length;
  const samples = new Float64Array(RUNS);
  for (let i = 0; i < RUNS; i++) {
    const worker = workers[i % workers.length]!;
    const t0 = performance.now();
    kept += routeCall({ ...base, worker }).order.length;
    samples[i] = (performance.now() - t0) * 1_000;
  }
  // Using the result keeps the calls from being optimised away.
  if (kept === 0) throw new Error('the router kept no model in any decision');
  const asc = sorted(samples);
  return {
    models: MODELS,
    runs: RUNS,
    routerP50Us: round(percentileOfSorted(asc, 50), 1),
    routerP99Us: round(percentileOfSorted(asc, 99), 1),
  };
}
