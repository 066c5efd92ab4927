/**
 * What the workspace's first-run screen writes to config.yaml: a provider entry (an API key
 * read from an environment variable — never the key itself — or a local Ollama), or turning
 * the agent CLIs on. The edit goes through the yaml Document, so the rest of an existing file
 * keeps its comments and order; the result is validated before it is written.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { writeFileAtomicSync } from '../platform/atomicWrite.js';
import { ensurePrivateDir, type RelayPaths } from '../platform/paths.js';
import { parseConfig } from './relayConfig.js';

export type SetupChoice =
  | { kind: 'key'; provider: 'openai' | 'anthropic' | 'google' | 'deepseek'; envVar: string }
  | { kind: 'ollama'; baseUrl: string }
  | { kind: 'cli' };

/** The vendors' own variable for each keyed provider (what their CLIs and SDKs read). */
export const SETUP_KEY_VARS = {
  openai: 'OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GEMINI_API_KEY',
  deepseek: 'DEEPSEEK_API_KEY',
} as const;

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434';

/** config.yaml's text with the choice in it (validated: a broken result throws E_CONFIG). */
export function applySetupChoice(text: string, choice: SetupChoice, file: string): string {
  const doc = parseDocument(text);
  if (choice.kind === 'key') doc.setIn(['providers', choice.provider], doc.createNode({ type: choice.provider, apiKey: `env:${choice.envVar}` }));
  else if (choice.kind === 'ollama') doc.setIn(['providers', 'ollama'], doc.createNode({ type: 'ollama', baseUrl: choice.baseUrl }));
  else doc.setIn(['routing', 'useAgentClis'], true);
  const out = String(doc);
  parseConfig(out, file);
  return out;
}

/** Write the choice to $RELAY_HOME/config.yaml (made private on the way). */
export function writeSetupChoice(paths: Pick<RelayPaths, 'config' | 'home'>, choice: SetupChoice): void {
  let text = '';
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  // Validates what is there first: a broken config is reported, never overwritten.
  if (text !== '') parseConfig(text, paths.config);
  const after = applySetupChoice(text, choice, paths.config);
  ensurePrivateDir(paths.home);
  writeFileAtomicSync(paths.config, after);
}
