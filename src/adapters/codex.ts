/**
 * Codex CLI (`@openai/codex`, checked against 0.169.0, a native binary): how to find and start it
 * with a handoff prompt, the limit messages it prints, its hooks and its rollout files.
 *
 * Retries are not capped here. `stream_max_retries` is a per-provider setting; the samples show
 * `-c model_providers.<id>.stream_max_retries=1` working for a provider defined in config.toml,
 * but the default `openai` provider is built in and Codex merges user providers with
 * `or_insert`, so an override of it is ignored (or, lacking the provider's required `name`,
 * rejected). Relay cannot know the user's provider id without reading their config, so it adds
 * nothing and acts on the early `Reconnecting... n/5` lines instead.
 *
 * Deliberately not a limit rule: `unexpected status 503` (overload, not a limit).
 */

import { join } from 'node:path';
import { APOS, re, type LimitRule } from '../limits/limitRules.js';
import { CLI_DEFAULT_MODEL, type AgentDescriptor, type HeadlessMode, type LaunchOptions, type LaunchSpec } from './agentDescriptor.js';
import type { PromptGrammar } from './commandPrompt.js';
import { envDir } from './configDir.js';
import { isLongPrompt, modelArgs } from './headlessArgs.js';
import { launchFrom } from './launchSpec.js';

/**
 * The hook events `relay install` registers in hooks.json. No event fires on a failed turn, but
 * `SessionEnd` and `Stop` give the rollout file whose last `task_complete` names the error, and
 * `SessionStart`/`UserPromptSubmit` name that file while the session runs, so the daemon can
 * watch it grow (a limit in an interactive session otherwise shows only when the user quits).
 */
export const CODEX_HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'Stop', 'SessionEnd'] as const;

/**
 * Hook timeouts Codex caps, in seconds. 0.169.0 clamps a larger `SessionEnd` timeout to 3 s and
 * says so on every run ("warning: clamping SessionEnd hook timeout to 3s in …/hooks.json"); the
 * other events accepted 100000 without a word.
 */
export const CODEX_HOOK_TIMEOUT_CAPS: Readonly<Record<string, number>> = { SessionEnd: 3 };

/**
 * Passed when Relay starts codex itself (a handoff, nobody at the keyboard): Codex otherwise
 * stops at "Hooks need review" until a key is pressed whenever a hook is new or changed, which
 * Relay's own are right after `relay install`. The flag (0.169.0: "Run enabled hooks without
 * requiring persisted hook trust for this invocation") lets Relay's hooks run for that session;
 * it also runs any other enabled hook the user has not reviewed yet, for that run only. A
 * `relay wrap -- codex …` is the user's own command and is left as typed: they see the screen.
 */
export const CODEX_BYPASS_HOOK_TRUST = '--dangerously-bypass-hook-trust';

function launch(opts: LaunchOptions): LaunchSpec {
  // `codex "<prompt>"` opens the TUI with that first message (`codex exec` would be headless).
  const spec = launchFrom({ binary: 'codex', promptArgs: (prompt) => [prompt], env: {} }, opts);
  if (opts.userArgs === undefined) spec.args = [CODEX_BYPASS_HOOK_TRUST, ...spec.args];
  return spec;
}

/**
 * `codex exec --json` as a provider (`codex exec --help`, 0.169.0). `--skip-git-repo-check`:
 * a question may be asked from any directory; `--sandbox read-only`: a command the model runs
 * cannot write to the user's checkout (exec never asks for approval, so this is the guard).
 * The prompt follows `--`; a long one goes on stdin with `-` ("instructions are read from
 * stdin"), since a prompt in argv plus piped stdin is wrapped as a `<stdin>` block instead.
 * Codex blocks on an open stdin until EOF: the caller always closes it.
 */
const HEADLESS: HeadlessMode = {
  args: (prompt, model) => [
    'exec',
    '--json',
    '--skip-git-repo-check',
    '--sandbox',
    'read-only',
    '--color',
    'never',
    ...modelArgs('--model', model),
    ...(isLongPrompt(prompt) ? ['-'] : ['--', prompt]),
  ],
  promptOnStdin: isLongPrompt,
  env: {},
  // Its configured model, and the cheaper one its own rate-limit screen offers (0.169.0:
  // "Switch to gpt-6-luna … Fast and affordable model for easier tasks").
  models: [
    { id: 'gpt-6-luna', tier: 'basic' },
    { id: CLI_DEFAULT_MODEL, tier: 'standard' },
  ],
  parser: async () => new (await import('./codexHeadless.js')).CodexHeadlessParser(),
};

/**
 * Codex prefixes its errors with `ERROR: ` in `codex exec`, and `--json` wraps the same text in
 * `{"type":"error","message":"…"}` or `{"type":"turn.failed","error":{"message":"…"}}`.
 */
const CODEX_HEAD = '(?:\\{"type":"(?:error|turn\\.failed)",(?:"error":\\{)?"message":"|ERROR:\\s*)?';

/** Codex's own limit messages, in matching order. */
const LIMIT_RULES: readonly LimitRule[] = [
  {
    // `ERROR: You’ve hit your usage limit. … try again at 10:58 AM.`; TUI: `■ You’ve hit …`.
    id: 'codex.usage_limit',
    severity: 'limit',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>You${APOS}ve hit your usage limit\\b)`),
  },
  {
    id: 'codex.quota',
    severity: 'limit',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>Quota exceeded\\. Check your plan and billing details\\b)`),
  },
  {
    // `ERROR: exceeded retry limit, last status: 429 Too Many Requests, request id: …`.
    id: 'codex.retry_exhausted_429',
    severity: 'limit',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>exceeded retry limit, last status: 429\\b)`),
  },
  {
    // `ERROR: Reconnecting... 1/5`. The plain form does not name the status (Codex prints it
    // for network drops too); the --json form does, and there only a 429 counts.
    id: 'codex.reconnecting',
    severity: 'warning',
    guard: 'exact',
    line: re(`^${CODEX_HEAD}(?<msg>Reconnecting\\.\\.\\. \\d+\\/\\d+)(?=\\s*(?:$|"|\\(.*\\b429\\b))`),
  },
  {
    // TUI status while retrying: `Server is busy, reconnecting 2/5`.
    id: 'codex.server_busy',
    severity: 'warning',
    guard: 'exact',
    line: /^Server is busy, reconnecting \d+\/\d+/i,
  },
];

/** Codex CLI. */
/** The options `codex` and `codex exec` share that take a value (`codex --help`, 0.169.0). */
const CODEX_VALUE_FLAGS = [
  '-c', '--config', '--enable', '--disable', '--remote', '--remote-auth-token-env', '-i', '--image', '-m', '--model',
  '--local-provider', '-p', '--profile', '-s', '--sandbox', '-a', '--ask-for-approval', '-C', '--cd', '--add-dir',
];

/**
 * Where the task is in a codex command line: the positional prompt of `codex "…"` or `codex
 * exec "…"`; `resume`, `login`, `mcp` and the other subcommands take none (`codex --help`, 0.169.0).
 */
const PROMPT_GRAMMAR: PromptGrammar = {
  positional: 'first',
  valueFlags: CODEX_VALUE_FLAGS,
  subcommands: {
    ...Object.fromEntries(
      [
        'agents', 'resume', 'fork', 'review', 'login', 'logout', 'mcp', 'mcp-server', 'plugin', 'app-server', 'remote-control',
        'completion', 'update', 'doctor', 'sandbox', 'debug', 'apply', 'a', 'queue', 'archive', 'delete', 'unarchive',
        'migrate-rollouts', 'migrate-nfs-db', 'cloud', 'exec-server', 'features', 'help',
      ].map((s) => [s, null]),
    ),
    ...Object.fromEntries(
      ['exec', 'e'].map((s) => [
        s,
        {
          positional: 'first',
          valueFlags: [...CODEX_VALUE_FLAGS, '--thread-source', '--cyber-access-program', '--output-schema', '--color', '-o', '--output-last-message'],
          subcommands: { resume: null, fork: null, review: null, help: null },
        } satisfies PromptGrammar,
      ]),
    ),
  },
};

export const codexDescriptor = {
  kind: 'codex',
  title: 'Codex',
  binaries: ['codex'],
  packages: ['@openai/codex'],
  launch,
  promptGrammar: PROMPT_GRAMMAR,
  readTranscript: async (q) => (await import('./codexTranscript.js')).readCodexTranscript(q),
  limitRules: LIMIT_RULES,
  hook: { arg: 'codex', parserModule: 'parseCodex', payloadInLastArg: true, turnEnd: 'Stop' },
  // `$CODEX_HOME` or `~/.codex`, file `hooks.json` (plain JSON; `config.toml` beside it).
  configLocation: (env, home) => {
    const custom = envDir(env, 'CODEX_HOME', home);
    const dir = custom ?? join(home, '.codex');
    return { dir, file: join(dir, 'hooks.json'), source: custom ? 'CODEX_HOME' : 'default' };
  },
  installRole: 'codex-hooks',
  // What is and is not covered: Codex fires no hook on a failed turn, so outside Relay the limit
  // comes from its rollout, which the daemon reads while the session runs once a hook named it.
  headless: HEADLESS,
  hookNote:
    'Codex runs hooks only once you trust them (its TUI asks). Limits are seen: under relay wrap or a handoff, on the screen; in a codex you started yourself, from its rollout while it runs (watched from SessionStart or the next prompt, with the daemon up). Not seen: a codex outside Relay whose hooks are not trusted, until you start it under relay wrap',
} as const satisfies AgentDescriptor;
