/**
 * What Relay can send a task to, from what is already on the machine: API keys in the variables
 * the vendors' own tools read, providers declared in config.yaml, a local Ollama, and the agent
 * CLIs on the PATH (run headless on the user's subscription). Each found provider says why it is
 * usable or not; everything looked for is listed with how to add it, so "no provider" can say
 * exactly what to do.
 *
 * Pure over its inputs: the environment is the client's (keys live in the user's shell, not in
 * the daemon's), the probe and the PATH lookup are injected. A key is kept on the detected
 * provider for the call spec and never put in a `why`, a lookup or a {@link ProviderInfo}.
 */
import type { HeadlessModel } from '../adapters/agentDescriptor.js';
import { AGENT_CLIS } from '../adapters/registry.js';
import type { ModelConfig, ProviderConfig, RelayConfig } from '../config/relayConfig.js';
import { findOnPath } from '../platform/findOnPath.js';
import type { Billing, ModelInfo, ModelPrice, ModelTier, ProviderHealth, ProviderInfo, ProviderLookup } from '../protocol/providerProtocol.js';
import type { HttpWire } from './callSpec.js';
import { probeOllama, type OllamaProbe } from './probeOllama.js';
import { OLLAMA_DEFAULT_HOST, PROVIDER_KINDS, ollamaBaseUrl, type ApiKind, type AuthScheme, type KindModel, type ProviderKind } from './providerKinds.js';

/**
 * Price (µ$ per token), context size and the price's source of a metered model, from the shipped
 * table. `providerName` is the provider's own name (a config entry's), for a lookup that applies
 * config.yaml's per-provider prices itself.
 */
export type ModelFactsFn = (providerKind: string, model: string, providerName?: string) => { price?: ModelPrice; contextTokens?: number; priceSource?: string };

export interface DetectedProvider {
  name: string;
  /** An {@link ApiKind}, or `cli` for an agent CLI. */
  kind: string;
  /** `env:OPENAI_API_KEY`, `config.yaml`, `PATH: /usr/bin/claude`, `probe: 127.0.0.1:11434`. */
  source: string;
  baseUrl?: string;
  /** Never logged, never in an event or a view. */
  apiKey?: string;
  /** The variable the key came from, for a fix hint ("check ANTHROPIC_API_KEY"). */
  keyVariable?: string;
  wire?: HttpWire;
  authScheme?: AuthScheme;
  /** cli: the agent kind whose headless mode runs it. */
  agent?: string;
  /** cli: the resolved executable. */
  command?: string;
  usable: boolean;
  /** One line (never the key). */
  why: string;
  models: ModelInfo[];
}

export interface Detection {
  providers: DetectedProvider[];
  lookedFor: ProviderLookup[];
}

export interface DetectInput {
  /** The client's environment. */
  env: Record<string, string>;
  config: RelayConfig;
  modelFacts: ModelFactsFn;
  /** Defaults to {@link probeOllama} with its short timeout. */
  probeLocal?: (baseUrl: string) => Promise<OllamaProbe>;
  /** The executable `command` resolves to on `env`'s PATH; defaults to a PATH search. */
  findCli?: (command: string, env: Record<string, string>) => string | undefined;
}

/** The kinds found through their vendor's key variables, in Relay's order. */
const KEYED_KINDS: readonly ApiKind[] = ['openai', 'anthropic', 'google', 'deepseek'];

const defaultFindCli = (command: string, env: Record<string, string>): string | undefined => findOnPath(command, env.PATH ?? '') ?? undefined;

/** The value of a variable, treating an empty one as unset (as the vendors' SDKs do). */
function envValue(env: Record<string, string>, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** The first of a kind's key variables that is set. */
function keyFromEnv(kind: ProviderKind, env: Record<string, string>): { apiKey: string; variable: string; scheme: AuthScheme } | undefined {
  for (const v of kind.keyVariables) {
    const apiKey = envValue(env, v.name);
    if (apiKey !== undefined) return { apiKey, variable: v.name, scheme: v.scheme };
  }
  return undefined;
}

/** Ties a config model entry or a shipped default to what the router needs. */
interface ModelSpec {
  id: string;
  tier?: ModelTier;
  contextTokens?: number;
  price?: ModelPrice;
}

/**
 * One model as the router sees it. Prices: the config entry's, then `prices:` in config.yaml,
 * then the shipped table; none is unpriced (never $0). Local and subscription models need none.
 */
function modelInfo(provider: string, apiKind: string, billing: Billing, spec: ModelSpec, config: RelayConfig, facts: ModelFactsFn): ModelInfo {
  const known = PROVIDER_KINDS[apiKind as ApiKind]?.defaultModels.find((m: KindModel) => m.id === spec.id);
  // An unknown id is taken as a mid-size model when paid for and a small one when local.
  const tier = spec.tier ?? known?.tier ?? (billing === 'metered' ? 'standard' : 'basic');
  const base = { provider, model: spec.id, tier, billing };
  if (billing !== 'metered') {
    const contextTokens = spec.contextTokens ?? known?.contextTokens;
    return { ...base, ...(contextTokens === undefined ? {} : { contextTokens }), priceSource: 'free' };
  }
  const fact = facts(apiKind, spec.id, provider);
  const contextTokens = spec.contextTokens ?? known?.contextTokens ?? fact.contextTokens;
  const override = config.prices[`${provider}/${spec.id}`];
  let price: ModelPrice | undefined;
  let priceSource: string | undefined;
  if (spec.price) [price, priceSource] = [spec.price, 'config'];
  else if (override) [price, priceSource] = [{ input: override.inputPrice, output: override.outputPrice }, 'config'];
  else if (fact.price) [price, priceSource] = [fact.price, fact.priceSource ?? 'genai-prices'];
  return {
    ...base,
    ...(contextTokens === undefined ? {} : { contextTokens }),
    ...(price ? { price, priceSource } : {}),
  };
}

function configModelSpec(m: string | ModelConfig): ModelSpec {
  if (typeof m === 'string') return { id: m };
  const price = m.inputPrice !== undefined && m.outputPrice !== undefined ? { input: m.inputPrice, output: m.outputPrice } : undefined;
  return {
    id: m.id,
    ...(m.tier ? { tier: m.tier } : {}),
    ...(m.contextTokens === undefined ? {} : { contextTokens: m.contextTokens }),
    ...(price ? { price } : {}),
  };
}

/** The key of a config entry: `env:VAR` from the environment, a literal, or the vendor's variables. */
function configKey(
  name: string,
  pc: ProviderConfig,
  kind: ProviderKind,
  env: Record<string, string>,
): { apiKey?: string; variable?: string; scheme: AuthScheme; missing?: string } {
  if (pc.apiKey !== undefined) {
    if (!pc.apiKey.startsWith('env:')) return { apiKey: pc.apiKey, scheme: kind.authScheme };
    const variable = pc.apiKey.slice('env:'.length);
    const scheme = kind.keyVariables.find((v) => v.name === variable)?.scheme ?? kind.authScheme;
    const apiKey = envValue(env, variable);
    return apiKey === undefined ? { variable, scheme, missing: `env:${variable} is not set` } : { apiKey, variable, scheme };
  }
  const fromEnv = keyFromEnv(kind, env);
  if (fromEnv) return { apiKey: fromEnv.apiKey, variable: fromEnv.variable, scheme: fromEnv.scheme };
  if (!kind.needsKey) return { scheme: kind.authScheme };
  const vars = kind.keyVariables.map((v) => v.name).join(' or ');
  return { scheme: kind.authScheme, missing: `no API key: set providers.${name}.apiKey (env:VAR) or ${vars}` };
}

/** Work still to do for a provider whose models come from an Ollama probe. */
interface PendingProbe {
  provider: DetectedProvider;
  baseUrl: string;
  /** Listed only when found: the default address is a guess, not something the user asked for. */
  onlyIfFound: boolean;
  lookup?: ProviderLookup;
}

const OLLAMA_HOW_TO_ADD = 'install Ollama and run `ollama serve` (then `ollama pull llama3.2`), or set OLLAMA_HOST';

function fromConfig(name: string, pc: ProviderConfig, input: DetectInput, probes: PendingProbe[]): DetectedProvider {
  const kind = PROVIDER_KINDS[pc.type];
  const billing: Billing = pc.billing ?? kind.billing;
  const baseUrl = pc.baseUrl?.replace(/\/+$/, '') ?? (pc.type === 'ollama' ? ollamaBaseUrl(envValue(input.env, 'OLLAMA_HOST')) : kind.defaultBaseUrl);
  const key = configKey(name, pc, kind, input.env);
  const models = pc.models.map((m) => modelInfo(name, pc.type, billing, configModelSpec(m), input.config, input.modelFacts));
  const shipped = models.length > 0 ? models : kind.defaultModels.map((m) => modelInfo(name, pc.type, billing, m, input.config, input.modelFacts));
  const provider: DetectedProvider = {
    name,
    kind: pc.type,
    source: 'config.yaml',
    ...(baseUrl ? { baseUrl } : {}),
    ...(key.apiKey === undefined ? {} : { apiKey: key.apiKey }),
    ...(key.variable === undefined ? {} : { keyVariable: key.variable }),
    wire: kind.wire,
    authScheme: key.scheme,
    usable: false,
    why: '',
    models: shipped,
  };
  if (!pc.enabled) provider.why = 'disabled in config.yaml (enabled: false)';
  else if (!baseUrl) provider.why = `no base URL: set providers.${name}.baseUrl`;
  else if (key.missing) provider.why = key.missing;
  else if (shipped.length === 0 && pc.type === 'ollama') {
    // Its models are whatever the server has: ask it (the answer decides usable and why).
    probes.push({ provider, baseUrl, onlyIfFound: false });
  } else if (shipped.length === 0) provider.why = `no models: list them under providers.${name}.models`;
  else {
    provider.usable = true;
    provider.why = key.variable ? `declared in config.yaml, key from ${key.variable}` : 'declared in config.yaml';
  }
  return provider;
}

function fromVendorEnv(kindName: ApiKind, input: DetectInput): { provider?: DetectedProvider; lookup: ProviderLookup } {
  const kind = PROVIDER_KINDS[kindName];
  const vars = kind.keyVariables.map((v) => v.name);
  const howToAdd = `export ${vars[0]}=… in this shell${kind.keyPage ? ` (a key from ${kind.keyPage})` : ''}`;
  const lookup: ProviderLookup = { what: vars.join(' or '), found: false, howToAdd };
  const key = keyFromEnv(kind, input.env);
  if (!key) return { lookup };
  lookup.found = true;
  const movedTo = kind.baseUrlVariable ? envValue(input.env, kind.baseUrlVariable) : undefined;
  const baseUrl = (movedTo ?? kind.defaultBaseUrl)!.replace(/\/+$/, '');
  const models = kind.defaultModels.map((m) => modelInfo(kindName, kindName, kind.billing, m, input.config, input.modelFacts));
  return {
    lookup,
    provider: {
      name: kindName,
      kind: kindName,
      source: `env:${key.variable}`,
      baseUrl,
      apiKey: key.apiKey,
      keyVariable: key.variable,
      wire: kind.wire,
      authScheme: key.scheme,
      usable: true,
      why: `key in ${key.variable}${movedTo ? `, base URL from ${kind.baseUrlVariable}` : ''}`,
      models,
    },
  };
}

function localOllama(input: DetectInput, probes: PendingProbe[]): void {
  const host = envValue(input.env, 'OLLAMA_HOST');
  const baseUrl = ollamaBaseUrl(host);
  const where = new URL(baseUrl).host;
  const lookup: ProviderLookup = { what: `Ollama on ${where}`, found: false, howToAdd: OLLAMA_HOW_TO_ADD };
  const provider: DetectedProvider = {
    name: 'ollama',
    kind: 'ollama',
    source: host ? 'env:OLLAMA_HOST' : `probe: ${OLLAMA_DEFAULT_HOST}`,
    baseUrl,
    wire: PROVIDER_KINDS.ollama.wire,
    authScheme: PROVIDER_KINDS.ollama.authScheme,
    usable: false,
    why: '',
    models: [],
  };
  // An OLLAMA_HOST the user set is listed even when nothing answers there: that is worth seeing.
  probes.push({ provider, baseUrl, onlyIfFound: host === undefined, lookup });
}

function settleProbe(p: PendingProbe, result: OllamaProbe, config: RelayConfig, facts: ModelFactsFn): boolean {
  if (!result.ok) {
    p.provider.why = result.why;
    return !p.onlyIfFound;
  }
  if (p.lookup) p.lookup.found = true;
  p.provider.models = result.models.map((id) => modelInfo(p.provider.name, 'ollama', 'local', { id }, config, facts));
  if (p.provider.models.length === 0) p.provider.why = 'Ollama runs but has no models: `ollama pull llama3.2`';
  else {
    p.provider.usable = true;
    p.provider.why = `Ollama answered with ${result.models.length} model${result.models.length === 1 ? '' : 's'} (free, local)`;
  }
  return true;
}

function headlessModel(provider: string, m: HeadlessModel): ModelInfo {
  return {
    provider,
    model: m.id,
    tier: m.tier,
    billing: 'subscription',
    ...(m.contextTokens === undefined ? {} : { contextTokens: m.contextTokens }),
    priceSource: 'free',
  };
}

function agentClis(input: DetectInput, taken: ReadonlySet<string>): { providers: DetectedProvider[]; lookedFor: ProviderLookup[] } {
  if (!input.config.routing.useAgentClis) {
    return { providers: [], lookedFor: [{ what: 'agent CLIs', found: false, howToAdd: 'set routing.useAgentClis: true in config.yaml' }] };
  }
  const find = input.findCli ?? defaultFindCli;
  const providers: DetectedProvider[] = [];
  const lookedFor: ProviderLookup[] = [];
  for (const d of AGENT_CLIS) {
    const headless = d.headless;
    if (!headless || taken.has(d.kind)) continue;
    let command: string | undefined;
    for (const b of d.binaries) {
      command = find(b, input.env);
      if (command !== undefined) break;
    }
    const pkg = d.packages[0];
    lookedFor.push({
      what: `${d.binaries[0] ?? d.kind} on PATH`,
      found: command !== undefined,
      howToAdd: pkg ? `npm install -g ${pkg}, then run ${d.binaries[0] ?? d.kind} once to log in` : `install ${d.title}`,
    });
    if (command === undefined) continue;
    providers.push({
      name: d.kind,
      kind: 'cli',
      source: `PATH: ${command}`,
      agent: d.kind,
      command,
      usable: true,
      why: `${d.title} on your subscription (headless)`,
      models: headless.models.map((m) => headlessModel(d.kind, m)),
    });
  }
  return { providers, lookedFor };
}

/**
 * Everything Relay can route to, and everything it looked for. Resolves within about the probe's
 * timeout: the Ollama probes run together, everything else is synchronous.
 */
export async function detectProviders(input: DetectInput): Promise<Detection> {
  const probes: PendingProbe[] = [];
  const configured = Object.entries(input.config.providers).map(([name, pc]) => fromConfig(name, pc, input, probes));
  const taken = new Set(configured.map((p) => p.name));
  const lookedFor: ProviderLookup[] = [];
  const vendor: DetectedProvider[] = [];
  for (const kind of KEYED_KINDS) {
    if (taken.has(kind)) continue;
    const found = fromVendorEnv(kind, input);
    lookedFor.push(found.lookup);
    if (found.provider) vendor.push(found.provider);
  }
  const probesBefore = probes.length;
  if (!taken.has('ollama')) localOllama(input, probes);
  const cli = agentClis(input, taken);

  const probe = input.probeLocal ?? ((url: string) => probeOllama(url));
  const results = await Promise.all(
    probes.map((p) => probe(p.baseUrl).catch((e: unknown): OllamaProbe => ({ ok: false, why: e instanceof Error ? e.message : String(e) }))),
  );
  const local: DetectedProvider[] = [];
  probes.forEach((p, i) => {
    const listed = settleProbe(p, results[i]!, input.config, input.modelFacts);
    if (p.lookup) lookedFor.push(p.lookup);
    // Config entries are already in `configured`; only the local probe adds a provider here.
    if (i >= probesBefore && listed) local.push(p.provider);
  });

  lookedFor.push(...cli.lookedFor);
  lookedFor.push({
    what: 'providers in config.yaml',
    found: configured.length > 0,
    howToAdd: 'declare one under providers: in config.yaml (type, baseUrl, apiKey: env:VAR, models)',
  });
  return { providers: [...configured, ...vendor, ...local, ...cli.providers], lookedFor };
}

/**
 * The provider as `relay providers` shows it: never the key. With its actor's health, the state
 * and, when it is not ready, the actor's reason replace what detection said.
 */
export function toProviderInfo(d: DetectedProvider, health?: ProviderHealth): ProviderInfo {
  const info: ProviderInfo = {
    name: d.name,
    kind: d.kind,
    source: d.source,
    ...(d.baseUrl ? { baseUrl: d.baseUrl } : {}),
    usable: d.usable,
    why: d.why,
    models: d.models.map((m) => m.model),
  };
  if (health) {
    info.state = health.state;
    if (health.until !== undefined) info.until = health.until;
    if (health.state !== 'ready' && health.why) info.why = health.why;
  }
  return info;
}
