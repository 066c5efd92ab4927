/**
 * OpenCode (`opencode-ai`, checked against 1.18.33): how to find and start it with a handoff
 * prompt, the limit messages it prints, its plugin and how to read a session (through
 * `opencode export`, opencodeTranscript.ts).
 *
 * Retries are not capped: OpenCode retries a 429 five times honouring retry-after and has no
 * environment switch for it; the `session.status` retry event is the early warning.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LimitRule } from '../limits/limitRules.js';
import { CLI_DEFAULT_MODEL, type AgentDescriptor, type HeadlessMode, type LaunchOptions, type LaunchSpec } from './agentDescriptor.js';
import type { PromptGrammar } from './commandPrompt.js';
import { envDir } from './configDir.js';
import { modelArgs } from './headlessArgs.js';
import { launchFrom } from './launchSpec.js';

function launch(opts: LaunchOptions): LaunchSpec {
  // --prompt opens the TUI with that first message. A positional goes through `run`, which is
  // headless and wraps text containing spaces in literal quotes.
  return launchFrom({ binary: 'opencode', promptArgs: (prompt) => ['--prompt', prompt], env: {} }, opts);
}

/**
 * `opencode run --format json` as a provider (`opencode run --help`, 1.18.33). The prompt
 * always goes on stdin: `run` wraps a positional containing spaces in literal quotes, and
 * `-f` truncates files at 50 KB (CLI-FACTS.md); piped stdin is the message as written.
 * OpenCode blocks on an open stdin until EOF: the caller closes it after the prompt.
 * Its models are whatever the user configured (`provider/model`); Relay offers its default.
 */
const HEADLESS: HeadlessMode = {
  args: (_prompt, model) => ['run', '--format', 'json', ...modelArgs('-m', model)],
  promptOnStdin: () => true,
  env: {},
  models: [{ id: CLI_DEFAULT_MODEL, tier: 'standard' }],
  parser: async () => new (await import('./opencodeHeadless.js')).OpencodeHeadlessParser(),
};

/** The retry footer's bracket: `[retrying attempt #3]`, or `[retrying in 1s attempt #2]`. */
const RETRYING_FOOTER = /\[retrying(?: in \d+\s*(?:ms|s|m)\b)?\s+(?:[^\]]*\s)?attempt #\d+\]/;

/** OpenCode's own limit messages, in matching order. */
const LIMIT_RULES: readonly LimitRule[] = [
  {
    // The provider's message passed through by `opencode run` at column 0: `Error: Rate limit
    // reached for gpt-… on requests per min…`. The text is the provider's, so it is held to the
    // generic markers' standard (an unframed error line) with a wider marker.
    id: 'opencode.rate_limit',
    severity: 'limit',
    guard: 'errorLine',
    // Its marker is wider than the generic ones; an unknown CLI's `Error:` lines get those.
    sharedWithCli: false,
    line: /^Error: /,
    marker: /[Rr]ate[ _-]?limit|[Qq]uota|\b429\b|[Tt]oo [Mm]any [Rr]equests|RESOURCE_EXHAUSTED/,
  },
  {
    // The TUI shows the same provider message without the `Error:` prefix, beside the ┃ bar.
    id: 'opencode.rate_limit_tui',
    severity: 'limit',
    guard: 'exact',
    line: /^(?:Rate limit reached for \S+ in organization\b|This request would exceed the rate limit for your organization\b|You exceeded your current quota\b)/,
  },
  {
    // TUI footer, appended to the status text, so matched anywhere but only in its bracketed
    // shape and subject to the content checks. 1.18.33 draws `… (click to expand) [retrying
    // attempt #3]` with no delay, wrapped after `[retrying` at 160 columns (recorded screen:
    // test/fixtures/limit-corpus/positive/opencode/1.18.33/opencode-screen-retrying-wrapped); the form
    // with a delay, `[retrying in 1s attempt #2]`, is kept for the builds that print it.
    id: 'opencode.retrying',
    severity: 'warning',
    guard: 'content',
    line: RETRYING_FOOTER,
    marker: RETRYING_FOOTER,
    wrapsAfter: /\[retrying(?: in \d+\s*(?:ms|s|m))?\s*$/,
  },
  {
    // `--format json`: `{"type":"error",…,"error":{"name":"APIError","data":{…"statusCode":429`.
    id: 'opencode.json_429',
    severity: 'limit',
    guard: 'exact',
    line: /^\{"type":"error"(?=.*"statusCode":429\b)/,
  },
];

/** OpenCode. */
/**
 * Where the task is in an opencode command line: `--prompt "…"` for the TUI (its positional is a
 * project directory), the message words of `opencode run …`; other subcommands take none.
 * Checked against `opencode --help` of 1.18.33.
 */
const PROMPT_GRAMMAR: PromptGrammar = {
  positional: 'none',
  promptFlags: ['--prompt'],
  valueFlags: ['-m', '--model', '--agent', '-s', '--session', '--port', '--hostname', '--log-level', '--mdns-domain', '--cors', '--replay-limit'],
  subcommands: {
    ...Object.fromEntries(
      [
        'completion', 'acp', 'mcp', 'attach', 'debug', 'providers', 'auth', 'agent', 'upgrade', 'uninstall', 'serve', 'web',
        'models', 'stats', 'export', 'import', 'github', 'pr', 'session', 'plugin', 'plug', 'db',
      ].map((s) => [s, null]),
    ),
    run: {
      positional: 'all',
      valueFlags: [
        '--log-level', '--command', '-s', '--session', '-m', '--model', '--agent', '--format', '-f', '--file', '--title',
        '--attach', '-p', '--password', '-u', '--username', '--dir', '--port', '--variant',
      ],
    },
  },
};

export const opencodeDescriptor = {
  kind: 'opencode',
  title: 'OpenCode',
  binaries: ['opencode'],
  packages: ['opencode-ai'],
  launch,
  promptGrammar: PROMPT_GRAMMAR,
  readTranscript: async (q) => (await import('./opencodeTranscript.js')).readOpencodeTranscript(q),
  limitRules: LIMIT_RULES,
  // The plugin forwards OpenCode's bus events, not hook payloads: a different argument says so.
  hook: { arg: 'opencode-event', parserModule: 'parseOpencode', turnEnd: 'session.idle' },
  // `$OPENCODE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/opencode` or `~/.config/opencode`; it loads
  // every `{plugin,plugins}/*.{ts,js}` there, so Relay's plugin is `plugins/relay.js` (or
  // `plugin/relay.js` when only that directory exists).
  configLocation: (env, home) => {
    const custom = envDir(env, 'OPENCODE_CONFIG_DIR', home);
    const xdg = envDir(env, 'XDG_CONFIG_HOME', home);
    const dir = custom ?? join(xdg ?? join(home, '.config'), 'opencode');
    const pluginsDir = !existsSync(join(dir, 'plugins')) && existsSync(join(dir, 'plugin')) ? 'plugin' : 'plugins';
    return {
      dir,
      file: join(dir, pluginsDir, 'relay.js'),
      source: custom ? 'OPENCODE_CONFIG_DIR' : xdg ? 'XDG_CONFIG_HOME' : 'default',
    };
  },
  installRole: 'opencode-plugin',
  headless: HEADLESS,
} as const satisfies AgentDescriptor;
