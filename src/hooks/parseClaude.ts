/**
 * Claude Code hook payloads (JSON on stdin; CLI-FACTS.md "Registering hooks"). The one reliable
 * limit signal is `StopFailure` with `error: "rate_limit"`: Claude fires it when a turn ends on
 * a limit, after its own retries, with the text it showed in `last_assistant_message`:
 * - `You've hit your session limit · resets 10:57am (UTC)` (subscription; the reset is read
 *   from the text, zone included) → `limit`;
 * - `API Error: Request rejected (429) · …` (API key, retries exhausted) → `limit`;
 * - `API Error: Server is temporarily limiting requests (not your usage limit) · …` → `warning`,
 *   as the PTY rules treat it (limitRules.ts): Claude itself says it is not the usage limit.
 * Other `error` values (`overloaded`, `server_error`, `authentication_failed`, …) are failures
 * but not limits; the event still goes to the daemon without one.
 */
import { parseResetTime } from '../limits/resetTime.js';
import { baseEvent, guarded, ignored, malformed, withLimit, type HookParseContext, type HookParseResult } from './hookParse.js';
import { Fields, Invalid, isOneOf } from './payloadFields.js';

/** Events Relay registers or may use; anything else (PreToolUse, PostToolUse…) is ignored. */
const CLAUDE_EVENTS = ['StopFailure', 'Stop', 'SessionStart', 'SessionEnd', 'UserPromptSubmit', 'Notification'] as const;

/**
 * The rest of an acted-on payload. Every field is checked even where only its presence matters:
 * a payload whose `session_id` or `cwd` is not a string is not one Claude sends, and is logged
 * as malformed rather than delivered half-read.
 */
const PAYLOAD = {
  session_id: 'string?',
  cwd: 'string?',
  /** StopFailure: `rate_limit`, `overloaded`, `server_error`, … */
  error: 'string?',
  /** StopFailure: the text Claude showed; `null` when the turn produced none. */
  last_assistant_message: 'string|null?',
} as const;

/** The sentences Claude's binary starts its subscription limit texts with (CLI-FACTS.md). */
const USAGE_LIMIT = /^(?:You've hit your|You've reached your|You've used|You're out of usage credits)/i;
const SERVER_LIMITING = /Server is temporarily limiting requests/i;

/** A Claude Code hook payload (parsed JSON) as a hook event; never throws. */
export function parseClaude(payload: unknown, ctx: HookParseContext): HookParseResult {
  return guarded(() => {
    const f = Fields.of(payload);
    if (f instanceof Invalid) return malformed(f.reason);
    // The event name first: an event Relay does not act on is ignored whatever else it holds.
    const head = f.read({ hook_event_name: 'string' });
    if (head instanceof Invalid) return malformed(head.reason);
    const name = head.hook_event_name;
    if (!isOneOf(name, CLAUDE_EVENTS)) return ignored(`${name.slice(0, 100)}: not an event Relay acts on`);
    const p = f.read(PAYLOAD);
    if (p instanceof Invalid) return malformed(p.reason);
    const event = baseEvent('claude', { event: name, agentSession: p.session_id, cwd: p.cwd }, ctx);
    if (name !== 'StopFailure' || p.error !== 'rate_limit') return { event };

    // The message is one short sentence; a bound keeps the reset-time regexes cheap on junk.
    const text = (p.last_assistant_message ?? '').slice(0, 2000).trim();
    const matched = text || 'StopFailure error=rate_limit';
    if (SERVER_LIMITING.test(text)) {
      return { event: withLimit(event, { severity: 'warning', rule: 'hook:claude.server_limiting', matched }) };
    }
    const resetAt = text ? parseResetTime(text, ctx.now, ctx.env.TZ || undefined) : undefined;
    const rule = USAGE_LIMIT.test(text) ? 'hook:claude.usage_limit' : 'hook:claude.rate_limit';
    return { event: withLimit(event, { severity: 'limit', rule, matched, resetAt }) };
  });
}
