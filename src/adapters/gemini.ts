/**
 * Gemini CLI (`@google/gemini-cli`, checked against 0.61.0): how to find and start it with a
 * handoff prompt, the limit messages it prints, its hooks and its chat recordings.
 *
 * Retries are not capped here: `general.maxAttempts` (default 10, about 4 minutes of quota
 * retries) is read from settings files only, and Relay does not edit the user's. A way that
 * edits nothing the user owns: 0.61 reads `GEMINI_CLI_SYSTEM_DEFAULTS_PATH`, the lowest-priority
 * settings layer, so a Relay-owned `{"general":{"maxAttempts":2}}` there would cap retries unless
 * the user set their own (it stands in for `/etc/gemini-cli/system-defaults.json`, which is
 * rarely present). That needs a file under RELAY_HOME, so it belongs to whoever owns the paths.
 */

import { join } from 'node:path';
import { re, type LimitRule } from '../limits/limitRules.js';
import type { AgentDescriptor, HeadlessMode, LaunchOptions, LaunchSpec } from './agentDescriptor.js';
import type { PromptGrammar } from './commandPrompt.js';
import { envDir } from './configDir.js';
import { isLongPrompt, modelArgs } from './headlessArgs.js';
import { launchFrom } from './launchSpec.js';

/**
 * The hook events `relay install` registers: `BeforeModel` (once per attempt: repeated attempts
 * are Gemini's retry backoff), `AfterAgent` (a turn that got an answer — the "response arrived"
 * marker hooks/parseGemini.ts needs) and `SessionEnd`. Not `AfterModel`: Gemini fires and awaits
 * it for every streamed chunk, which would start a process per chunk inside the agent's loop.
 */
export const GEMINI_HOOK_EVENTS = ['BeforeModel', 'AfterAgent', 'SessionEnd'] as const;

/**
 * The model a Gemini that Relay starts itself is given. Without `-m`, Gemini's default "auto"
 * routing first asks a classifier model which model to use, and under a 429 it retries that
 * call for minutes with no hook firing and only "Thinking..." on screen (issue 8). Any explicit
 * model skips the router (its OverrideStrategy); the alias `pro` keeps the choice of which Pro
 * model to Gemini (0.61.0 resolves it to gemini-3.1-pro-preview), and with it each retry is a
 * `BeforeModel` the hooks see. The user's own `relay wrap -- gemini …` is left as typed.
 */
export const GEMINI_RELAY_MODEL = 'pro';

function launch(opts: LaunchOptions): LaunchSpec {
  const spec = launchFrom(
    {
      binary: 'gemini',
      // -i: run this prompt, then stay interactive (`-p` would be headless).
      promptArgs: (prompt) => ['-i', prompt],
      sessionArgs: (id) => ['--session-id', id],
      env: {},
    },
    opts,
  );
  // After the prompt: `-i <prompt>` is an option, so the order does not matter to Gemini.
  // `--skip-trust` (0.61.0: "trust the current workspace for this session"): an unattended
  // handoff must not stop at the folder-trust dialog in a folder the user already works in.
  if (opts.userArgs === undefined) spec.args.push('-m', GEMINI_RELAY_MODEL, '--skip-trust');
  return spec;
}

/**
 * `gemini -p … -o stream-json` as a provider (`gemini --help`, 0.61.0). `--prompt=<text>` in one
 * argument, so a prompt starting with `-` stays the prompt. A long prompt goes on stdin alone:
 * with stdin not a TTY, 0.61 runs headless and takes stdin as the whole input (a `-p` text
 * would be appended after it). Without a model Gemini's router spends a classifier call first.
 * In headless mode tools that need approval are not offered, so nothing edits the checkout.
 */
const HEADLESS: HeadlessMode = {
  args: (prompt, model) => ['-o', 'stream-json', ...modelArgs('-m', model), ...(isLongPrompt(prompt) ? [] : [`--prompt=${prompt}`])],
  promptOnStdin: isLongPrompt,
  env: {},
  // Aliases 0.61.0 resolves to the current models of each size.
  models: [
    { id: 'flash-lite', tier: 'basic', contextTokens: 1_000_000 },
    { id: 'flash', tier: 'standard', contextTokens: 1_000_000 },
    { id: 'pro', tier: 'premium', contextTokens: 1_000_000 },
  ],
  parser: async () => new (await import('./geminiHeadless.js')).GeminiHeadlessParser(),
};

/** Gemini prints its classified errors after a "Full report available at: <path>" preamble. */
const GEMINI_HEAD = '(?:(?:Error when talking to Gemini API|Error generating content via API)\\b.*?\\s)?';

/**
 * How long "Thinking..." may count up with nothing else on screen changing before it is an early
 * warning. Recorded with 0.61.0: under a 429 the CLI shows exactly that and nothing else; a
 * healthy turn changes the screen well before — a thinking model's thought summaries replace
 * "Thinking..." as they stream, and the answer or a tool call follows. 20 s is past the first
 * two 429 backoffs (5 s and ~10 s with jitter, so a brief per-minute limit that lifts on the
 * first retry costs nothing) and leaves ~10 s of the 30 s handoff goal for the rest: the check
 * runs every second, and the snapshot and the next agent's start take a second or two.
 */
export const GEMINI_STALL_MS = 20_000;

/** Gemini CLI's own limit messages, in matching order. */
const LIMIT_RULES: readonly LimitRule[] = [
  {
    // The busy line with no thought, no tool phrase and no answer yet: `⠧ Thinking... (esc to
    // cancel, 1m 11s)` (a witty phrase may follow "Thinking..." when the user enabled them).
    id: 'gemini.thinking_stalled',
    severity: 'warning',
    guard: 'exact',
    sharedWithCli: false,
    line: /(?:^|\s)Thinking\.\.\.(?:\s.*?)?\s\(esc to cancel, (?<elapsed>(?:\d+h )?(?:\d+m )?\d+s)\)/,
    stallAfterMs: GEMINI_STALL_MS,
  },
  {
    // Daily quota, not retried: `… TerminalQuotaError: You have exhausted your daily quota …`.
    id: 'gemini.quota_terminal',
    severity: 'limit',
    guard: 'exact',
    line: re(`^${GEMINI_HEAD}(?<msg>TerminalQuotaError:)`),
    resetLookahead: 3,
  },
  {
    // Per-minute quota after the last retry; `Please retry in 2.0s.` follows on a later line.
    id: 'gemini.retryable_quota',
    severity: 'limit',
    guard: 'exact',
    line: re(`^${GEMINI_HEAD}(?<msg>RetryableQuotaError:)`),
    resetLookahead: 3,
  },
  {
    id: 'gemini.attempt_failed',
    severity: 'warning',
    guard: 'exact',
    line: /^Attempt \d+ failed: (?=.*(?:[Qq]uota|[Rr]ate[ _-]?limit|\b429\b|RESOURCE_EXHAUSTED|Too Many Requests))/,
    resetLookahead: 3,
  },
  {
    // Interactive box: `Usage limit reached for gemini-2.5-flash.` / `Access resets at 11:28 AM UTC.`
    id: 'gemini.usage_box',
    severity: 'limit',
    guard: 'exact',
    line: /^Usage limit reached for \S+/,
    resetLookahead: 2,
  },
  {
    // Interactive, after the quota dialog's "Stop" (0.61.0): `✕ [API Error: You have exhausted
    // your daily quota on this model.]`, then a hint on the next row.
    id: 'gemini.api_error_quota',
    severity: 'limit',
    guard: 'exact',
    line: /^(?:✕\s*)?\[API Error: (?=.*(?:[Qq]uota|\b429\b|RESOURCE_EXHAUSTED|[Rr]ate limit))/,
  },
  {
    id: 'gemini.stream_result_quota',
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"result"(?=.*"status":"error")(?=.*(?:[Qq]uota|\b429\b|RESOURCE_EXHAUSTED|[Rr]ate limit))/,
  },
];

/** Gemini CLI. */
/**
 * Where the task is in a gemini command line: `-p`/`-i` give it, else the positional words
 * (`gemini fix the login bug`, joined as yargs does); `mcp`, `extensions` take none. Checked
 * against `gemini --help` of 0.61.0.
 */
const PROMPT_GRAMMAR: PromptGrammar = {
  positional: 'all',
  promptFlags: ['-p', '--prompt', '-i', '--prompt-interactive'],
  valueFlags: [
    '-m', '--model', '-w', '--worktree', '--approval-mode', '--policy', '--admin-policy', '-e', '--extensions', '-r', '--resume',
    '--session-file', '--session-id', '--include-directories', '-o', '--output-format', '--allowed-mcp-server-names',
    '--allowed-tools', '--delete-session',
  ],
  subcommands: Object.fromEntries(['mcp', 'extensions', 'extension', 'skills', 'skill', 'hooks', 'hook', 'gemma'].map((s) => [s, null])),
};

export const geminiDescriptor = {
  kind: 'gemini',
  title: 'Gemini CLI',
  binaries: ['gemini'],
  packages: ['@google/gemini-cli'],
  launch,
  promptGrammar: PROMPT_GRAMMAR,
  readTranscript: async (q) => (await import('./geminiTranscript.js')).readGeminiTranscript(q),
  limitRules: LIMIT_RULES,
  hook: { arg: 'gemini', parserModule: 'parseGemini', countsAttempts: true, turnEnd: 'AfterAgent' },
  // `$GEMINI_CLI_HOME` (a home directory) or `~`, then `.gemini/settings.json` (JSON with
  // comments: Gemini strips them before JSON.parse).
  configLocation: (env, home) => {
    const custom = envDir(env, 'GEMINI_CLI_HOME', home);
    const dir = join(custom ?? home, '.gemini');
    return { dir, file: join(dir, 'settings.json'), source: custom ? 'GEMINI_CLI_HOME' : 'default' };
  },
  installRole: 'gemini-settings',
  headless: HEADLESS,
} as const satisfies AgentDescriptor;
