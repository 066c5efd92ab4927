/**
 * Secrets never reach logs, events or snapshots. Two nets: a key whose name says it holds a
 * secret has its value replaced whatever it is, and a string that looks like a known credential
 * format is masked wherever it appears.
 */

export const REDACTED = '[redacted]';

/** Key names that carry credentials (`apiKey`, `ANTHROPIC_API_KEY`, `authorization`, `x-api-key`…). */
const SECRET_KEY = /(^|[_\-.])(api[_-]?key|apikey|token|secret|password|passwd|authorization|auth|cookie|credentials?|private[_-]?key|session[_-]?key)$/i;

/**
 * Credential formats: Anthropic/OpenAI `sk-…`, Google `AIza…`, GitHub `ghp_/gho_/ghs_/github_pat_`,
 * Slack `xox?-`, AWS access key ids, JWTs, and `Bearer <token>` headers.
 */
const SECRET_VALUE =
  /\b(?:sk-(?:ant-)?[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,}|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})|(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]{16,}/g;

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Cheap test for the start of any format SECRET_VALUE knows; most text has none of them. */
const MAYBE_SECRET = /sk-|AIza|gh[pousr]_|github_pat_|xox[abpr]-|AKIA|eyJ|Bearer/;

export function redactText(text: string): string {
  return MAYBE_SECRET.test(text) ? text.replace(SECRET_VALUE, REDACTED) : text;
}

/** A deep copy of `value` with secrets masked. Cycles and depth beyond 8 become a marker. */
export function redact<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[too deep]' as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redact(v, depth + 1);
  }
  return out as T;
}
