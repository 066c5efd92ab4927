/**
 * What the rest of the daemon (relay sessions, bus handlers) may do with agents, without
 * knowing about PTYs. The agent manager implements it; the relay-session machine depends only
 * on this.
 */
import type { AgentExitReason, AgentKind } from '../../store/agentsRepo.js';
import type { RateLimited } from '../../limits/rateLimited.js';

/** An attachment lapses unless renewed this often (a client renews it every second). */
export const ATTACH_LEASE_MS = 3_000;

/** The states of an agent actor (its xstate machine's top-level states). */
export type AgentState = 'spawning' | 'running' | 'idle' | 'limited' | 'parked' | 'exited' | 'crashed';

export interface AgentInfo {
  /** Unique in this daemon: `claude-1`, `cli-make-2`. */
  id: string;
  kind: AgentKind;
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
}

export interface AgentExit {
  reason: AgentExitReason;
  code: number | null;
  signal: string | null;
}

export interface StartAgentRequest {
  kind: AgentKind;
  command: string;
  args: string[];
  cwd: string;
  /** Added to the daemon's environment for this agent. */
  env: Record<string, string>;
  cols: number;
  rows: number;
  relaySession?: string;
  /** Typed into the PTY once the agent's output settles (CLIs with no first-prompt flag). */
  typePrompt?: string;
}

export interface AgentControl {
  start(req: StartAgentRequest): Promise<AgentInfo>;
  get(id: string): AgentInfo | undefined;
  list(): AgentInfo[];
  /** Keep the process alive but mark it parked: the user can attach and return to it. */
  park(id: string): void;
  /** Stop it (SIGTERM to its process group, SIGKILL after a grace period). */
  stop(id: string, reason: AgentExitReason): Promise<void>;
  /** The rendered screen rows, for a snapshot when no transcript is known. */
  screenText(id: string): string[];
  /** Every limit the agent's output detector finds. */
  onLimit(listener: (e: RateLimited) => void): () => void;
  onExit(listener: (info: AgentInfo) => void): () => void;
}
