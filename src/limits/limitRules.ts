/**
 * The limit rules, as data: which line shapes mean "this agent hit a limit" (`limit`) or "this
 * agent is retrying a 429 and may give up soon" (`warning`). Per-agent rules follow the sentences
 * the real CLIs print (../shared/CLI-FACTS.md, samples in agent-samples/); generic rules catch the
 * HTTP/SDK markers any provider may surface. Rules are tried in order and the first that matches
 * a line wins, so each line yields at most one match: per-agent rules come before generic ones.
 *
 * Deliberately not rules:
 * - Claude `API Error: 529 Overloaded…` and Codex `unexpected status 503`: overload, not a limit.
 * - Claude `API Error: Server is temporarily limiting requests (not your usage limit)`: a 429
 *   without usage headers. Claude says itself it is not the usage limit, and it clears in seconds,
 *   so it is a `warning` (worth noting, never a reason to mark the agent limited until a reset).
 * - Claude `You've used 90% of your weekly limit`: a notice before the limit, not a limit and not
 *   a retry.
 */
import type { AgentKind } from '../store/agentsRepo.js';
import type { LimitSeverity } from './rateLimited.js';

/** Stable rule ids; they travel in `rate_limited.rule` and name tests. */
export type LimitRuleId =
  | 'claude.usage_limit'
  | 'claude.server_limiting'
  | 'claude.api_429'
  | 'claude.api_retry'
  | 'claude.stream_rate_limit_event'
  | 'claude.stream_rate_limit_rejected'
  | 'claude.stream_api_retry'
  | 'claude.json_server_limiting'
  | 'claude.json_result_429'
  | 'codex.usage_limit'
  | 'codex.quota'
  | 'codex.retry_exhausted_429'
  | 'codex.reconnecting'
  | 'codex.server_busy'
  | 'gemini.quota_terminal'
  | 'gemini.retryable_quota'
  | 'gemini.attempt_failed'
  | 'gemini.usage_box'
  | 'gemini.stream_result_quota'
  | 'opencode.rate_limit'
  | 'opencode.rate_limit_tui'
  | 'opencode.retrying'
  | 'opencode.json_429'
  | 'generic.rate_limit_error'
  | 'generic.rate_limit_exceeded'
  | 'generic.rate_limit_exception'
  | 'generic.resource_exhausted'
  | 'generic.quota_exceeded'
  | 'generic.http_429'
  | 'generic.ratelimit_header';

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
  /** The agent kinds it applies to; `all` for generic markers. Kind `cli` gets these too... */
  kinds: readonly AgentKind[] | 'all';
  /** ...unless this is false (a rule looser than the generic markers, trusted only for its CLI). */
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
}

/** An apostrophe as the CLIs print it: ASCII in Claude's texts, U+2019 in Codex's. */
const APOS = "['\u2019]";
/** Claude's separator between a message and its reset clause. */
const SEP = '[\u00b7\u2022|]';
/**
 * Codex prefixes its errors with `ERROR: ` in `codex exec`, and `--json` wraps the same text in
 * `{"type":"error","message":"…"}` or `{"type":"turn.failed","error":{"message":"…"}}`.
 */
const CODEX_HEAD = '(?:\\{"type":"(?:error|turn\\.failed)",(?:"error":\\{)?"message":"|ERROR:\\s*)?';
/** Gemini prints its classified errors after a "Full report available at: <path>" preamble. */
const GEMINI_HEAD = '(?:(?:Error when talking to Gemini API|Error generating content via API)\\b.*?\\s)?';
/** A generic error line saying the client will retry is an early warning, not the end. */
const RETRYING = /\b(?:retrying|will retry|reconnecting)\b/i;

const re = (source: string, flags = ''): RegExp => new RegExp(source, flags);

/** A generic marker rule: the marker is the whole pattern, guarded as an error line. */
function generic(id: LimitRuleId, marker: RegExp): LimitRule {
  return { id, kinds: 'all', severity: 'limit', guard: 'errorLine', line: marker, marker, warnWhen: RETRYING };
}

/** Every rule, in matching order. */
export const LIMIT_RULES: readonly LimitRule[] = [
  // ---- Claude Code -------------------------------------------------------------------------
  {
    // `You've hit your session limit · resets 10:57am (UTC)`; labels vary (weekly, Opus, org's
    // monthly usage…). The sentence must end or continue with the `·` reset clause, so prose
    // such as "You've hit your limit on retries, so…" does not fire.
    id: 'claude.usage_limit',
    kinds: ['claude'],
    severity: 'limit',
    guard: 'exact',
    line: re(
      `^(?:You${APOS}ve (?:hit|reached) your (?:[\\w'\u2019.-]+ ){0,4}limit(?=\\s*${SEP}|\\s*$)|You${APOS}ve used (?:up |all )?your (?:[\\w'\u2019.-]+ ){0,4}limit\\b|You${APOS}re out of (?:extra )?usage credits\\b)`,
    ),
  },
  {
    id: 'claude.server_limiting',
    kinds: ['claude'],
    severity: 'warning',
    guard: 'exact',
    line: /^API Error: Server is temporarily limiting requests\b/,
  },
  {
    // API key 429 after the built-in retries: `API Error: Request rejected (429) · <body>`.
    id: 'claude.api_429',
    kinds: ['claude'],
    severity: 'limit',
    guard: 'exact',
    line: /^API Error: (?:Request rejected \(429\)|429\b|Rate limit(?:ed)?\b)/,
  },
  {
    // The spinner line while retrying: `API error · Retrying in 2s · attempt 2/10`. Also shown
    // for overload retries, hence only a warning.
    id: 'claude.api_retry',
    kinds: ['claude'],
    severity: 'warning',
    guard: 'exact',
    line: re(`^API error\\s*${SEP}\\s*Retrying in \\d+\\s*s\\b.*\\battempt \\d+\\/\\d+`, 'i'),
  },
  {
    // stream-json: a rejection that names its window (`rateLimitType`, `resetsAt`) is the plan limit.
    id: 'claude.stream_rate_limit_event',
    kinds: ['claude'],
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"rate_limit_event","rate_limit_info":\{"status":"rejected"(?=.*"(?:rateLimitType|resetsAt)")/,
  },
  {
    // stream-json: a rejection with no window is the transient "temporarily limiting" 429.
    id: 'claude.stream_rate_limit_rejected',
    kinds: ['claude'],
    severity: 'warning',
    guard: 'exact',
    line: /^\{"type":"rate_limit_event","rate_limit_info":\{"status":"rejected"/,
  },
  {
    id: 'claude.stream_api_retry',
    kinds: ['claude'],
    severity: 'warning',
    guard: 'exact',
    line: /^\{"type":"system","subtype":"api_retry"(?=.*"error_status":429\b)/,
  },
  {
    id: 'claude.json_server_limiting',
    kinds: ['claude'],
    severity: 'warning',
    guard: 'exact',
    line: /^\{"type":"result"(?=.*"api_error_status":429\b)(?=.*"result":"API Error: Server is temporarily limiting requests)/,
  },
  {
    // json / stream-json result of a failed turn (`subtype` still says success).
    id: 'claude.json_result_429',
    kinds: ['claude'],
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"result"(?=.*"is_error":true)(?=.*"api_error_status":429\b)/,
  },
  // ---- Codex ---------------------------------------------------------------------------------
  {
    // `ERROR: You’ve hit your usage limit. … try again at 10:58 AM.`; TUI: `■ You’ve hit …`.
    id: 'codex.usage_limit',
    kinds: ['codex'],
    severity: 'limit',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>You${APOS}ve hit your usage limit\\b)`),
  },
  {
    id: 'codex.quota',
    kinds: ['codex'],
    severity: 'limit',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>Quota exceeded\\. Check your plan and billing details\\b)`),
  },
  {
    // `ERROR: exceeded retry limit, last status: 429 Too Many Requests, request id: …`.
    id: 'codex.retry_exhausted_429',
    kinds: ['codex'],
    severity: 'limit',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>exceeded retry limit, last status: 429\\b)`),
  },
  {
    // `ERROR: Reconnecting... 1/5`. The plain form does not name the status (Codex prints it
    // for network drops too); the --json form does, and there only a 429 counts.
    id: 'codex.reconnecting',
    kinds: ['codex'],
    severity: 'warning',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>Reconnecting\\.\\.\\. \\d+\\/\\d+)(?=\\s*(?:$|"|\\(.*\\b429\\b))`),
  },
  {
    // TUI status while retrying: `Server is busy, reconnecting 2/5`.
    id: 'codex.server_busy',
    kinds: ['codex'],
    severity: 'warning',
    guard: 'exact',
    line: /^Server is busy, reconnecting \d+\/\d+/i,
  },
  // ---- Gemini CLI ----------------------------------------------------------------------------
  {
    // Daily quota, not retried: `… TerminalQuotaError: You have exhausted your daily quota …`.
    id: 'gemini.quota_terminal',
    kinds: ['gemini'],
    severity: 'limit',
    guard: 'exact',
    line: re(`^${GEMINI_HEAD}(?<msg>TerminalQuotaError:)`),
    resetLookahead: 3,
  },
  {
    // Per-minute quota after the last retry; `Please retry in 2.0s.` follows on a later line.
    id: 'gemini.retryable_quota',
    kinds: ['gemini'],
    severity: 'limit',
    guard: 'exact',
    line: re(`^${GEMINI_HEAD}(?<msg>RetryableQuotaError:)`),
    resetLookahead: 3,
  },
  {
    id: 'gemini.attempt_failed',
    kinds: ['gemini'],
    severity: 'warning',
    guard: 'exact',
    line: /^Attempt \d+ failed: (?=.*(?:[Qq]uota|[Rr]ate[ _-]?limit|\b429\b|RESOURCE_EXHAUSTED|Too Many Requests))/,
    resetLookahead: 3,
  },
  {
    // Interactive box: `Usage limit reached for gemini-2.5-flash.` / `Access resets at 11:28 AM UTC.`
    id: 'gemini.usage_box',
    kinds: ['gemini'],
    severity: 'limit',
    guard: 'exact',
    line: /^Usage limit reached for \S+/,
    resetLookahead: 2,
  },
  {
    id: 'gemini.stream_result_quota',
    kinds: ['gemini'],
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"result"(?=.*"status":"error")(?=.*(?:[Qq]uota|\b429\b|RESOURCE_EXHAUSTED|[Rr]ate limit))/,
  },
  // ---- OpenCode ------------------------------------------------------------------------------
  {
    // The provider's message passed through by `opencode run` at column 0: `Error: Rate limit
    // reached for gpt-… on requests per min…`. The text is the provider's, so it is held to the
    // generic markers' standard (an unframed error line) with a wider marker.
    id: 'opencode.rate_limit',
    kinds: ['opencode'],
    severity: 'limit',
    guard: 'errorLine',
    // Its marker is wider than the generic ones; an unknown CLI's `Error:` lines get those.
    sharedWithCli: false,
    line: /^Error: /,
    marker: /[Rr]ate[ _-]?limit|[Qq]uota|\b429\b|[Tt]oo [Mm]any [Rr]equests|RESOURCE_EXHAUSTED/,
  },
  {
    // The TUI shows the same provider message without the `Error:` prefix, beside the ┃ bar.
    id: 'opencode.rate_limit_tui',
    kinds: ['opencode'],
    severity: 'limit',
    guard: 'exact',
    line: /^(?:Rate limit reached for \S+ in organization\b|This request would exceed the rate limit for your organization\b|You exceeded your current quota\b)/,
  },
  {
    // TUI footer `… [retrying in 1s attempt #2]`: appended to status text, so matched anywhere,
    // but only in its bracketed shape and subject to the content checks.
    id: 'opencode.retrying',
    kinds: ['opencode'],
    severity: 'warning',
    guard: 'content',
    line: /\[retrying in \d+\s*(?:ms|s|m)\b[^\]]*attempt #\d+\]/,
    marker: /\[retrying in \d+\s*(?:ms|s|m)\b[^\]]*attempt #\d+\]/,
  },
  {
    // `--format json`: `{"type":"error",…,"error":{"name":"APIError","data":{…"statusCode":429`.
    id: 'opencode.json_429',
    kinds: ['opencode'],
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"error"(?=.*"statusCode":429\b)/,
  },
  // ---- Generic markers (any kind) -----------------------------------------------------------
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

/**
 * The rules for one agent kind, in matching order. A `cli` agent gets every rule except those not
 * `sharedWithCli`: it may be a wrapper script around any of the four CLIs, and their sentences
 * are specific enough to share.
 */
export function rulesFor(kind: AgentKind): readonly LimitRule[] {
  return LIMIT_RULES.filter(
    (r) => r.kinds === 'all' || r.kinds.includes(kind) || (kind === 'cli' && r.sharedWithCli !== false),
  );
}
