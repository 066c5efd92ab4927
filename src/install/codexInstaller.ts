/**
 * Codex: hooks in `~/.codex/hooks.json` (or `$CODEX_HOME/hooks.json`), Claude's shape.
 *
 * Checked against @openai/codex 0.169.0 (and codex-rs `hook_config.rs`): the file is
 * `{"hooks": {"<Event>": [{"matcher"?, "hooks": [{"type": "command", "command", "timeout"?}]}]}}`
 * read with serde_json (plain JSON), `timeout` in seconds. No event fires on a failed turn, but
 * `SessionEnd` and `Stop` give the rollout file whose last `task_complete` names the error
 * (src/hooks/parseCodex.ts), and `SessionStart`/`UserPromptSubmit` name the rollout early so the
 * daemon can watch it while the session runs (actors/hooks/rolloutWatcher.ts).
 *
 * Timeouts: Codex caps `SessionEnd` at 3 s and warns about a larger value on every run
 * ("warning: clamping SessionEnd hook timeout to 3s in …/hooks.json", "⚠ n warnings" in its
 * TUI); the other events took 100000 without a word. So SessionEnd asks for exactly what it gets.
 *
 * Trust: Codex runs a new or changed hook only after the user trusts it (its TUI shows "Hooks
 * need review"), and keeps the trust in config.toml as `[hooks.state."<hooks.json>:<event>:<g>:
 * <h>"]` tables. Install says so; uninstall removes the tables that name Relay's handlers
 * (codexHookTrust.ts), and when that leaves config.toml as it was before the first install it
 * restores those bytes exactly (or deletes the file, when there was none).
 *
 * `notify` in config.toml is left alone: it fires only after a successful turn, so it carries
 * no limit signal the hooks do not. A `notify` the user set keeps working as before.
 */
import { dirname, join } from 'node:path';
import { CODEX_HOOK_EVENTS, CODEX_HOOK_TIMEOUT_CAPS, codexDescriptor } from '../adapters/codex.js';
import { HOOK_TIMEOUT_SECONDS } from '../hooks/hookCommand.js';
import { isObject } from '../platform/jsonValue.js';
import { relayTrustKeys, removeTrustTables } from './codexHookTrust.js';
import { FIRST_INSTALL_DATA, type FileChange } from './fileChange.js';
import { readBytes } from './installFs.js';
import { jsonHooksInstaller } from './jsonHooksInstaller.js';

/** Printed whenever Codex hooks are installed: until trusted, Codex does not run them. */
const CODEX_TRUST_NOTE =
  'codex: Codex runs new hooks only after you trust them — the next time codex starts it shows "Hooks need review": choose "Trust all and continue" (`codex --dangerously-bypass-hook-trust` skips the check for one run; Relay passes it when it starts codex itself)';

/** The config.toml beside hooks.json, where Codex keeps hook trust. */
function configTomlOf(hooksFile: string): string {
  return join(dirname(hooksFile), 'config.toml');
}

/** What the first install saw of config.toml: whether it existed, and its bytes (base64). */
interface ConfigTomlBefore {
  existed: boolean;
  base64?: string;
}

function recordedConfig(recorded: Record<string, unknown> | undefined): ConfigTomlBefore | undefined {
  const first = recorded?.[FIRST_INSTALL_DATA];
  const c = isObject(first) ? first.codexConfigToml : undefined;
  if (!isObject(c) || typeof c.existed !== 'boolean') return undefined;
  return { existed: c.existed, ...(typeof c.base64 === 'string' ? { base64: c.base64 } : {}) };
}

/** config.toml without the trust tables of Relay's handlers in `hooksBytes`; null when there is nothing to remove. */
function trustCleanup(hooksFile: string, hooksBytes: Buffer | null, recorded: Record<string, unknown> | undefined, isOurs: (h: unknown) => boolean): FileChange | null {
  const tomlFile = configTomlOf(hooksFile);
  const current = readBytes(tomlFile);
  if (current === null || hooksBytes === null) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(hooksBytes.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return null;
  }
  const text = current.toString('utf8');
  const stripped = removeTrustTables(text, relayTrustKeys(doc, hooksFile, isOurs));
  if (stripped === text) return null;
  const before = recordedConfig(recorded);
  let after: Buffer | null = Buffer.from(stripped);
  let summary = "Codex's trust of Relay's hooks removed";
  if (before && !before.existed && stripped.trim() === '') {
    after = null;
    summary = 'removed (Codex created it to trust Relay\'s hooks)';
  } else if (before?.base64 !== undefined) {
    const original = Buffer.from(before.base64, 'base64');
    // Only the whitespace Codex put around its tables differs: give back the exact bytes.
    if (original.toString('utf8').trimEnd() === stripped.trimEnd()) {
      after = original;
      summary = 'restored to its bytes from before install';
    }
  }
  return { path: tomlFile, role: codexDescriptor.installRole, before: current, after, summary };
}

/** Larger than this, config.toml's bytes are not kept in the manifest (uninstall then only removes tables). */
const MAX_RECORDED_TOML_BYTES = 256 * 1024;

export const codexInstaller = jsonHooksInstaller({
  agent: codexDescriptor,
  dialect: 'json',
  spec: (command) => {
    const handler = (event: string) => ({ type: 'command', command, timeout: Math.min(HOOK_TIMEOUT_SECONDS, CODEX_HOOK_TIMEOUT_CAPS[event] ?? HOOK_TIMEOUT_SECONDS) });
    return { events: CODEX_HOOK_EVENTS.map((event) => ({ event, handler: handler(event) })), handler: handler('') };
  },
  notes: () => [CODEX_TRUST_NOTE],
  installData: (file) => {
    const toml = readBytes(configTomlOf(file));
    const codexConfigToml: ConfigTomlBefore =
      toml === null ? { existed: false } : toml.length <= MAX_RECORDED_TOML_BYTES ? { existed: true, base64: toml.toString('base64') } : { existed: true };
    return { [FIRST_INSTALL_DATA]: { codexConfigToml } };
  },
  uninstallCompanion: trustCleanup,
});
