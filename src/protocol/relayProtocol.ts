/**
 * Requests about relay sessions (an ordered chain of agents working on one task) and the
 * snapshots written when one hands off to the next.
 */
import { formatClockTime } from '../platform/duration.js';


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


/** Why an agent of the order could not take over at a handoff. */
export interface SuccessorGap {
  /** The agent name (codex, cli:aider). */
  name: string;
  /**
   * `not_installed`: none of its binaries on the PATH of the shell that started the session;
   * `not_executable`: a file of that name there may not be run; `limited`: the ledger holds it
   * limited until `until`; `refused`: a veto (a budget) refused it.
   */
  why: 'not_installed' | 'not_executable' | 'limited' | 'refused';
  /** For `limited`: when it lifts, ms since the epoch. */
  until?: number;
  /** The path that is not executable, or the veto's reason. */
  detail?: string;
}

/** `codex: not on PATH`, `gemini: limited until 11:02`; `time` formats a moment for the reader. */
function describeGap(g: SuccessorGap, time: (ms: number) => string): string {
  switch (g.why) {
    case 'not_installed':
      return `${g.name}: not on PATH`;
    case 'not_executable':
      return `${g.name}: ${g.detail ?? 'its file'} is not executable`;
    case 'limited':
      return g.until === undefined ? `${g.name}: limited` : `${g.name}: limited until ${time(g.until)}`;
    case 'refused':
      return `${g.name}: ${g.detail ?? 'refused'}`;
  }
}

/** Each gap as one clause, in local time: `codex: not on PATH; gemini: limited until 11:02`. */
export function describeGaps(gaps: readonly SuccessorGap[], now: number): string {
  return gaps.map((g) => describeGap(g, (ms) => formatClockTime(ms, now))).join('; ');
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
  /** When stranded: each agent of the order that could not take over, and why. */
  unavailable: SuccessorGap[];
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
