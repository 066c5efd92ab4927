/**
 * The limit rules, as data: which line shapes mean "this agent hit a limit" (`limit`) or "this
 * agent is retrying a 429 and may give up soon" (`warning`). Each CLI's own rules live in its
 * descriptor (src/adapters/<kind>.ts, the sentences the real CLIs print); this file holds the
 * shape of a rule and the generic rules that catch the HTTP/SDK markers any provider may
 * surface. Rules are tried in order and the first that matches a line wins, so each line yields
 * at most one match: a CLI's rules come before the generic ones (adapters/registry.ts).
 */
import type { LimitSeverity } from '../protocol/rateLimited.js';

/** Stable rule ids, `<kind>.<what>` or `generic.<what>`; they travel in `rate_limited.rule` and name tests. */
export type LimitRuleId = `${string}.${string}`;

/**
 * How much a line must prove before a rule may fire (see limitGuard.ts):
 * - `exact`: the CLI's own sentence, anchored at the start of the line's body; only code fences
 *   silence it.
 * - `content`: the line shape plus a `marker` whose occurrence must not look like content.
 * - `errorLine`: a marker in someone else's words (the generic markers; the provider message
 *   OpenCode passes through); the line must be error-shaped, not framed tool output, not
 *   indented like a code block, and the marker must not look like content.
 */
export type LimitGuardKind = 'exact' | 'content' | 'errorLine';

/** One rule. Patterns run on the line's body (glyphs stripped) and never carry the `g` flag. */
export interface LimitRule {
  id: LimitRuleId;
  /**
   * A CLI's own rules are also tried for `cli` agents (any other command: it may be a wrapper
   * script around a known CLI) unless this is false: a rule looser than the generic markers,
   * trusted only for its own CLI.
   */
  sharedWithCli?: false;
  severity: LimitSeverity;
  guard: LimitGuardKind;
  /**
   * The shape of the line's body. A named group `msg` marks where the message itself starts after
   * a wrapper the CLI adds (`ERROR: `, a JSON event, Gemini's report preamble): `matched` starts
   * there, so the plain and JSON forms of one message are the same message.
   */
  line: RegExp;
  /** For `content` and `errorLine`: the keyword checked for looking like content. */
  marker?: RegExp;
  /** Downgrade to `warning` when the line says the client is retrying anyway. */
  warnWhen?: RegExp;
  /**
   * Read the reset time from up to this many following non-empty lines when the matched line has
   * none (Gemini's box puts `Access resets at …` on the next row).
   */
  resetLookahead?: number;
  /**
   * The CLI wraps this message over two rows (OpenCode's footer: `… [retrying` / `attempt #3]`):
   * a line that ends like this and matches no rule is joined to the next line, and `line` is
   * tried on the two as one.
   */
  wrapsAfter?: RegExp;
  /**
   * A stall rule (spinnerStall.ts), not a line rule: `line` finds the CLI's busy line, whose
   * named group `elapsed` is the CLI's own timer (`21s`, `1m 11s`, `1h 2m 3s`). It is reported
   * when that timer has run this long while every other row of the screen stayed the same — the
   * CLI waiting on something that never answers (Gemini retrying 429s behind its router, where
   * nothing else shows them). The line readers (limitDetector.ts) skip these rules.
   */
  stallAfterMs?: number;
}

/** An apostrophe as the CLIs print it: ASCII in Claude's texts, U+2019 in Codex's. */
export const APOS = "['\u2019]";
/** A generic error line saying the client will retry is an early warning, not the end. */
const RETRYING = /\b(?:retrying|will retry|reconnecting)\b/i;

/** A RegExp from a source string, for rules assembled from the shared pieces above. */
export const re = (source: string, flags = ''): RegExp => new RegExp(source, flags);

/** A generic marker rule: the marker is the whole pattern, guarded as an error line. */
function generic(id: LimitRuleId, marker: RegExp): LimitRule {
  return { id, severity: 'limit', guard: 'errorLine', line: marker, marker, warnWhen: RETRYING };
}

/** The HTTP/SDK markers any provider may surface, tried for every kind after its own rules. */
export const GENERIC_RULES: readonly LimitRule[] = [
  generic('generic.rate_limit_error', /\brate_limit_error\b/),
  generic('generic.rate_limit_exceeded', /\brate_limit_exceeded\b/i),
  generic('generic.rate_limit_exception', /\bRateLimit(?:Error|Exception|Exceeded(?:Error|Exception)?)\b/),
  generic('generic.resource_exhausted', /\bRESOURCE_EXHAUSTED\b/),
  generic('generic.quota_exceeded', /\bquota exceeded\b|\bexceeded (?:your|the) (?:current )?quota\b|\binsufficient_quota\b/i),
  generic(
    'generic.http_429',
    /\bHTTP(?:\/[\d.]+)?\s+429\b|\b429 Too Many Requests\b|\b(?:status(?:[ _]?code)?|error code|code)["']?\s*[:=]?\s*["']?429\b|\(429\)/i,
  ),
  // Rate-limit headers come with every response; only an exhausted or rejected one is a limit.
  generic(
    'generic.ratelimit_header',
    /\b(?:x-ratelimit-remaining(?:-\w+)?|anthropic-ratelimit-[\w-]*remaining)["']?\s*[:=]\s*["']?0\b|\banthropic-ratelimit-unified-status["']?\s*[:=]\s*["']?rejected\b/i,
  ),
];
