/**
 * Gemini CLI hook payloads (JSON on stdin: `session_id`, `transcript_path`, `cwd`,
 * `hook_event_name`, `timestamp`, plus per event). Gemini has no error hook, so limits are
 * inferred from the order of events (geminiAttempts.ts), which the recorded samples show:
 * - a successful call is `BeforeModel` → `AfterModel` (per streamed chunk) → `AfterAgent`;
 * - a failed one (429 retried, daily quota, long retry delay) is `BeforeModel` with no
 *   `AfterModel` and no `AfterAgent`, then `SessionEnd` (reason `exit`, the same as a clean
 *   run: the payload alone says nothing);
 * - after a failed interactive turn, `SessionEnd` may carry a *different* `session_id` than the
 *   turn (3 of the samples), but the same `transcript_path`: a conversation is keyed by its
 *   transcript path, by its session id only when there is none;
 * - with `-o json`/`stream-json`, a failed run exits without `SessionEnd` at all.
 *
 * Signals:
 * - `BeforeModel` for the same request a 2nd+ time with no response in between, ≥ 1 s apart →
 *   `warning` `hook:gemini.model_retry` (Gemini is in its backoff; it may retry for minutes);
 * - `SessionEnd` while the last request had ≥ 2 unanswered attempts → `limit`
 *   `hook:gemini.session_end_after_retries` (retries ran out, or the user quit mid-retry);
 * - `SessionEnd` while the last request had 1 unanswered attempt, and Gemini's error report of
 *   that moment (geminiErrorReport.ts) names `TerminalQuotaError` → `limit`
 *   `hook:gemini.session_end_quota` (`-p` on the daily quota: no retry, exit 1);
 * - `SessionEnd` while the last request had 1 unanswered attempt otherwise → `warning`
 *   `hook:gemini.session_end_unanswered` (a user cancelling a call or an auth error looks like
 *   this too: not proof of a limit);
 * - `AfterAgent` with `prompt_response: "[no response text]"` (Gemini's placeholder for a turn
 *   that produced no text) while the turn's last request is unanswered: interactively both the
 *   quota dialog's "Stop" and Esc (cancelling a slow request) end the turn this way, with the
 *   same hooks (recorded with 0.61.0). Only the failure writes an error report (Turn.run awaits
 *   it before the turn ends; a cancel returns without one). So → `limit`
 *   `hook:gemini.turn_ended_unanswered` when the request had ≥ 2 unanswered attempts (Gemini was
 *   in its backoff: stopped or cancelled mid-retry, as for `SessionEnd`), or 1 and a report
 *   written shortly before the turn ended names a quota error; with 1 and no such report the user
 *   cancelled: not a limit. An `AfterAgent` with an answer clears the attempts.
 * This needs `AfterModel` or `AfterAgent` registered too: without a response marker every
 * session would end "unanswered". No sample has `AfterModel` with an error (it fires only for
 * received chunks), so none is read from it. Reset times are unknown to the hooks.
 */
import { recordAttempt, requestKey, type GeminiAttempts } from './geminiAttempts.js';
import { geminiTempDir, latestGeminiErrorReport } from './geminiErrorReport.js';
import { baseEvent, guarded, ignored, malformed, withLimit, type HookParseContext, type HookParseResult } from './hookParse.js';
import { Fields, Invalid, isOneOf, optional, type ShapeOf } from './payloadFields.js';

const GEMINI_EVENTS = ['SessionStart', 'SessionEnd', 'BeforeAgent', 'AfterAgent', 'BeforeModel', 'AfterModel'] as const;

/**
 * The rest of an acted-on payload. Every field is checked, read or not: a payload whose ids,
 * paths or request are not of the types Gemini sends is logged as malformed.
 */
const PAYLOAD = {
  session_id: 'string?',
  /** Keys the conversation (see above). */
  transcript_path: 'string?',
  cwd: 'string?',
  /** When Gemini fired the hook, ISO. */
  timestamp: 'string?',
  /**
   * BeforeModel: the request about to be sent; its messages identify the request. They are only
   * hashed (geminiAttempts.ts): any JSON is fine inside, but it must be the list.
   */
  llm_request: optional({ model: 'string?', messages: 'array' }),
  /** AfterAgent: the turn's answer, or Gemini's placeholder when it produced none. */
  prompt_response: 'string?',
} as const;

/** What Gemini 0.61 passes as `prompt_response` for a turn that produced no text (client.ts). */
export const NO_RESPONSE_TEXT = '[no response text]';
/** Error classes in Gemini's report that mean the request failed on a quota. */
const QUOTA_ERRORS = new Set(['TerminalQuotaError', 'RetryableQuotaError']);
/**
 * How long before `AfterAgent` the report of the failure that ended the turn can be named: its
 * name is stamped before the whole conversation is serialised and written, then the turn ends
 * (about 20 ms in the recordings). Bounded so that a report of another Gemini sharing the temp dir
 * during a long cancelled request is not taken for this turn's.
 */
const TURN_END_REPORT_MS = 30_000;

/** When Gemini fired the hook (its own clock), else when the hook runs. */
function firedAt(p: ShapeOf<typeof PAYLOAD>, ctx: HookParseContext): number {
  const t = p.timestamp ? Date.parse(p.timestamp) : NaN;
  return Number.isFinite(t) ? t : ctx.now;
}

/**
 * Gemini's error report written between `from` and `to` when it names a quota error: what tells
 * a request that failed on the quota from one the user cancelled (which writes none).
 */
function quotaReport(ctx: HookParseContext, from: number, to: number): ReturnType<typeof latestGeminiErrorReport> {
  const report = latestGeminiErrorReport(geminiTempDir(ctx.env), from, to);
  return report && QUOTA_ERRORS.has(report.errorClass) ? report : undefined;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function retryLine(s: GeminiAttempts): string {
  const model = s.model ? ` to ${s.model}` : '';
  return `Gemini BeforeModel attempt ${s.count} of the same request${model} over ${seconds(s.last - s.first)} with no response`;
}

/**
 * A Gemini CLI hook payload (parsed JSON) as a hook event, counting model attempts in
 * `ctx.geminiAttempts`. Never throws.
 */
export function parseGemini(payload: unknown, ctx: HookParseContext): HookParseResult {
  return guarded(() => {
    const f = Fields.of(payload);
    if (f instanceof Invalid) return malformed(f.reason);
    // The event name first: an event Relay does not act on is ignored whatever else it holds.
    const head = f.read({ hook_event_name: 'string' });
    if (head instanceof Invalid) return malformed(head.reason);
    const name = head.hook_event_name;
    if (!isOneOf(name, GEMINI_EVENTS)) return ignored(`${name.slice(0, 100)}: not an event Relay acts on`);
    const p = f.read(PAYLOAD);
    if (p instanceof Invalid) return malformed(p.reason);
    const event = baseEvent('gemini', { event: name, agentSession: p.session_id, cwd: p.cwd }, ctx);
    const conversation = p.transcript_path || p.session_id || '';
    const store = conversation ? ctx.geminiAttempts : undefined;

    switch (name) {
      case 'SessionStart':
        store?.prune(ctx.now);
        return { event };
      case 'BeforeAgent':
        // A new prompt: no request is pending.
        store?.clear(conversation);
        return { event };
      case 'AfterAgent': {
        const state = store?.load(conversation);
        store?.clear(conversation);
        // A turn that got its answers; or one that ended with none while its request was unanswered.
        if (!state || p.prompt_response !== NO_RESPONSE_TEXT) return { event };
        const model = state.model ? ` to ${state.model}` : '';
        if (state.count >= 2) {
          return {
            event: withLimit(event, {
              severity: 'limit',
              rule: 'hook:gemini.turn_ended_unanswered',
              matched: `Gemini turn ended with no response after ${state.count} unanswered attempts of one request${model} over ${seconds(state.last - state.first)}`,
            }),
          };
        }
        const end = firedAt(p, ctx);
        const report = quotaReport(ctx, Math.max(state.first, end - TURN_END_REPORT_MS), end);
        // No quota report: Esc cancelled the request (or it failed otherwise), not a limit.
        if (!report) return { event };
        return {
          event: withLimit(event, {
            severity: 'limit',
            rule: 'hook:gemini.turn_ended_unanswered',
            matched: `Gemini turn ended with no response after 1 unanswered attempt of one request${model} on ${report.errorClass}: ${report.message} (the quota dialog's Stop)`,
          }),
        };
      }
      case 'AfterModel':
        store?.clear(conversation);
        return ignored('AfterModel: a response arrived');
      case 'BeforeModel': {
        if (!p.llm_request) return malformed('llm_request: required for BeforeModel');
        if (!store) return ignored('BeforeModel: no attempt store');
        const prev = store.load(conversation);
        const state = recordAttempt(prev, requestKey(p.llm_request.messages), p.llm_request.model, firedAt(p, ctx));
        if (state === prev) return ignored('BeforeModel: a repeat of the same attempt');
        store.save(conversation, state);
        if (state.count < 2) return ignored('BeforeModel: first attempt');
        return { event: withLimit(event, { severity: 'warning', rule: 'hook:gemini.model_retry', matched: retryLine(state) }) };
      }
      case 'SessionEnd': {
        if (!store) return { event };
        const state = store.load(conversation);
        store.clear(conversation);
        if (!state) return { event };
        const model = state.model ? ` to ${state.model}` : '';
        if (state.count >= 2) {
          return {
            event: withLimit(event, {
              severity: 'limit',
              rule: 'hook:gemini.session_end_after_retries',
              matched: `Gemini session ended after ${state.count} unanswered attempts of one request${model} over ${seconds(state.last - state.first)}`,
            }),
          };
        }
        const report = quotaReport(ctx, state.first, firedAt(p, ctx));
        if (report) {
          return {
            event: withLimit(event, {
              severity: 'limit',
              rule: 'hook:gemini.session_end_quota',
              matched: `Gemini session ended on ${report.errorClass}: ${report.message}`,
            }),
          };
        }
        return {
          event: withLimit(event, {
            severity: 'warning',
            rule: 'hook:gemini.session_end_unanswered',
            matched: `Gemini session ended ${seconds(Math.max(0, firedAt(p, ctx) - state.last))} after a model request${model} that got no response`,
          }),
        };
      }
    }
  });
}
