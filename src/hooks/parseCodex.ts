/**
 * Codex hook payloads. Two ways in (CLI-FACTS.md "Registering hooks"):
 * - hooks (`~/.codex/hooks.json`, Claude's shape, JSON on stdin): SessionStart, SessionEnd,
 *   UserPromptSubmit, Stop, … — none fires on a failed turn;
 * - `notify` (JSON as the last argv): `type: "agent-turn-complete"` after each *successful*
 *   turn, so it is a success signal and never a limit.
 * The limit signal is therefore read from the rollout file the hooks name in `transcript_path`:
 * on `SessionEnd` (and `Stop`) the last `task_complete` says whether the turn failed and why
 * (codexRollout.ts). `usage_limit_exceeded` and retries exhausted on HTTP 429 are limits;
 * overload and server errors are not.
 */
import { z } from 'zod';
import { parseResetTime } from '../limits/resetTime.js';
import { lastTurnOutcome, readFileTail, ROLLOUT_TAIL_BYTES, type CodexTurnOutcome } from './codexRollout.js';
import {
  baseEvent,
  guarded,
  ignored,
  malformed,
  withLimit,
  zodReason,
  type HookParseContext,
  type HookParseResult,
  type LimitFields,
} from './hookParse.js';

const CODEX_EVENTS = ['SessionStart', 'SessionEnd', 'UserPromptSubmit', 'Stop'] as const;

const hookSchema = z.object({
  hook_event_name: z.enum(CODEX_EVENTS),
  session_id: z.string().optional(),
  turn_id: z.string().optional(),
  cwd: z.string().optional(),
  transcript_path: z.string().optional(),
});

const notifySchema = z.object({
  type: z.literal('agent-turn-complete'),
  'thread-id': z.string().optional(),
  cwd: z.string().optional(),
});

const envelope = z.union([
  z.object({ hook_event_name: z.string() }),
  z.object({ type: z.string() }),
]);

/** Rollouts are JSON lines; a payload naming any other kind of file is not read. */
const ROLLOUT_FILE = /\.jsonl$/;

function limitFromOutcome(outcome: CodexTurnOutcome, ctx: HookParseContext): LimitFields | undefined {
  if (outcome.failure !== 'usage_limit' && outcome.failure !== 'http_429') return undefined;
  const message = (outcome.message ?? '').slice(0, 2000);
  // Codex prints the reset in local time ("try again at 10:58 AM"), the zone the hook runs in.
  const resetAt = outcome.windowResetAt ?? (message ? parseResetTime(message, ctx.now, ctx.env.TZ || undefined) : undefined);
  // A limit that has already lifted (a session ended long after its failed turn) is history.
  if (resetAt !== undefined && resetAt <= ctx.now) return undefined;
  return outcome.failure === 'usage_limit'
    ? { severity: 'limit', rule: 'hook:codex.usage_limit', matched: message || 'usage_limit_exceeded', resetAt }
    : { severity: 'limit', rule: 'hook:codex.retry_exhausted_429', matched: message || 'response_too_many_failed_attempts (HTTP 429)', resetAt };
}

/**
 * A Codex hook or `notify` payload (parsed JSON) as a hook event; on SessionEnd/Stop the
 * rollout's tail is read through `ctx.readTail`. Never throws.
 */
export function parseCodex(payload: unknown, ctx: HookParseContext): HookParseResult {
  return guarded(() => {
    const head = envelope.safeParse(payload);
    if (!head.success) return malformed('neither a Codex hook payload nor a notify payload');

    if ('hook_event_name' in head.data) {
      const name = head.data.hook_event_name;
      if (!(CODEX_EVENTS as readonly string[]).includes(name)) return ignored(`${name.slice(0, 100)}: not an event Relay acts on`);
      const parsed = hookSchema.safeParse(payload);
      if (!parsed.success) return malformed(zodReason(parsed.error));
      const p = parsed.data;
      const event = baseEvent('codex', { event: p.hook_event_name, agentSession: p.session_id, cwd: p.cwd }, ctx);
      if ((p.hook_event_name !== 'SessionEnd' && p.hook_event_name !== 'Stop') || !p.transcript_path) return { event };
      if (!ROLLOUT_FILE.test(p.transcript_path)) return { event };
      const tail = (ctx.readTail ?? readFileTail)(p.transcript_path, ROLLOUT_TAIL_BYTES);
      const outcome = tail === undefined ? undefined : lastTurnOutcome(tail);
      // Stop names its turn; an outcome of an earlier turn (this one not yet written) says nothing.
      if (!outcome || (p.turn_id && outcome.turnId && outcome.turnId !== p.turn_id)) return { event };
      const limit = limitFromOutcome(outcome, ctx);
      return { event: limit ? withLimit(event, limit) : event };
    }

    // Later Codex versions may notify other types; only a completed turn means something here.
    if (head.data.type !== 'agent-turn-complete') return ignored(`notify ${head.data.type.slice(0, 100)}: not an event Relay acts on`);
    const parsed = notifySchema.safeParse(payload);
    if (!parsed.success) return malformed(zodReason(parsed.error));
    const p = parsed.data;
    return { event: baseEvent('codex', { event: p.type, agentSession: p['thread-id'], cwd: p.cwd }, ctx) };
  });
}
