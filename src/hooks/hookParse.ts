/**
 * What every hook payload parser shares: its context, its result, and the helpers that build a
 * {@link HookEvent} within the bounds the daemon accepts. A parser turns the JSON one CLI passed
 * to its hook into at most one event; it never throws — a payload it cannot read is a result
 * with a reason, so `relay hook` can log it and still exit 0.
 */
import type { LimitSeverity } from '../protocol/rateLimited.js';
import { HOOK_EVENT_BOUNDS, HOOK_EVENT_VERSION, type HookAgent, type HookEvent } from './hookEvent.js';
import type { GeminiAttemptStore } from './geminiAttempts.js';
import { oneLine } from './matchedLine.js';

/** What a parser may use besides the payload; everything with a side effect is injectable. */
export interface HookParseContext {
  /** When the hook runs, ms since the epoch; the event's `at` and the anchor for relative resets. */
  now: number;
  /** The hook's environment: RELAY_AGENT_ID, RELAY_SESSION, TZ. */
  env: Readonly<Record<string, string | undefined>>;
  /**
   * The last `maxBytes` of a text file (Codex rollouts), or undefined when it cannot be read.
   * Defaults to the real file system; tests and fuzzing may replace it.
   */
  readTail?: (path: string, maxBytes: number) => string | undefined;
  /** Per-conversation BeforeModel attempts (Gemini). Without it, retries are not counted. */
  geminiAttempts?: GeminiAttemptStore;
}

/** Why a payload produced no event. */
export type HookSkip =
  /** A valid payload Relay does not act on (PreToolUse, streaming chunks, busy status…). */
  | 'ignored'
  /** Not what this CLI sends: wrong shape or types. `relay hook` logs these. */
  | 'malformed';

/** One event, or none and why: `reason` is one line for the hook log. */
export type HookParseResult = { event: HookEvent } | { event: null; skip: HookSkip; reason: string };

/** One CLI's payload parser (hooks/parse<Cli>.ts); it never throws. */
export type HookParser = (payload: unknown, ctx: HookParseContext) => HookParseResult;

/** No event: a valid payload Relay does not act on. */
export function ignored(reason: string): HookParseResult {
  return { event: null, skip: 'ignored', reason };
}

/** No event: a payload this CLI would not send (logged by `relay hook`). */
export function malformed(reason: string): HookParseResult {
  return { event: null, skip: 'malformed', reason };
}

/** A field beyond its bound is left out rather than failing the event: a limit must not be lost because a cwd is unusually long. */
const { id: MAX_ID, cwd: MAX_CWD, eventName: MAX_EVENT_NAME } = HOOK_EVENT_BOUNDS;

function bounded(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}

/** What a parser read from a payload for {@link baseEvent}; unchecked values are bounded there. */
export interface EventFields {
  /** The CLI's own event name. */
  event: string;
  agentSession?: unknown;
  cwd?: unknown;
}

/** The event every parser returns, with the Relay ids a Relay-run agent's environment carries. */
export function baseEvent(agent: HookAgent, fields: EventFields, ctx: HookParseContext): HookEvent {
  const e: HookEvent = { v: HOOK_EVENT_VERSION, agent, event: fields.event.slice(0, MAX_EVENT_NAME), at: ctx.now };
  const agentSession = bounded(fields.agentSession, MAX_ID);
  const cwd = bounded(fields.cwd, MAX_CWD);
  const relayAgent = bounded(ctx.env.RELAY_AGENT_ID, MAX_ID);
  const relaySession = bounded(ctx.env.RELAY_SESSION, MAX_ID);
  if (agentSession) e.agentSession = agentSession;
  if (cwd) e.cwd = cwd;
  if (relayAgent) e.relayAgent = relayAgent;
  if (relaySession) e.relaySession = relaySession;
  return e;
}

/** The limit a parser found, before {@link withLimit} bounds and redacts it. */
export interface LimitFields {
  severity: LimitSeverity;
  /** `hook:<cli>.<what>`. */
  rule: `hook:${string}.${string}`;
  /** Any text; reduced to one redacted line of at most 300 chars. */
  matched: string;
  resetAt?: number | undefined;
}

/** `event` with its limit; a reset time that is not a plausible instant is dropped. */
export function withLimit(event: HookEvent, limit: LimitFields): HookEvent {
  event.limit = { severity: limit.severity, rule: limit.rule, matched: oneLine(limit.matched) };
  if (limit.resetAt !== undefined && Number.isFinite(limit.resetAt) && limit.resetAt > 0) {
    event.limit.resetAt = Math.round(limit.resetAt);
  }
  return event;
}

/** A parser module's name: `parseClaude` (src/hooks/parseClaude.ts exports `parseClaude`). */
const PARSER_MODULE = /^parse[A-Z][A-Za-z0-9]*$/;

/** Load the parser module a CLI's descriptor names. */
export async function loadHookParser(module: string): Promise<HookParser> {
  if (!PARSER_MODULE.test(module)) throw new Error(`not a hook parser module: ${module}`);
  const m = (await import(`./${module}.js`)) as Record<string, unknown>;
  const parse = m[module];
  if (typeof parse !== 'function') throw new Error(`${module} exports no ${module}()`);
  return parse as HookParser;
}

/** Parse one payload with the parser module a CLI's descriptor names (`hook.parserModule`). Never rejects. */
export async function parseHookPayload(module: string, payload: unknown, ctx: HookParseContext): Promise<HookParseResult> {
  try {
    const parse = await loadHookParser(module);
    return parse(payload, ctx);
  } catch (e) {
    return malformed(`parser failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Run a parser body so that nothing it meets can escape as an exception (a JSON nested deeper
 * than the stack, a getter-free but pathological value): the hook must log and exit 0.
 */
export function guarded(body: () => HookParseResult): HookParseResult {
  try {
    return body();
  } catch (e) {
    return malformed(`parser failed: ${oneLine(e instanceof Error ? e.message : String(e), 200)}`);
  }
}
