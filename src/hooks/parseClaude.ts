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
import { z } from 'zod';
import { parseResetTime } from '../limits/resetTime.js';
import {
  baseEvent,
  guarded,
  ignored,
  malformed,
  withLimit,
  zodReason,
  type HookParseContext,
  type HookParseResult,
} from './hookParse.js';

/** Events Relay registers or may use; anything else (PreToolUse, PostToolUse…) is ignored. */
const CLAUDE_EVENTS = ['StopFailure', 'Stop', 'SessionStart', 'SessionEnd', 'UserPromptSubmit', 'Notification'] as const;

const envelope = z.object({ hook_event_name: z.string() });

const payloadSchema = z.object({
  hook_event_name: z.enum(CLAUDE_EVENTS),
  session_id: z.string().optional(),
  cwd: z.string().optional(),
  error: z.string().optional(),
  last_assistant_message: z.string().nullish(),
});

/** The sentences Claude's binary starts its subscription limit texts with (CLI-FACTS.md). */
const USAGE_LIMIT = /^(?:You've hit your|You've reached your|You've used|You're out of usage credits)/i;
const SERVER_LIMITING = /Server is temporarily limiting requests/i;

/** A Claude Code hook payload (parsed JSON) as a hook event; never throws. */
export function parseClaude(payload: unknown, ctx: HookParseContext): HookParseResult {
  return guarded(() => {
    const head = envelope.safeParse(payload);
    if (!head.success) return malformed(zodReason(head.error));
    if (!(CLAUDE_EVENTS as readonly string[]).includes(head.data.hook_event_name)) {
      return ignored(`${head.data.hook_event_name.slice(0, 100)}: not an event Relay acts on`);
    }
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) return malformed(zodReason(parsed.error));
    const p = parsed.data;
    const event = baseEvent('claude', { event: p.hook_event_name, agentSession: p.session_id, cwd: p.cwd }, ctx);
    if (p.hook_event_name !== 'StopFailure' || p.error !== 'rate_limit') return { event };

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
