/**
 * The router: for one worker call, which model to try first and which after it. Pure over what
 * it is given (models, health, estimates, the clock), so every decision can be printed with its
 * reasons (`--explain`) and tested as a table.
 *
 * Rules, in order:
 * 1. Drop what cannot take the call: not the asked provider or model, already failed in this
 *    task, not ready (cooling, disabled, breaker open), metered while the paid budget is spent,
 *    below the worker's tier, too little context.
 * 2. Free first (local models and agent CLIs on their subscription: a call costs nothing more,
 *    whatever the model's tier), then metered models by estimated cost, then unpriced ones.
 * 3. Within each of those, models of exactly the tier needed before more capable ones: a free
 *    Opus call still spends the subscription's window faster than Haiku would.
 */
import { formatClockTime } from '../platform/duration.js';
import { MODEL_TIERS, type ModelInfo, type ModelTier, type ProviderHealth, type RouteCandidate, type RouteDecision, type TaskOptions } from '../protocol/providerProtocol.js';
import type { WorkerRole } from './workerRoles.js';

export interface RouteInput {
  worker: WorkerRole;
  models: readonly ModelInfo[];
  health: (provider: string) => ProviderHealth;
  inputTokens: number;
  maxOutputTokens: number;
  /** The estimated cost of this call on a metered model, µ$; undefined when it is unpriced. */
  estimate: (m: ModelInfo) => number | undefined;
  options: TaskOptions;
  /** `provider/model` already tried in this task. */
  excluded?: ReadonlySet<string>;
  /** False when the paid budget is spent: only free models are left. */
  meteredAllowed?: boolean;
  now: number;
}

/** free < priced < unpriced: the first sort key. */
type CostClass = 0 | 1 | 2;

interface Scored {
  m: ModelInfo;
  estimate: number | undefined;
  cost: CostClass;
  /** Tiers above the one needed (0: exactly it). */
  above: number;
  /** Local before subscription within the free class: a local model has no usage window. */
  billingRank: number;
}

const TIER_RANK: Readonly<Record<ModelTier, number>> = Object.fromEntries(MODEL_TIERS.map((t, i) => [t, i])) as Record<ModelTier, number>;
const tierRank = (t: ModelTier): number => TIER_RANK[t];

/** `8k`, `200k`, `1M`: context sizes in a reason. */
function tokens(n: number): string {
  if (n >= 1_000_000) return `${Number(((n % 1_048_576 === 0 ? n / 1_048_576 : n / 1_000_000)).toFixed(1))}M`;
  if (n >= 1_000) return `${n % 1_000 !== 0 && n % 1_024 === 0 ? n / 1_024 : Math.round(n / 1_000)}k`;
  return String(n);
}

/**
 * `formatClockTime` asks Intl each time (tens of µs); a cooldown's end is the same for every call
 * until it passes, so its text is kept, keyed by the minute it is read in (the text can change
 * from `10:57` to `Dec 4, 10:57` only as the day turns).
 */
const clockTexts = new Map<string, string>();
function clockText(at: number, now: number): string {
  const key = `${at}|${Math.floor(now / 60_000)}`;
  let text = clockTexts.get(key);
  if (text === undefined) {
    if (clockTexts.size >= 256) clockTexts.clear();
    text = formatClockTime(at, now);
    clockTexts.set(key, text);
  }
  return text;
}

/** Why a provider that is not ready cannot take the call; undefined when it can. */
function unhealthy(h: ProviderHealth, now: number): string | undefined {
  // A cooldown or an open breaker whose end has passed is over, even before the actor's timer fires.
  const over = h.until !== undefined && h.until <= now;
  switch (h.state) {
    case 'ready':
      return undefined;
    case 'cooling':
      return over ? undefined : h.until === undefined ? 'cooling' : `cooling until ${clockText(h.until, now)}`;
    case 'open':
      return over ? undefined : h.until === undefined ? 'circuit open' : `circuit open until ${clockText(h.until, now)}`;
    case 'disabled':
      return `disabled${h.why ? `: ${h.why}` : ''}`;
  }
}

/** The tier the call needs: the worker's, or premium when asked. */
function neededTier(input: RouteInput): ModelTier {
  return input.options.premium ? 'premium' : input.worker.tier;
}

/** `gpt-4.1` or `openai/gpt-4.1` names this model. */
function namesModel(asked: string, m: ModelInfo): boolean {
  return asked === m.model || asked === `${m.provider}/${m.model}`;
}

/** Why `m` cannot take the call, or undefined when it can. Health is asked once per provider. */
function dropReason(input: RouteInput, m: ModelInfo, health: (p: string) => string | undefined): string | undefined {
  const { options } = input;
  if (options.provider !== undefined && m.provider !== options.provider) return `not --provider ${options.provider}`;
  const explicit = options.model !== undefined;
  if (explicit && !namesModel(options.model!, m)) return `not --model ${options.model}`;
  if (input.excluded?.has(`${m.provider}/${m.model}`)) return 'failed earlier in this task';
  const sick = health(m.provider);
  if (sick) return sick;
  if (m.billing === 'metered' && input.meteredAllowed === false) return 'metered, and the paid budget is spent';
  const need = neededTier(input);
  // A model the user named is theirs to choose, whatever its tier.
  if (!explicit && tierRank(m.tier) < tierRank(need)) return `tier ${m.tier} < ${need}${input.options.premium ? ' (--premium)' : ''}`;
  if (m.contextTokens !== undefined) {
    const call = input.inputTokens + input.maxOutputTokens;
    const needed = explicit ? call : Math.max(call, input.worker.minContextTokens);
    if (m.contextTokens < needed) return `context ${tokens(m.contextTokens)} < ${tokens(needed)} needed`;
  }
  return undefined;
}

function compare(a: Scored, b: Scored): number {
  return (
    a.cost - b.cost ||
    a.above - b.above ||
    a.billingRank - b.billingRank ||
    (a.estimate ?? 0) - (b.estimate ?? 0) ||
    (a.m.provider < b.m.provider ? -1 : a.m.provider > b.m.provider ? 1 : 0) ||
    (a.m.model < b.m.model ? -1 : a.m.model > b.m.model ? 1 : 0)
  );
}

/** An estimate in dollars: cents from $1, two significant digits below it (`~$0.034`, `~$0.00042`). */
function dollars(micros: number): string {
  const usd = micros / 1_000_000;
  return `~$${usd >= 1 || usd <= 0 ? usd.toFixed(2) : usd.toFixed(Math.min(8, 1 - Math.floor(Math.log10(usd))))}`;
}

/** `free (subscription)`, `~$0.0021`, `unpriced`: what a kept candidate costs, in words. */
function costWords(s: Scored): string {
  if (s.cost === 0) return `free (${s.m.billing})`;
  return s.cost === 2 ? 'unpriced' : dollars(s.estimate!);
}

function keptWhy(s: Scored, need: ModelTier): string {
  const rank = tierRank(s.m.tier) - tierRank(need);
  const above = rank > 0 ? `; tier ${s.m.tier} > ${need} needed` : rank < 0 ? `; tier ${s.m.tier} < ${need}, kept: --model asked` : '';
  const unknown = s.m.contextTokens === undefined ? '; context size unknown' : '';
  return `${costWords(s)}${above}${unknown}`;
}

/** Why the pick won, one line. */
function pickWhy(input: RouteInput, pick: Scored, need: ModelTier): string {
  const asked: string[] = [];
  if (input.options.model !== undefined) asked.push(`--model ${input.options.model} asked`);
  if (input.options.provider !== undefined) asked.push(`--provider ${input.options.provider} asked`);
  if (input.options.premium) asked.push('premium asked');
  else if (input.worker.tier === 'premium') asked.push(`premium needed by ${input.worker.name}`);
  if (input.excluded && input.excluded.size > 0) asked.push(`after ${input.excluded.size} failed attempt${input.excluded.size === 1 ? '' : 's'}`);
  const what = pick.cost === 2 ? 'unpriced (no fitting model has a known price)' : costWords(pick);
  const above = pick.above > 0 ? `, tier ${pick.m.tier} (nothing of tier ${need} fits)` : '';
  return `${asked.length > 0 ? `${asked.join(', ')}; ` : ''}cheapest fitting: ${what}${above}`;
}

/** Why nothing fits: the reasons, most common first. */
function noneWhy(dropped: readonly RouteCandidate[]): string {
  if (dropped.length === 0) return 'no models: no usable provider';
  const counts = new Map<string, number>();
  for (const c of dropped) {
    // `cooling until 10:57` and `cooling until 11:02` are one reason.
    const reason = c.why.replace(/ until .*$/, '').replace(/^context .*$/, 'too little context').replace(/^tier .*$/, 'tier too low');
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return `none of ${dropped.length} models fits: ${top.map(([r, n]) => `${r} (${n})`).join(', ')}`;
}

/**
 * Route one worker call. `order` is every kept model in the order to try them, `pick` its first;
 * `candidates` lists the kept ones in that order, then the dropped ones, each with its reason.
 */
export function routeCall(input: RouteInput): RouteDecision {
  const decision = routeAtTier(input);
  if (decision.pick || input.options.premium) return decision;
  // Nothing of the worker's tier can take it, but something below can: a weaker answer beats none
  // (a design task with only standard models, a code task with only a local model). Asked for
  // premium explicitly, the user gets the refusal instead.
  const below = decision.candidates.filter((c) => !c.kept && c.why.startsWith('tier ')).map((c) => TIER_RANK[c.tier]);
  if (below.length === 0) return decision;
  const best = Math.max(...below);
  const tier = (Object.keys(TIER_RANK) as ModelTier[]).find((t) => TIER_RANK[t] === best)!;
  const lowered = routeAtTier({ ...input, worker: { ...input.worker, tier } });
  if (!lowered.pick) return decision;
  return { ...lowered, worker: input.worker.name, why: `nothing of tier ${input.worker.tier} is available; best below it: ${lowered.why}` };
}

function routeAtTier(input: RouteInput): RouteDecision {
  const need = neededTier(input);
  const healthMemo = new Map<string, string | undefined>();
  const health = (provider: string): string | undefined => {
    if (!healthMemo.has(provider)) healthMemo.set(provider, unhealthy(input.health(provider), input.now));
    return healthMemo.get(provider);
  };
  const kept: Scored[] = [];
  const dropped: RouteCandidate[] = [];
  const needRank = tierRank(need);
  // Plain assignments, not conditional spreads: this loop runs over every model before every call.
  for (const m of input.models) {
    const estimate = m.billing === 'metered' ? input.estimate(m) : undefined;
    const why = dropReason(input, m, health);
    if (why !== undefined) {
      const c: RouteCandidate = { provider: m.provider, model: m.model, tier: m.tier, billing: m.billing, kept: false, why };
      if (estimate !== undefined) c.estimateMicros = estimate;
      dropped.push(c);
      continue;
    }
    const cost: CostClass = m.billing !== 'metered' ? 0 : estimate === undefined ? 2 : 1;
    const billingRank = m.billing === 'local' ? 0 : m.billing === 'subscription' ? 1 : 2;
    kept.push({ m, estimate, cost, above: Math.max(0, tierRank(m.tier) - needRank), billingRank });
  }
  kept.sort(compare);
  dropped.sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  const candidates: RouteCandidate[] = kept.map((s) => {
    const c: RouteCandidate = { provider: s.m.provider, model: s.m.model, tier: s.m.tier, billing: s.m.billing, kept: true, why: keptWhy(s, need) };
    if (s.estimate !== undefined) c.estimateMicros = s.estimate;
    return c;
  });
  candidates.push(...dropped);
  const order = kept.map((s) => ({ provider: s.m.provider, model: s.m.model }));
  const first = kept[0];
  return {
    worker: input.worker.name,
    ...(first ? { pick: order[0]! } : {}),
    order,
    candidates,
    why: first ? pickWhy(input, first, need) : noneWhy(dropped),
  };
}
