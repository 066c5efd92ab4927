/**
 * Requests about relay sessions (an ordered chain of agents working on one task) and the
 * snapshots written when one hands off to the next.
 */


export type RelayState = 'running' | 'handingOff' | 'stranded' | 'ended';

export interface RelaySessionInfo {
  id: string;
  /** Fallback order, as agent names (claude, codex, gemini, opencode, cli:x). */
  order: string[];
  state: RelayState;
  /** Agent id now working (while stranded: the one that stopped). */
  activeAgent: string | null;
  /** Its name (claude, codex, cli:x). */
  activeName: string | null;
  /** When a stranded session resumes (ms since the epoch). */
  resumeAt: number | null;
  cwd: string;
  /** The first prompt, when known. */
  task: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One handoff snapshot (its Markdown is the file at `path`; the `snapshots` table indexes them). */
export interface SnapshotInfo {
  /** Time-sortable: `20261121-110502-claude-3f9a`. */
  id: string;
  relaySession: string;
  /** Agent id of the agent that stopped (claude-1). */
  fromAgent: string;
  /** Agent id it went to; null while the session waits (stranded) for a limit to lift. */
  toAgent: string | null;
  /** The limit rule that fired (`claude.session_limit`), or `manual`. */
  reason: string;
  /** When `fromAgent`'s limit lifts, ms since the epoch, if known. */
  limitedUntil: number | null;
  /** Absolute path of the Markdown file. */
  path: string;
  createdAt: number;
}


export interface HandoffResult {
  relaySession: string;
  from: string;
  /** The new agent's id, or null when the session is stranded. */
  to: string | null;
  /** The new agent's name (codex), or null when stranded. */
  toName: string | null;
  snapshot: SnapshotInfo;
  stranded: boolean;
  resumeAt: number | null;
}

export interface RelayRequests {
  /**
   * `relay handoff [<agent>]`: hand the session of `agent` (an agent id, an agent name or a relay
   * session id; the most recent session when absent) on now, to `to` (an agent name) or to the
   * next available agent in its order.
   */
  'relay.handoff': { payload: { agent?: string; to?: string }; result: HandoffResult };
  'relay.list': { payload: Record<string, never>; result: { sessions: RelaySessionInfo[] } };
}
