/**
 * Everything Relay knows about one kind of agent CLI, in one descriptor per kind (claude.ts,
 * codex.ts, …) because each CLI's flags, limit messages, hooks and transcript formats move with
 * its versions. The registry (registry.ts) lists the descriptors; every other list of agent kinds
 * in Relay (the hook listener's, install's, doctor's, the order's names) is derived from it.
 */
import type { LimitRule } from '../limits/limitRules.js';
import type { CallFailure, ModelTier, StreamEvent } from '../protocol/providerProtocol.js';
import type { PromptGrammar } from './commandPrompt.js';

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
   * caller: pass it to {@link AgentDescriptor.readTranscript} to read exactly this session.
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

/** Where a CLI keeps the user config Relay edits (`relay install`) and checks (`relay doctor`). */
export interface AgentConfigLocation {
  /** The CLI's user config directory. */
  dir: string;
  /** The file Relay edits (or, for OpenCode, writes). */
  file: string;
  /** What decided the location, for messages: `CLAUDE_CONFIG_DIR`, `default`, … */
  source: string;
}

/** How a CLI calls `relay hook`, and what reads its payload. */
export interface HookBinding {
  /** The argument its hooks pass: `relay hook <arg>`. */
  arg: string;
  /**
   * The payload parser: a module in src/hooks/ that exports a function of the same name
   * (`parseClaude`). Named rather than imported, so a hook run loads one parser, not all, and
   * the hook table (hookTable.ts) can be written as data.
   */
  parserModule: string;
  /** The payload may come as the last argument instead of stdin (Codex `notify`). */
  payloadInLastArg?: boolean;
  /** The parser counts attempts across hook runs in a file (Gemini's repeated BeforeModel). */
  countsAttempts?: boolean;
  /**
   * The hook event that says the agent finished its turn and waits for the user (Claude `Stop`,
   * Gemini `AfterAgent`): where a handoff planned on a low quota happens.
   */
  turnEnd: string;
}

/** A model a CLI offers in headless mode, as the router sees it. */
export interface HeadlessModel {
  /** What `--model`/`-m` takes (`sonnet`, `gemini-2.5-flash`); {@link CLI_DEFAULT_MODEL}: no flag. */
  id: string;
  tier: ModelTier;
  /** Tokens of context; undefined when unknown. */
  contextTokens?: number;
}

/** The model id that means "whatever the CLI is configured to use": no model flag is passed. */
export const CLI_DEFAULT_MODEL = 'default';

/** How a headless run ended, for {@link HeadlessParser.end}. */
export interface HeadlessExit {
  /** null when a signal ended it. */
  code: number | null;
  signal: string | null;
  /** The last lines the CLI wrote on stderr (bounded), ANSI colours left in. */
  stderrTail: readonly string[];
  /** ms since the epoch, the anchor for relative reset times. */
  now: number;
}

/**
 * Reads one headless run's stdout, a line at a time, into the stream every provider speaks.
 * Stateful: one parser per run. Never throws on odd input (a line that is not JSON is ignored).
 */
export interface HeadlessParser {
  /** One stdout line, without its newline → what it means, in order (often nothing). */
  line(text: string): StreamEvent[];
  /** Once the process has exited: why the run failed, or undefined when it answered. */
  end(exit: HeadlessExit): CallFailure | undefined;
}

/** How to run the CLI for one answer, non-interactively, with machine-readable output. */
export interface HeadlessMode {
  /**
   * The arguments after the binary. The prompt is in them unless {@link promptOnStdin} says
   * it goes on stdin, in which case they are the arguments that read it from there.
   * `model` undefined or {@link CLI_DEFAULT_MODEL}: the CLI's own default.
   */
  args(prompt: string, model?: string): string[];
  /** True when `prompt` is written to stdin (then closed) rather than put in argv. */
  promptOnStdin(prompt: string): boolean;
  /** Added to the environment (caps on the CLI's own retries, so a limit surfaces fast). */
  env: Readonly<Record<string, string>>;
  /** The models it offers, cheapest tier first. */
  models: readonly HeadlessModel[];
  /** A fresh parser for one run (loaded on demand, like the transcript readers). */
  parser(): Promise<HeadlessParser>;
}

/** One kind of agent CLI. */
export interface AgentDescriptor {
  /** The kind, which is also its agent name in a handoff order: `claude`. */
  kind: string;
  /** For people: `Claude Code`. */
  title: string;
  /** Executable names that identify it on the PATH and in a `relay wrap` command. */
  binaries: readonly string[];
  /** npm packages whose scripts run it (`node …/@anthropic-ai/claude-code/cli.js`, `npx @openai/codex`). */
  packages: readonly string[];
  /** How to start it, interactively, with an optional first prompt. */
  launch(opts: LaunchOptions): LaunchSpec;
  /** Which argument of a user's command line is the task (`claude "fix the login bug"`); absent: unknown. */
  promptGrammar?: PromptGrammar;
  /** The last turns from the CLI's own transcript files; [] when none are found. */
  readTranscript(q: TranscriptQuery): Promise<Turn[]>;
  /** The limit messages it prints, in matching order (the generic markers are added after them). */
  limitRules: readonly LimitRule[];
  /** Its hooks, when Relay can register any. */
  hook: HookBinding | null;
  /**
   * Where its user config lives, from the environment (`home` is the user's home directory);
   * null when Relay has nothing to install into it.
   */
  configLocation: ((env: NodeJS.ProcessEnv, home: string) => AgentConfigLocation) | null;
  /**
   * The id of what `relay install` writes for it, as recorded in the install manifest
   * (`claude-settings`); stable across versions, so an older install is still undone exactly.
   */
  installRole: string | null;
  /** What `relay doctor` adds when its hooks are in place (how the CLI trusts or enables them). */
  hookNote?: string;
  /** How to run it as a provider (one answer, JSON on stdout); absent: it cannot be one. */
  headless?: HeadlessMode;
}
