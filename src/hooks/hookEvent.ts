/**
 * What `relay hook <agent>` sends to the daemon: the payload an agent CLI passed to its hook,
 * reduced to what Relay acts on. One record per line, as JSON, on the hook socket or in the
 * spool file — the same format in both, so a spooled event is replayed exactly as it was sent.
 */
import type { LimitSeverity } from '../limits/rateLimited.js';

/** Which CLI called the hook; `relay hook opencode-event` is the OpenCode plugin. */
export type HookAgent = 'claude' | 'codex' | 'gemini' | 'opencode';

export const HOOK_EVENT_VERSION = 1;

export interface HookEvent {
  v: typeof HOOK_EVENT_VERSION;
  agent: HookAgent;
  /** The CLI's own event name: `StopFailure`, `SessionEnd`, `BeforeModel`, `session.error`… */
  event: string;
  /** The CLI's session id, when the payload has one. */
  agentSession?: string;
  cwd?: string;
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

/** Largest payload a hook reads; a bigger one is logged and dropped (hooks must stay fast). */
export const MAX_HOOK_PAYLOAD_BYTES = 1024 * 1024;
