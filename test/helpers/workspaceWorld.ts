/**
 * End-to-end helpers for the workspace engine (`relay "task"`, providers, budget): a client
 * environment with no vendor key or agent CLI except the ones a test asks for, the fake agent
 * CLIs chosen one by one (symlinked into a private bin dir), API providers pointed at the fake
 * provider server, and config.yaml written for the test.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TempHome } from './tempHome.js';
import { FAKE_AGENTS, fakeLogFile } from './relayWorld.js';

/** Every variable detection reads: a developer's real keys must never reach a test's daemon. */
const VENDOR_VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_GEMINI_BASE_URL',
  'DEEPSEEK_API_KEY',
  'OLLAMA_HOST',
];

/** A port nothing listens on (discard): the local-model probe is refused at once. */
export const CLOSED_OLLAMA = 'http://127.0.0.1:9';

export interface ClientEnvOptions {
  /** Fake agent CLIs to put on PATH (`claude`, `codex`, …); none by default. */
  clis?: readonly string[];
  /** Extra variables (keys, base URLs, FAKE_AGENT_SCRIPT_*). */
  extra?: Record<string, string>;
}

/** The environment of a user's shell that has exactly what the test gives it. */
export function clientEnv(h: TempHome, opts: ClientEnvOptions = {}): NodeJS.ProcessEnv {
  const bin = join(h.root, 'bin');
  mkdirSync(bin, { recursive: true });
  // node itself, for the fake CLIs' `#!/usr/bin/env node`: PATH holds nothing else, so an agent
  // CLI installed on this machine (a global claude in /usr/bin) is never found by mistake.
  const links: Array<[string, string]> = [[process.execPath, 'node'], ...(opts.clis ?? []).map((cli): [string, string] => [join(FAKE_AGENTS, cli), cli])];
  for (const [target, name] of links) {
    try {
      symlinkSync(target, join(bin, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const env: NodeJS.ProcessEnv = { ...h.env };
  for (const k of VENDOR_VARIABLES) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('FAKE_AGENT')) delete env[k];
  return {
    ...env,
    PATH: bin,
    OLLAMA_HOST: CLOSED_OLLAMA,
    FAKE_AGENT_LOG: fakeLogFile(h),
    FAKE_AGENT_DELAY_MS: '5',
    ...opts.extra,
  };
}

/** Write `$RELAY_HOME/config.yaml` (0600). */
export function writeConfig(h: TempHome, yaml: string): void {
  mkdirSync(h.home, { recursive: true, mode: 0o700 });
  writeFileSync(h.paths.config, yaml, { mode: 0o600 });
}

/** Two OpenAI-compatible providers on the fake server, `alpha` cheaper than `beta`, no agent CLI. */
export function twoProvidersConfig(url: string): string {
  return [
    'routing:',
    '  useAgentClis: false',
    'providers:',
    '  alpha:',
    '    type: openai-compatible',
    `    baseUrl: ${url}/v1`,
    '    apiKey: env:ALPHA_KEY',
    '    models:',
    '      - { id: alpha-small, tier: standard, contextTokens: 128000, inputPrice: 0.1, outputPrice: 0.4 }',
    '  beta:',
    '    type: openai-compatible',
    `    baseUrl: ${url}/v1`,
    '    apiKey: env:BETA_KEY',
    '    models:',
    '      - { id: beta-small, tier: standard, contextTokens: 128000, inputPrice: 1, outputPrice: 4 }',
    '',
  ].join('\n');
}

export const ALPHA_KEY = 'sk-alpha-test-0123456789abcdef';
export const BETA_KEY = 'sk-beta-test-0123456789abcdef';
