/**
 * When a rate limit lifts, from the HTTP response headers a provider sent with its 429 (OpenCode
 * passes them through in `error.data.responseHeaders`). In order of authority:
 * 1. `retry-after-ms` / `retry-after` (seconds or an HTTP date): the server says when to retry;
 * 2. the latest reset among the windows that are used up (remaining `0`):
 *    OpenAI `x-ratelimit-reset-<what>` (a duration, `6m0s`), Anthropic
 *    `anthropic-ratelimit-<what>-reset` (an ISO instant), plain `x-ratelimit-reset` (epoch or
 *    delta seconds). A window with room left says nothing about this limit.
 */

type Headers = Readonly<Record<string, string>>;

const DURATION_TERM = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `6m0s`, `2s`, `1h2m3.5s`, `20ms` → ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|h|m|s))+$/.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(DURATION_TERM)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return total;
}

/** Epoch seconds, delta seconds, an ISO/HTTP date or a duration, as an instant. */
function instant(value: string, now: number): number | undefined {
  const v = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(v)) {
    const n = Number(v);
    // A number this large is an epoch (seconds); a small one is a delay.
    return n > 1e12 ? n : n > 1e9 ? n * 1000 : now + n * 1000;
  }
  const d = parseDuration(v);
  if (d !== undefined) return now + d;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/** The reset instant the headers state, or undefined. Header names are matched case-blind. */
export function resetFromHeaders(raw: Headers, now: number): number | undefined {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) h[k.toLowerCase()] = v;

  const ms = h['retry-after-ms'];
  if (ms !== undefined && /^\d+(?:\.\d+)?$/.test(ms.trim())) return now + Math.round(Number(ms));
  const after = h['retry-after'];
  if (after !== undefined) {
    const v = after.trim();
    if (/^\d+(?:\.\d+)?$/.test(v)) return now + Math.round(Number(v) * 1000);
    const t = Date.parse(v);
    if (Number.isFinite(t)) return t;
  }

  let latest: number | undefined;
  const consider = (reset: string | undefined, remaining: string | undefined): void => {
    if (reset === undefined || remaining === undefined || remaining.trim() !== '0') return;
    const t = instant(reset, now);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  };
  for (const key of Object.keys(h)) {
    const openai = /^x-ratelimit-reset-(.+)$/.exec(key);
    if (openai) consider(h[key], h[`x-ratelimit-remaining-${openai[1]}`]);
    const anthropic = /^anthropic-ratelimit-(.+)-reset$/.exec(key);
    if (anthropic) consider(h[key], h[`anthropic-ratelimit-${anthropic[1]}-remaining`]);
  }
  consider(h['x-ratelimit-reset'], h['x-ratelimit-remaining']);
  return latest;
}
