/**
 * One agent as the agent manager holds it, whatever runs it: {@link PtyAgent} for a CLI in a
 * PTY; a provider running in a worker thread implements the same. The manager never reaches
 * past this into a backend's parts.
 */
import type { AgentExit, AgentInfo, TerminalSize } from '../../protocol/agentProtocol.js';

export interface SupervisedAgent {
  readonly id: string;
  /** Its process id, for the supervision tree (a worker-backed agent reports the daemon's). */
  readonly pid: number;
  /** Settles once it has ended, with how. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  info(): AgentInfo;
  exit(): AgentExit | null;
  /** Attach or renew a client's lease; returns whether it was new. */
  attach(client: string): boolean;
  detach(client: string): void;
  /** Drop leases that were not renewed (a client killed without detaching). */
  expireLeases(now: number): void;
  /** Keystrokes (or a message) from an attached client; input to a parked agent resumes it. */
  input(data: string | Uint8Array): void;
  resize(size: TerminalSize): void;
  /** What an attaching client draws first, and the output seq it reflects. */
  view(): Promise<{ screen: string; seq: number }>;
  /** What it shows now, as text lines. */
  visibleText(): string[];
  park(): void;
  stop(reason: AgentExit['reason'], graceMs: number): Promise<void>;
  dispose(): void;
}
