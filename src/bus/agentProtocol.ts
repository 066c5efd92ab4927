/**
 * Requests that drive agents (PTYs owned by the daemon) and the topic their output travels on.
 */
import type { AgentInfo } from '../actors/agent/agentControl.js';

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
  'agent.list': { payload: Record<string, never>; result: { agents: AgentInfo[] } };
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
