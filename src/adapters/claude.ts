/**
 * Claude Code (`@anthropic-ai/claude-code`, checked against 2.1.197): how to find and start it,
 * resume it with a handoff prompt, the limit messages it prints, its hooks and where its
 * transcripts live. Re-check with `claude --version` when it moves.
 *
 * Deliberately not limit rules: `API Error: 529 Overloaded…` (overload, not a limit), and
 * `You've used 90% of your weekly limit` (a notice before the limit, not a limit and not a
 * retry). `API Error: Server is temporarily limiting requests (not your usage limit)` is a 429
 * without usage headers that clears in seconds: a `warning`, never a reason to mark the agent
 * limited until a reset.
 */
import { join } from 'node:path';
import { HOOK_TIMEOUT_SECONDS, relayHookCommand } from '../hooks/hookCommand.js';
import { APOS, re, type LimitRule } from '../limits/limitRules.js';
import { CLI_ENTRY } from '../platform/packageInfo.js';
import type { AgentDescriptor, HeadlessMode, LaunchOptions, LaunchSpec } from './agentDescriptor.js';
import type { PromptGrammar } from './commandPrompt.js';
import { envDir } from './configDir.js';
import { isLongPrompt, modelArgs } from './headlessArgs.js';
import { launchFrom } from './launchSpec.js';

/**
 * Claude retries a plain 429 ten times by default (about 3 minutes in the samples) before it
 * prints `API Error: … (429)`; a subscription limit is never retried. Two retries (about 4 s in
 * the sample `claude-429-r2`) still ride out a one-off blip, then the failure shows and the
 * handoff starts instead of waiting minutes. The binary clamps the value to 15.
 */
export const CLAUDE_MAX_RETRIES = 2;

/**
 * The hook events `relay install` registers in settings.json. `StopFailure` fires instead of
 * `Stop` when an API error ended the turn (its `error` is rate_limit, overloaded, billing_error,
 * …; no matcher is set, so `relay hook` sees every failure and decides).
 */
export const CLAUDE_HOOK_EVENTS = ['StopFailure', 'SessionStart', 'SessionEnd', 'Stop'] as const;

/**
 * The events a claude Relay starts gets with `--settings`: those that carry a limit or an end,
 * and `Stop`, the end of a turn (where a handoff planned on a low quota happens).
 */
const LAUNCH_HOOK_EVENTS = ['StopFailure', 'SessionEnd', 'Stop'] as const;

/** `--settings` JSON registering `relay hook claude` (this Relay, this RELAY_HOME) for the events that matter. */
export function relayHookSettings(env: NodeJS.ProcessEnv = process.env): string {
  const command = relayHookCommand({ node: process.execPath, cliEntry: CLI_ENTRY, relayHome: env.RELAY_HOME }, claudeDescriptor.kind);
  const handler = [{ hooks: [{ type: 'command', command, timeout: HOOK_TIMEOUT_SECONDS }] }];
  return JSON.stringify({ hooks: Object.fromEntries(LAUNCH_HOOK_EVENTS.map((e) => [e, handler])) });
}

function launch(opts: LaunchOptions): LaunchSpec {
  return launchFrom(
    {
      binary: 'claude',
      // A positional prompt starts an interactive session with that first message. Relay's
      // hooks ride along with --settings, so a claude Relay starts reports its limits through
      // StopFailure without any edit to the user's settings files.
      promptArgs: (prompt) => ['--settings', relayHookSettings(), prompt],
      sessionArgs: (id) => ['--session-id', id],
      env: { CLAUDE_CODE_MAX_RETRIES: String(CLAUDE_MAX_RETRIES) },
    },
    opts,
  );
}

/**
 * Retries of a headless run: one rides out a blip (about 2 s); a second 429 fails the call so
 * the router moves on to the next provider instead of Claude waiting minutes (default 10).
 */
export const CLAUDE_HEADLESS_MAX_RETRIES = 1;

/**
 * `claude -p` as a provider (flags checked against `claude --help` of 2.1.197, output recorded
 * against a local stand-in: test/fixtures/headless/claude-ok-*). `--include-partial-messages`
 * streams the text as the API sends it instead of one whole message at the end. The prompt
 * follows `--` so one starting with `-` is not read as an option; a long one goes on stdin,
 * which `claude -p` reads as the prompt when argv has none. Tools that need approval are
 * refused in print mode, so a question cannot edit the user's checkout.
 */
const HEADLESS: HeadlessMode = {
  args: (prompt, model) => [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--include-partial-messages',
    ...modelArgs('--model', model),
    ...(isLongPrompt(prompt) ? [] : ['--', prompt]),
  ],
  promptOnStdin: isLongPrompt,
  env: { CLAUDE_CODE_MAX_RETRIES: String(CLAUDE_HEADLESS_MAX_RETRIES) },
  // The aliases `--model` takes (2.1.197 also knows `fable`, whose tier is not known here).
  models: [
    { id: 'haiku', tier: 'basic', contextTokens: 200_000 },
    { id: 'sonnet', tier: 'standard', contextTokens: 200_000 },
    { id: 'opus', tier: 'premium', contextTokens: 200_000 },
  ],
  parser: async () => new (await import('./claudeHeadless.js')).ClaudeHeadlessParser(),
};

/** Claude's separator between a message and its reset clause. */
const SEP = '[\u00b7\u2022|]';

/** Claude Code's own limit messages, in matching order. */
const LIMIT_RULES: readonly LimitRule[] = [
  {
    // `You've hit your session limit · resets 10:57am (UTC)`; labels vary (weekly, Opus, org's
    // monthly usage…). The sentence must end or continue with the `·` reset clause, so prose
    // such as "You've hit your limit on retries, so…" does not fire.
    id: 'claude.usage_limit',
    severity: 'limit',
    guard: 'exact',
    line: re(
      `^(?:You${APOS}ve (?:hit|reached) your (?:[\\w'\u2019.-]+ ){0,4}limit(?=\\s*${SEP}|\\s*$)|You${APOS}ve used (?:up |all )?your (?:[\\w'\u2019.-]+ ){0,4}limit\\b|You${APOS}re out of (?:extra )?usage credits\\b)`,
    ),
  },
  {
    id: 'claude.server_limiting',
    severity: 'warning',
    guard: 'exact',
    line: /^API Error: Server is temporarily limiting requests\b/,
  },
  {
    // API key 429 after the built-in retries: `API Error: Request rejected (429) · <body>`.
    id: 'claude.api_429',
    severity: 'limit',
    guard: 'exact',
    line: /^API Error: (?:Request rejected \(429\)|429\b|Rate limit(?:ed)?\b)/,
  },
  {
    // The spinner line while retrying: `API error · Retrying in 2s · attempt 2/10`. Also shown
    // for overload retries, hence only a warning.
    id: 'claude.api_retry',
    severity: 'warning',
    guard: 'exact',
    line: re(`^API error\\s*${SEP}\\s*Retrying in \\d+\\s*s\\b.*\\battempt \\d+\\/\\d+`, 'i'),
  },
  {
    // stream-json: a rejection that names its window (`rateLimitType`, `resetsAt`) is the plan limit.
    id: 'claude.stream_rate_limit_event',
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"rate_limit_event","rate_limit_info":\{"status":"rejected"(?=.*"(?:rateLimitType|resetsAt)")/,
  },
  {
    // stream-json: a rejection with no window is the transient "temporarily limiting" 429.
    id: 'claude.stream_rate_limit_rejected',
    severity: 'warning',
    guard: 'exact',
    line: /^\{"type":"rate_limit_event","rate_limit_info":\{"status":"rejected"/,
  },
  {
    id: 'claude.stream_api_retry',
    severity: 'warning',
    guard: 'exact',
    line: /^\{"type":"system","subtype":"api_retry"(?=.*"error_status":429\b)/,
  },
  {
    id: 'claude.json_server_limiting',
    severity: 'warning',
    guard: 'exact',
    line: /^\{"type":"result"(?=.*"api_error_status":429\b)(?=.*"result":"API Error: Server is temporarily limiting requests)/,
  },
  {
    // json / stream-json result of a failed turn (`subtype` still says success).
    id: 'claude.json_result_429',
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"result"(?=.*"is_error":true)(?=.*"api_error_status":429\b)/,
  },
];

/** Claude Code. */
/**
 * Where the task is in a claude command line: the first positional (`claude "fix the login
 * bug"`, `claude -p "…"`); subcommands (mcp, config, doctor, …) take none. Checked against
 * `claude --help` of 2.1.197.
 */
const PROMPT_GRAMMAR: PromptGrammar = {
  positional: 'first',
  // Commander options with an optional value (`-r [value]`, `-d [filter]`, `-w [name]`) take the
  // next word as it: listed here too, as commander reads them.
  valueFlags: [
    '--model', '--fallback-model', '--effort', '--settings', '--setting-sources', '--session-id', '-r', '--resume', '-n', '--name',
    '--output-format', '--input-format', '--json-schema', '--permission-mode', '--permission-prompt-tool', '--tools',
    '--allowedTools', '--allowed-tools', '--disallowedTools', '--disallowed-tools', '--mcp-config', '--system-prompt',
    '--append-system-prompt', '--add-dir', '--agents', '--agent', '--plugin-dir', '--plugin-url', '--file', '--max-turns',
    '--max-budget-usd', '--betas', '-d', '--debug', '--debug-file', '--from-pr', '--prompt-suggestions', '--remote-control',
    '--remote-control-session-name-prefix', '-w', '--worktree',
  ],
  subcommands: Object.fromEntries(
    ['agents', 'auth', 'auto-mode', 'doctor', 'gateway', 'install', 'mcp', 'plugin', 'plugins', 'project', 'setup-token', 'ultrareview', 'update', 'upgrade', 'config', 'migrate-installer'].map((s) => [s, null]),
  ),
};

export const claudeDescriptor = {
  kind: 'claude',
  title: 'Claude Code',
  binaries: ['claude'],
  packages: ['@anthropic-ai/claude-code'],
  launch,
  promptGrammar: PROMPT_GRAMMAR,
  readTranscript: async (q) => (await import('./claudeTranscript.js')).readClaudeTranscript(q),
  limitRules: LIMIT_RULES,
  hook: { arg: 'claude', parserModule: 'parseClaude', turnEnd: 'Stop' },
  // `$CLAUDE_CONFIG_DIR` or `~/.claude`, file `settings.json` (plain JSON).
  configLocation: (env, home) => {
    const custom = envDir(env, 'CLAUDE_CONFIG_DIR', home);
    const dir = custom ?? join(home, '.claude');
    return { dir, file: join(dir, 'settings.json'), source: custom ? 'CLAUDE_CONFIG_DIR' : 'default' };
  },
  installRole: 'claude-settings',
  headless: HEADLESS,
} as const satisfies AgentDescriptor;
