/**
 * Agents as clients see them (the daemon's supervised CLIs, later provider workers), the
 * requests that drive them, and the topic their output travels on.
 */

/** An attachment lapses unless renewed this often (a client renews it every second). */
export const ATTACH_LEASE_MS = 3_000;

/** Why an agent's process ended. */
export type AgentExitReason = 'done' | 'error' | 'rate_limited' | 'user_quit' | 'crashed';

/** The states of an agent actor (its xstate machine's top-level states). */
export type AgentState = 'spawning' | 'running' | 'idle' | 'limited' | 'parked' | 'exited' | 'crashed';

export interface AgentExit {
  reason: AgentExitReason;
  code: number | null;
  signal: string | null;
}

export interface AgentInfo {
  /** Unique in this daemon: `claude-1`, `cli-make-2`. */
  id: string;
  /**
   * Which agent CLI it runs (`claude`, `codex`, …, `cli` for any other command). A string on the
   * wire: a client built before a kind was added still shows it.
   */
  kind: string;
  /** `claude`, `codex`, `gemini`, `opencode`, or `cli:<name>`. */
  name: string;
  command: string;
  args: string[];
  cwd: string;
  pid: number | null;
  state: AgentState;
  relaySession: string | null;
  attached: number;
  startedAt: number;
  exit: AgentExit | null;
  /** When it exited (ms since the epoch); absent while it runs. */
  endedAt?: number;
  /**
   * It ran under an earlier daemon and is known only from the store (`relay ps` after a daemon
   * restart). Its `state` is the last one recorded; one that was not `exited`/`crashed` then
   * ended with that daemon or was lost in its crash.
   */
  previousRun?: boolean;
}

/** `relay ps` without `--all` lists every live agent and this many of the most recent exited ones. */
export const PS_DEFAULT_EXITED = 10;

/**
 * What `relay ps` shows of `agents`: the oldest first; without `all`, every live agent and the
 * {@link PS_DEFAULT_EXITED} most recent ended ones, with the count left out.
 */
export function recentAgents(agents: readonly AgentInfo[], all: boolean): { agents: AgentInfo[]; omitted: number } {
  const every = [...agents].sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
  if (all) return { agents: every, omitted: 0 };
  const ended = (a: AgentInfo): boolean => a.exit !== null || a.previousRun === true;
  const keep = new Set(every.filter(ended).slice(-PS_DEFAULT_EXITED).map((a) => a.id));
  const shown = every.filter((a) => !ended(a) || keep.has(a.id));
  return { agents: shown, omitted: every.length - shown.length };
}

/** A terminal's size in character cells. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface AgentRequests {
  /** Start a command as a supervised agent (`relay wrap`), optionally in a relay session with a fallback order. */
  'agent.start': {
    payload: {
      command: string;
      args: string[];
      cwd: string;
      env: Record<string, string>;
      cols: number;
      rows: number;
      /** Fallback order for a relay session (agent names: claude, codex, gemini, opencode, cli:x). */
      order?: string[];
      name?: string;
    };
    result: { agent: AgentInfo; relaySession: string | null };
  };
  /**
   * The agents of this daemon, then those of earlier daemon runs (from the store, marked
   * `previousRun`), the oldest first. Without `all`, exited ones are cut to the most recent
   * {@link PS_DEFAULT_EXITED}; `omitted` says how many were left out.
   */
  'agent.list': { payload: { all?: boolean }; result: { agents: AgentInfo[]; omitted?: number } };
  /**
   * One agent by what a user types, as `relay handoff` takes it: an agent id (`claude-1`), an
   * agent name (`claude`, `cli:aider`) or a relay session id. Live agents and those in the
   * store; an unknown or ambiguous name is an E_USAGE error listing the candidates.
   */
  'agent.resolve': { payload: { name: string }; result: { agent: AgentInfo; logFile: string } };
  /** Remove an exited agent from the list, the store and its logs; a running one is refused. */
  'agent.remove': { payload: { name: string }; result: { removed: string } };
  /**
   * Attach a client: returns the current screen (ANSI that redraws it) and the output sequence
   * number it reflects; the client then applies only output chunks with a greater seq. The
   * attachment is a lease the client renews with `agent.keepalive`.
   */
  'agent.attach': {
    payload: { id: string; client: string; cols: number; rows: number };
    result: { agent: AgentInfo; screen: string; seq: number };
  };
  'agent.detach': { payload: { id: string; client: string }; result: { attached: number } };
  'agent.keepalive': { payload: { id: string; client: string }; result: { ok: boolean } };
  'agent.input': { payload: { id: string; data: Uint8Array | string }; result: Record<string, never> };
  'agent.resize': { payload: { id: string; cols: number; rows: number }; result: Record<string, never> };
  /** Stop a running or parked agent and its process group (`relay stop`); `id` is resolved as in `agent.resolve`. */
  'agent.stop': { payload: { id: string }; result: { agent: AgentInfo | null } };
}

/** One message on an agent's output topic. */
export type PtyMessage =
  | { seq: number; data: Uint8Array }
  | { seq: number; exit: { code: number | null; signal: string | null; reason: string } };

/** `pty:<id>|` — the bar ends the id, so subscribing to `claude-1` does not also get `claude-10`. */
export function ptyTopic(agentId: string): string {
  return `pty:${agentId}|`;
}
