/**
 * The HTTP provider kinds Relay speaks, as data: where each vendor's API is, which wire format
 * and auth header it takes, the variables the vendor's own tools read its key and base URL from
 * (so a shell already set up for the vendor's SDK or CLI works with Relay unchanged), and the
 * models offered when nothing else says which. Model ids are ones the shipped price table
 * (@pydantic/genai-prices) knows, so they are priced out of the box.
 */
import type { Billing, ModelTier } from '../protocol/providerProtocol.js';
import type { HttpWire } from './callSpec.js';

/** The `type:` of a provider in config.yaml, and the kind of one found through its variables. */
export type ApiKind = 'openai' | 'anthropic' | 'google' | 'deepseek' | 'ollama' | 'openai-compatible';

/** How the key travels: `Authorization: Bearer`, Anthropic's `x-api-key`, Google's `x-goog-api-key`. */
export type AuthScheme = 'bearer' | 'x-api-key' | 'x-goog-api-key';

/** A variable a key may be in, and the header that key goes in. */
export interface KeyVariable {
  name: string;
  scheme: AuthScheme;
}

/** A model a kind offers by default. */
export interface KindModel {
  id: string;
  tier: ModelTier;
  contextTokens: number;
}

export interface ProviderKind {
  kind: ApiKind;
  /** For people: `OpenAI`. */
  title: string;
  /** Without the path the wire adds; absent for `openai-compatible`, which must name its own. */
  defaultBaseUrl?: string;
  wire: HttpWire;
  /** The header a key given in config.yaml goes in. */
  authScheme: AuthScheme;
  /** Where the vendor's tools look for a key, in their order: the first one set wins. */
  keyVariables: readonly KeyVariable[];
  /** The variable that moves the base URL (a proxy, a gateway), if the vendor's tools read one. */
  baseUrlVariable?: string;
  /** A call is refused without a key (false for local servers and compatible gateways that may not need one). */
  needsKey: boolean;
  billing: Extract<Billing, 'metered' | 'local'>;
  /** Offered when config.yaml lists no models; cheapest tier first. Ollama's come from its /api/tags. */
  defaultModels: readonly KindModel[];
  /** Where a user gets a key, for "how to add it". */
  keyPage?: string;
}

/** Ollama's own default address (its CLI and server use it when OLLAMA_HOST is unset). */
export const OLLAMA_DEFAULT_HOST = '127.0.0.1:11434';

export const PROVIDER_KINDS: Readonly<Record<ApiKind, ProviderKind>> = {
  openai: {
    kind: 'openai',
    title: 'OpenAI',
    defaultBaseUrl: 'https://api.openai.com/v1',
    wire: 'openai-chat',
    authScheme: 'bearer',
    keyVariables: [{ name: 'OPENAI_API_KEY', scheme: 'bearer' }],
    baseUrlVariable: 'OPENAI_BASE_URL',
    needsKey: true,
    billing: 'metered',
    defaultModels: [
      { id: 'gpt-4.1-nano', tier: 'basic', contextTokens: 1_047_576 },
      { id: 'gpt-4o-mini', tier: 'basic', contextTokens: 128_000 },
      { id: 'gpt-4.1-mini', tier: 'standard', contextTokens: 1_047_576 },
      { id: 'gpt-4.1', tier: 'premium', contextTokens: 1_047_576 },
    ],
    keyPage: 'https://platform.openai.com/api-keys',
  },
  anthropic: {
    kind: 'anthropic',
    title: 'Anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    wire: 'anthropic-messages',
    authScheme: 'x-api-key',
    // Claude Code's order: an API key, else a bearer token (a gateway's or an OAuth token).
    keyVariables: [
      { name: 'ANTHROPIC_API_KEY', scheme: 'x-api-key' },
      { name: 'ANTHROPIC_AUTH_TOKEN', scheme: 'bearer' },
    ],
    baseUrlVariable: 'ANTHROPIC_BASE_URL',
    needsKey: true,
    billing: 'metered',
    defaultModels: [
      { id: 'claude-haiku-4-5', tier: 'basic', contextTokens: 200_000 },
      { id: 'claude-sonnet-4-5', tier: 'standard', contextTokens: 200_000 },
      { id: 'claude-opus-4-5', tier: 'premium', contextTokens: 200_000 },
      { id: 'claude-opus-4-1', tier: 'premium', contextTokens: 200_000 },
    ],
    keyPage: 'https://console.anthropic.com/settings/keys',
  },
  google: {
    kind: 'google',
    title: 'Google Gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
    wire: 'gemini-generate',
    authScheme: 'x-goog-api-key',
    // Gemini CLI's order: GEMINI_API_KEY, then the older GOOGLE_API_KEY.
    keyVariables: [
      { name: 'GEMINI_API_KEY', scheme: 'x-goog-api-key' },
      { name: 'GOOGLE_API_KEY', scheme: 'x-goog-api-key' },
    ],
    baseUrlVariable: 'GOOGLE_GEMINI_BASE_URL',
    needsKey: true,
    billing: 'metered',
    defaultModels: [
      { id: 'gemini-2.5-flash-lite', tier: 'basic', contextTokens: 1_048_576 },
      { id: 'gemini-2.5-flash', tier: 'standard', contextTokens: 1_048_576 },
      { id: 'gemini-2.5-pro', tier: 'premium', contextTokens: 1_048_576 },
    ],
    keyPage: 'https://aistudio.google.com/apikey',
  },
  deepseek: {
    kind: 'deepseek',
    title: 'DeepSeek',
    defaultBaseUrl: 'https://api.deepseek.com',
    wire: 'openai-chat',
    authScheme: 'bearer',
    keyVariables: [{ name: 'DEEPSEEK_API_KEY', scheme: 'bearer' }],
    needsKey: true,
    billing: 'metered',
    defaultModels: [
      { id: 'deepseek-chat', tier: 'standard', contextTokens: 128_000 },
      { id: 'deepseek-reasoner', tier: 'premium', contextTokens: 128_000 },
    ],
    keyPage: 'https://platform.deepseek.com/api_keys',
  },
  ollama: {
    kind: 'ollama',
    title: 'Ollama',
    defaultBaseUrl: `http://${OLLAMA_DEFAULT_HOST}/v1`,
    wire: 'openai-chat',
    authScheme: 'bearer',
    keyVariables: [],
    baseUrlVariable: 'OLLAMA_HOST',
    needsKey: false,
    billing: 'local',
    defaultModels: [],
  },
  'openai-compatible': {
    kind: 'openai-compatible',
    title: 'OpenAI-compatible',
    wire: 'openai-chat',
    authScheme: 'bearer',
    keyVariables: [],
    needsKey: false,
    billing: 'metered',
    defaultModels: [],
  },
};

/** The kinds in Relay's order (detection and `relay providers` follow it). */
export const API_KINDS: readonly ApiKind[] = Object.keys(PROVIDER_KINDS) as ApiKind[];

export function isApiKind(name: string): name is ApiKind {
  return Object.hasOwn(PROVIDER_KINDS, name);
}

/**
 * Ollama's OpenAI-compatible base URL from an `OLLAMA_HOST` value, read as Ollama reads it: a
 * bare `host`, `host:port` or a URL; the scheme defaults to http and an http port to 11434.
 * `0.0.0.0` (a bind-everything address) is reached on the loopback.
 */
export function ollamaBaseUrl(host: string | undefined): string {
  const raw = (host ?? '').trim() || OLLAMA_DEFAULT_HOST;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const url = new URL(withScheme);
    if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
    // `new URL` drops an explicit :80, so look at the text for a port before adding Ollama's.
    const explicitPort = /^[^/]*:\d+(\/|$)/.test(withScheme.replace(/^[a-z][a-z0-9+.-]*:\/\//i, ''));
    if (url.protocol === 'http:' && url.port === '' && !explicitPort) url.port = '11434';
    const path = url.pathname.replace(/\/+$/, '');
    return `${url.protocol}//${url.host}${path.endsWith('/v1') ? path : `${path}/v1`}`;
  } catch {
    return `http://${OLLAMA_DEFAULT_HOST}/v1`;
  }
}
