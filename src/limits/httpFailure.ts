/**
 * What a provider's HTTP error means: status, headers and the vendor's error body turned into a
 * {@link CallFailure}. Shared by the HTTP calls and (later) the proxy, so a 429 cools a provider
 * down the same way whoever saw it. Three vendor shapes are read:
 * OpenAI and compatible servers `{error:{message,type,code}}` (Ollama: `{error:"…"}`),
 * Anthropic `{type:"error",error:{type,message}}`, Gemini `{error:{code,message,status,details}}`.
 */
import stripAnsi from 'strip-ansi';
import type { CallFailure, FailureKind } from '../protocol/providerProtocol.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import { redactText } from '../platform/redact.js';
import { parseDuration, resetFromHeaders } from './rateLimitHeaders.js';

export interface HttpFailureInput {
  status: number;
  /** Response headers, names in any case. */
  headers: Record<string, string>;
  /** The response body as text (possibly cut short). */
  body: string;
  now: number;
  provider: string;
  /** Where the key came from (`ANTHROPIC_API_KEY`, `config.yaml providers.x.apiKey`): the auth hint names it. */
  keyVariable?: string;
}

/** Longest message kept, in characters: a failure is one line on a terminal. */
const MAX_MESSAGE = 300;

/** The error a vendor body states, whichever vendor's shape it has. */
interface VendorError {
  message?: string;
  /** OpenAI `type`/`code`, Anthropic `error.type`, Gemini `status` and `details[].reason`: lower-cased. */
  words: string[];
  /** Gemini's numeric `code`, OpenRouter's numeric `error.code`. */
  code?: number;
  /** Gemini `RetryInfo.retryDelay` (`37s`), as ms. */
  retryDelayMs?: number;
  /** Gemini `QuotaFailure` quota ids (`GenerateRequestsPerDayPerProjectPerModel-FreeTier`). */
  quotaIds: string[];
}

/** Classify an HTTP error response. Never throws; the body may be anything. */
export function classifyHttpFailure(input: HttpFailureInput): CallFailure {
  const { status, body, now } = input;
  if (looksLikeHtml(body, input.headers)) {
    return failure(kindOfStatus(status, emptyError()), `answered with an HTML page (status ${status})`, input, undefined);
  }
  const vendor = vendorError(parseJson(body)) ?? emptyError();
  const kind = kindOfStatus(status, vendor);
  const message = vendor.message ?? (body.trim() && !body.trim().startsWith('{') ? body : `answered HTTP ${status}`);
  const resetAt = kind === 'rate_limited' || kind === 'quota' ? resetAtOf(input.headers, vendor, now) : undefined;
  const f = failure(kind, message, input, resetAt);
  if (kind === 'bad_request' && isContextLength(vendor)) f.moveOn = true;
  return f;
}

/**
 * An error that arrived INSIDE a 200 stream: Anthropic's `event: error` (overloaded_error), an
 * OpenAI-compatible `{error:{…}}` chunk, a Gemini error object. Undefined when `json` is not
 * an error. No HTTP status is set: the response itself said 200.
 */
export function classifyStreamError(provider: string, json: unknown, now: number): CallFailure | undefined {
  const vendor = vendorError(json);
  if (!vendor) return undefined;
  const kind = kindOfStatus(impliedStatus(vendor), vendor);
  const resetAt = kind === 'rate_limited' || kind === 'quota' ? resetAtOf({}, vendor, now) : undefined;
  const f = failure(kind, vendor.message ?? 'sent an error in the stream', { provider }, resetAt);
  if (kind === 'bad_request' && isContextLength(vendor)) f.moveOn = true;
  return f;
}

/** Kinds after which the same request would fail the same way on any provider. */
const STAYS: ReadonlySet<FailureKind> = new Set<FailureKind>(['bad_request', 'too_large', 'cancelled']);

function failure(
  kind: FailureKind,
  message: string,
  input: { provider: string; status?: number; keyVariable?: string },
  resetAt: number | undefined,
): CallFailure {
  const f: CallFailure = { kind, message: oneLine(message), moveOn: !STAYS.has(kind) };
  if (input.status !== undefined) f.status = input.status;
  if (resetAt !== undefined && Number.isFinite(resetAt)) f.resetAt = resetAt;
  if (kind === 'auth') f.hint = input.keyVariable ? `check ${input.keyVariable}` : `check the API key of ${input.provider}`;
  if (kind === 'quota') f.hint = `check the plan and billing of ${input.provider}`;
  return f;
}

function kindOfStatus(status: number, vendor: VendorError): FailureKind {
  const words = vendor.words;
  const has = (re: RegExp): boolean => words.some((w) => re.test(w));
  if (status === 529 || has(/overloaded/)) return 'overloaded';
  // OpenAI says "overloaded" only in its message ("The engine is currently overloaded").
  if (status >= 500 && /\boverloaded\b/i.test(vendor.message ?? '')) return 'overloaded';
  if (status === 401 || status === 403 || has(/^(authentication_error|permission_error|invalid_api_key|api_key_invalid|unauthenticated|permission_denied)$/)) return 'auth';
  // Gemini answers a wrong key with 400 INVALID_ARGUMENT; only its message says so.
  if (status === 400 && /api key not valid|invalid api key/i.test(vendor.message ?? '')) return 'auth';
  // OpenRouter says 402 when the credits are gone; Anthropic a 400 about the credit balance.
  if (status === 402 || isQuota(vendor)) return 'quota';
  if (status === 429) return 'rate_limited';
  if (status === 404) return 'not_found';
  if (status === 413 || has(/^request_too_large$/)) return 'too_large';
  // 503 is how OpenAI and Google say "overloaded" (the CLI classifier agrees).
  if (status === 503) return 'overloaded';
  if (status === 408 || (status >= 500 && status <= 599)) return 'server';
  return 'bad_request';
}

function isQuota(vendor: VendorError): boolean {
  if (vendor.words.some((w) => /insufficient_quota|billing/.test(w))) return true;
  if (/credit balance is too low|exhausted your daily quota/i.test(vendor.message ?? '')) return true;
  // Gemini says "You exceeded your current quota" for per-minute limits too: the quota id tells
  // a day's quota (or a quota of 0, a model the plan does not include) from a rate.
  if (vendor.words.includes('resource_exhausted')) {
    return vendor.quotaIds.some((id) => /PerDay/i.test(id)) || /\blimit: 0\b/.test(vendor.message ?? '');
  }
  return false;
}

function isContextLength(vendor: VendorError): boolean {
  if (vendor.words.some((w) => /context_length_exceeded|string_above_max_length/.test(w))) return true;
  return /maximum context length|context window|prompt is too long|too many tokens|input token count.*exceeds|context length/i.test(vendor.message ?? '');
}

/** A status for an error that came inside a stream, from what its body calls it. */
function impliedStatus(vendor: VendorError): number {
  if (vendor.code !== undefined && vendor.code >= 400 && vendor.code <= 599) return vendor.code;
  const byWord: Record<string, number> = {
    rate_limit_error: 429,
    rate_limit_exceeded: 429,
    resource_exhausted: 429,
    insufficient_quota: 429,
    overloaded_error: 529,
    unavailable: 503,
    authentication_error: 401,
    unauthenticated: 401,
    permission_error: 403,
    permission_denied: 403,
    not_found_error: 404,
    not_found: 404,
    invalid_request_error: 400,
    invalid_argument: 400,
    request_too_large: 413,
    deadline_exceeded: 504,
  };
  for (const w of vendor.words) if (byWord[w] !== undefined) return byWord[w];
  // An error after a 200 is the provider's own trouble unless it says otherwise.
  return 500;
}

function resetAtOf(headers: Record<string, string>, vendor: VendorError, now: number): number | undefined {
  const fromHeaders = resetFromHeaders(headers, now);
  if (fromHeaders !== undefined) return fromHeaders;
  if (vendor.retryDelayMs !== undefined) return now + vendor.retryDelayMs;
  // "Please try again in 2s." (OpenAI), "Please retry in 37.5s." (Gemini).
  const m = /(?:try again|retry) in (\d+(?:\.\d+)?(?:ms|s|m|h)+)/i.exec(vendor.message ?? '');
  const ms = m ? parseDuration(m[1]!) : undefined;
  return ms === undefined ? undefined : now + Math.round(ms);
}

function emptyError(): VendorError {
  return { words: [], quotaIds: [] };
}

function parseJson(body: string): unknown {
  const t = body.trim();
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** The vendor's error in `json`, or undefined when it holds none. */
function vendorError(json: unknown): VendorError | undefined {
  // Gemini's non-SSE endpoint wraps its error in an array.
  const root = Array.isArray(json) ? json[0] : json;
  if (!isObject(root)) return undefined;
  const raw = root['error'];
  if (typeof raw === 'string' && raw) return { ...emptyError(), message: raw };
  if (!isObject(raw)) return undefined;
  const v = emptyError();
  if (typeof raw['message'] === 'string' && raw['message'].trim()) v.message = raw['message'];
  for (const key of ['type', 'code', 'status']) {
    const w = raw[key];
    if (typeof w === 'string' && w) v.words.push(w.toLowerCase());
    if (typeof w === 'number' && Number.isFinite(w)) v.code = w;
  }
  if (Array.isArray(raw['details'])) readGoogleDetails(raw['details'], v);
  return v;
}

function readGoogleDetails(details: unknown[], v: VendorError): void {
  for (const d of details) {
    if (!isObject(d)) continue;
    const type = typeof d['@type'] === 'string' ? d['@type'] : '';
    if (typeof d['reason'] === 'string') v.words.push(d['reason'].toLowerCase());
    if (type.endsWith('RetryInfo') && typeof d['retryDelay'] === 'string') {
      const ms = parseDuration(d['retryDelay']);
      if (ms !== undefined) v.retryDelayMs = Math.round(ms);
    }
    if (type.endsWith('QuotaFailure') && Array.isArray(d['violations'])) {
      for (const violation of d['violations'] as unknown[]) {
        const id = isObject(violation) ? (violation as JsonObject)['quotaId'] : undefined;
        if (typeof id === 'string') v.quotaIds.push(id);
      }
    }
  }
}

function looksLikeHtml(body: string, headers: Record<string, string>): boolean {
  const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  if (/text\/html/i.test(type)) return true;
  return /^\s*(<!doctype html|<html\b)/i.test(body);
}

/**
 * `text` as one printable line: ANSI and line breaks gone, secrets redacted, cut to length.
 * OpenAI echoes part of a wrong key ("Incorrect API key provided: sk-proj-****abcd"): that goes too.
 */
export function oneLine(text: string): string {
  const flat = redactText(stripAnsi(text))
    .replace(/(API key provided:\s*)\S+?(?=[.,;]?(?:\s|$))/gi, '$1[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length <= MAX_MESSAGE ? flat : `${flat.slice(0, MAX_MESSAGE - 1)}…`;
}
