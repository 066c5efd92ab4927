/**
 * The one normalized record every limit source produces (DESIGN.md, "One normalized event"):
 * the PTY detector, agent hooks, the proxy and provider workers all emit `rate_limited` with
 * this payload, and the relay-session machine acts on it without knowing where it came from.
 */

/** Where a limit was learned: a CLI's hook (`hook:claude`), Relay's PTY detector, the proxy, a provider worker. */
export type LimitSource = `hook:${string}` | 'pty' | 'proxy' | 'provider';

/**
 * `limit`: the agent cannot go on (usage limit reached, retries exhausted).
 * `warning`: an early sign the agent is retrying a 429 (Claude `api_retry`, Codex
 * `Reconnecting... n/5`, Gemini `Attempt n failed`, OpenCode `session.status` retry) — worth a
 * handoff before the CLI's own retries run out, minutes later.
 */
export type LimitSeverity = 'limit' | 'warning';

export interface RateLimited {
  source: LimitSource;
  /** Relay's agent id (`claude-1`). */
  agent: string;
  relaySession?: string;
  /** The CLI's own session id, when known (from a hook payload or transcript). */
  agentSession?: string;
  severity: LimitSeverity;
  /** Which rule matched (`claude.session_limit`, `generic.http_429`). */
  rule: string;
  /** The text that matched, one line, secrets redacted. */
  matched: string;
  /** When the limit lifts, ms since the epoch, if the message said. */
  resetAt?: number;
  at: number;
}
