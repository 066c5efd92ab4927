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
import { parseResetTime } from '../limits/resetTime.js';
import { lastTurnOutcome, readFileTail, ROLLOUT_TAIL_BYTES, type CodexTurnOutcome } from './codexRollout.js';
import {
  baseEvent,
  guarded,
  ignored,
  malformed,
  withLimit,
  type HookParseContext,
  type HookParseResult,
  type LimitFields,
} from './hookParse.js';
import { HOOK_EVENT_BOUNDS } from './hookEvent.js';
import { Fields, Invalid, isOneOf } from './payloadFields.js';

const CODEX_EVENTS = ['SessionStart', 'SessionEnd', 'UserPromptSubmit', 'Stop'] as const;

/**
 * The rest of an acted-on hook payload. Every field is checked, read or not: a payload whose ids
 * or paths are not strings is not one Codex sends, and is logged as malformed.
 */
const HOOK_PAYLOAD = {
  session_id: 'string?',
  /** Stop: the turn that just ended, to match against the rollout's last `task_complete`. */
  turn_id: 'string?',
  cwd: 'string?',
  /** The rollout file the limit is read from. */
  transcript_path: 'string?',
} as const;

/** The fields of an `agent-turn-complete` notify payload, checked the same way. */
const NOTIFY_PAYLOAD = { 'thread-id': 'string?', cwd: 'string?' } as const;

const NEITHER = 'neither a Codex hook payload nor a notify payload';

/** Rollouts are JSON lines; a payload naming any other kind of file is not read. */
const ROLLOUT_FILE = /\.jsonl$/;

/** The limit a turn's outcome reports (none for success, other failures, or a limit already lifted). */
export function codexLimitFromOutcome(outcome: CodexTurnOutcome, ctx: Pick<HookParseContext, 'now' | 'env'>): LimitFields | undefined {
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
    // A hook payload names its event in `hook_event_name`, a notify payload in `type`; the hook
    // form wins when both are strings. Anything else is neither.
    const f = Fields.of(payload);
    if (f instanceof Invalid) return malformed(NEITHER);
    const name = f.record.hook_event_name;
    if (typeof name === 'string') {
      if (!isOneOf(name, CODEX_EVENTS)) return ignored(`${name.slice(0, 100)}: not an event Relay acts on`);
      const p = f.read(HOOK_PAYLOAD);
      if (p instanceof Invalid) return malformed(p.reason);
      const event = baseEvent('codex', { event: name, agentSession: p.session_id, cwd: p.cwd }, ctx);
      if (!p.transcript_path || !ROLLOUT_FILE.test(p.transcript_path)) return { event };
      // The daemon watches the rollout of a session it learns about (actors/hooks/rolloutWatcher.ts).
      if (p.transcript_path.length <= HOOK_EVENT_BOUNDS.cwd) event.transcriptPath = p.transcript_path;
      if (name !== 'SessionEnd' && name !== 'Stop') return { event };
      const tail = (ctx.readTail ?? readFileTail)(p.transcript_path, ROLLOUT_TAIL_BYTES);
      const outcome = tail === undefined ? undefined : lastTurnOutcome(tail);
      // Stop names its turn; an outcome of an earlier turn (this one not yet written) says nothing.
      if (!outcome || (p.turn_id && outcome.turnId && outcome.turnId !== p.turn_id)) return { event };
      const limit = codexLimitFromOutcome(outcome, ctx);
      return { event: limit ? withLimit(event, limit) : event };
    }

    // Later Codex versions may notify other types; only a completed turn means something here.
    const type = f.record.type;
    if (typeof type !== 'string') return malformed(NEITHER);
    if (type !== 'agent-turn-complete') return ignored(`notify ${type.slice(0, 100)}: not an event Relay acts on`);
    const p = f.read(NOTIFY_PAYLOAD);
    if (p instanceof Invalid) return malformed(p.reason);
    return { event: baseEvent('codex', { event: type, agentSession: p['thread-id'], cwd: p.cwd }, ctx) };
  });
}
