/**
 * What `relay hook <agent>` sends to the daemon: the payload an agent CLI passed to its hook,
 * reduced to what Relay acts on. One record per line, as JSON, on the hook socket or in the
 * spool file — the same format in both, so a spooled event is replayed exactly as it was sent.
 */
import type { LimitSeverity } from '../protocol/rateLimited.js';

/**
 * Which CLI called the hook: its kind (`claude`; `relay hook opencode-event` is `opencode`).
 * The daemon accepts the kinds of the registry's CLIs with hooks (adapters/registry.ts).
 */
export type HookAgent = string;

export const HOOK_EVENT_VERSION = 1;

export interface HookEvent {
  v: typeof HOOK_EVENT_VERSION;
  /**
   * Unique per event, given by `relay hook` before it sends or spools the event (hookEventId.ts):
   * the daemon stores each one it logs and skips a repeat, so an event sent and then spooled, or
   * spooled and replayed after a crash mid-drain, is logged once. Absent in spool lines written
   * by an older Relay (those are logged as they come).
   */
  id?: string;
  agent: HookAgent;
  /** The CLI's own event name: `StopFailure`, `SessionEnd`, `BeforeModel`, `session.error`… */
  event: string;
  /** The CLI's session id, when the payload has one. */
  agentSession?: string;
  cwd?: string;
  /**
   * The CLI's transcript file, when the daemon reads it as it grows (a Codex rollout named by
   * SessionStart/UserPromptSubmit: no hook fires on a failed turn). At most `cwd`'s bound.
   */
  transcriptPath?: string;
  /**
   * Set when the CLI runs under Relay: the agent's environment carries RELAY_AGENT_ID and
   * RELAY_SESSION (set by the agent manager), and hooks inherit the CLI's environment.
   */
  relayAgent?: string;
  relaySession?: string;
  /** Present when the payload says the agent hit (or is retrying into) a limit. */
  limit?: {
    severity: LimitSeverity;
    /** `hook:claude.stop_failure_rate_limit`, … */
    rule: string;
    /** One line, at most 300 chars, secrets redacted. */
    matched: string;
    resetAt?: number;
  };
  /** When the hook ran, ms since the epoch. */
  at: number;
}

/**
 * The bounds of a hook event's fields, shared by the parsers that build events (hookParse.ts,
 * which leaves out a field beyond its bound rather than lose the event) and the daemon's schema
 * that checks them (actors/hooks/hookListener.ts).
 */
export const HOOK_EVENT_BOUNDS = {
  /** agentSession, relayAgent, relaySession, and the event's own id. */
  id: 200,
  cwd: 4096,
  eventName: 100,
  rule: 100,
  matched: 1000,
} as const;

/** Largest payload a hook reads; a bigger one is logged and dropped (hooks must stay fast). */
export const MAX_HOOK_PAYLOAD_BYTES = 1024 * 1024;
