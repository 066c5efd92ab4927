/**
 * What the rest of the daemon may do with agents, without knowing what runs them. The agent
 * manager implements these; the relay sessions depend only on {@link AgentControl}, the bus
 * handlers on {@link AgentTerminals}. An agent is asked for by name (`claude`, `cli:aider`) and
 * the manager picks its backend: a CLI in a PTY today, a provider in a worker thread next.
 */
import type { AgentExitReason, AgentInfo, TerminalSize } from '../../protocol/agentProtocol.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import type { SuccessorGap } from '../../protocol/relayProtocol.js';

/** Start an agent by name; the manager decides what runs it. */
export interface AgentStart {
  /** An agent name: `claude`, `codex`, `cli:aider`. */
  name: string;
  /** Its first prompt (a handoff snapshot), if any. */
  prompt?: string;
  cwd: string;
  relaySession?: string;
  /** For an agent with a screen; a default when absent (an attached client resizes it). */
  size?: TerminalSize;
  /**
   * The environment of the shell that started the relay session (`relay wrap`), over the
   * daemon's: the next agent is found on the user's PATH and sees the user's variables, not
   * those of whichever shell first started the daemon.
   */
  env?: Record<string, string>;
}

/** `relay wrap -- <cmd> …`: the user's own command line, run as given. */
export interface UserCommand {
  command: string;
  args: string[];
  cwd: string;
  /** The user's environment, added to the daemon's. */
  env: Record<string, string>;
  size: TerminalSize;
  relaySession?: string;
}

/** What relay sessions may do with agents. */
export interface AgentControl {
  start(req: AgentStart): Promise<AgentInfo>;
  /**
   * Null when an agent of this name can be started now in `env` (the session's environment;
   * the daemon's when absent); else why not (not on that PATH, not executable).
   */
  unavailable(name: string, env?: Record<string, string>): SuccessorGap | null;
  get(id: string): AgentInfo | undefined;
  list(): AgentInfo[];
  /** Keep it alive but mark it parked: the user can attach and return to it. */
  park(id: string): void;
  /** Stop it (SIGTERM to its process group, SIGKILL after a grace period). */
  stop(id: string, reason: AgentExitReason): Promise<void>;
  /** What it shows now (rendered screen rows), for a snapshot when no transcript is found. */
  visibleText(id: string): string[];
  /** Every limit learned of an agent: its output detector, its hooks. */
  onLimit(listener: (e: RateLimited) => void): () => void;
  onExit(listener: (info: AgentInfo) => void): () => void;
  /** The first line typed into an agent of a relay session (its task, when the command line gave none). */
  onFirstLine(listener: (agentId: string, line: string) => void): () => void;
}

/** A client's view of an agent it attaches to: a screen that redraws it, and the output seq it reflects. */
export interface AgentView {
  agent: AgentInfo;
  /** ANSI that redraws the agent's screen. */
  screen: string;
  /** Output chunks with a seq up to this are in `screen`; later ones follow on the agent's topic. */
  seq: number;
}

/** What attached clients (`relay wrap`, `relay attach`, the TUI's agent pane) do with agents. */
export interface AgentTerminals {
  /** Attach (or renew) `client`'s lease, resize to its terminal, and return the screen. */
  attach(id: string, client: string, size: TerminalSize): Promise<AgentView>;
  /** Renew a lease; returns the number of attached clients. */
  keepalive(id: string, client: string): void;
  detach(id: string, client: string): number;
  input(id: string, data: string | Uint8Array): void;
  resize(id: string, size: TerminalSize): void;
}
