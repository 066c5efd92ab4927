/**
 * What Relay knows about one real agent CLI, kept in one file per CLI (claude.ts, codex.ts, …)
 * because each CLI's flags, limit messages and transcript formats move with its versions.
 */
import type { AgentKind } from '../store/agentsRepo.js';

/** One turn of a conversation, for a snapshot's "last turns". */
export interface Turn {
  role: 'user' | 'assistant';
  text: string;
  /** ms since the epoch, when the transcript says. */
  at?: number;
}

/** How to start the CLI. */
export interface LaunchSpec {
  command: string;
  args: string[];
  /** Added to the environment (e.g. caps on the CLI's own retries). */
  env: Record<string, string>;
  /**
   * True when the CLI has no flag for a first prompt: the prompt is typed into its PTY once its
   * screen is ready (unknown CLIs).
   */
  typePrompt: boolean;
  /**
   * The session id the CLI was told to use (`--session-id`), when it accepts one chosen by the
   * caller: pass it to {@link AgentAdapter.readTranscript} to read exactly this session.
   */
  agentSession?: string;
}

export interface LaunchOptions {
  /** The first prompt (a handoff snapshot), if any. */
  prompt?: string;
  cwd: string;
  /** The command the user gave to `relay wrap` (for a CLI started by the user, not by a handoff). */
  userArgs?: string[];
  /**
   * A UUID for the CLI's own session, used only by CLIs that let the caller choose it (Claude,
   * Gemini) and only when Relay builds the command itself (no `userArgs`).
   */
  agentSession?: string;
}

export interface TranscriptQuery {
  cwd: string;
  /** The user's HOME (tests point it at a fixture). */
  home: string;
  env: NodeJS.ProcessEnv;
  /** The CLI's own session id, if known; otherwise the newest session for `cwd`. */
  agentSession?: string;
  /** Only sessions written at or after this time (ms); excludes an older unrelated session. */
  since?: number;
  /** How many of the last turns to return. */
  limit: number;
}

export interface AgentAdapter {
  kind: AgentKind;
  /** Executable names that identify this CLI (`claude`, `codex`, …). */
  binaries: readonly string[];
  /** How to start it, interactively, with an optional first prompt. */
  launch(opts: LaunchOptions): LaunchSpec;
  /** The last turns from the CLI's own transcript files; [] when none are found. */
  readTranscript(q: TranscriptQuery): Promise<Turn[]>;
}
