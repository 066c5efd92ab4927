/**
 * Gemini CLI: hooks in `~/.gemini/settings.json` (`$GEMINI_CLI_HOME/.gemini/settings.json`).
 *
 * Checked against @google/gemini-cli 0.61.0: the file is read with strip-json-comments then
 * JSON.parse (comments kept, trailing commas refused); the schema is passthrough, and a hook
 * is `{name?, type: "command", command, description?, timeout?}` with `timeout` in
 * MILLISECONDS (default 60000); `hooksConfig.enabled` (default true) is the master switch and
 * `hooksConfig.disabled` lists hook names that must not run. Relay's hook is named `relay`.
 *
 * Its events are the descriptor's (adapters/gemini.ts GEMINI_HOOK_EVENTS).
 */
import { HOOK_TIMEOUT_SECONDS } from '../hooks/hookCommand.js';
import { isPrefixPath, type DocPath } from './fileChange.js';
import { geminiDescriptor, GEMINI_HOOK_EVENTS } from '../adapters/gemini.js';
import { jsonHooksInstaller } from './jsonHooksInstaller.js';
import { settingsError, type JsonText } from './jsonText.js';

/** The `name` of Relay's hook (what `hooksConfig.disabled` would list). */
const GEMINI_HOOK_NAME = 'relay';

/** `hooksConfig.enabled: true` when absent (an explicit false is the user's choice and stays). */
function enableHooks(doc: JsonText): DocPath[] {
  const cfg = doc.nodeAt(['hooksConfig']);
  if (!cfg) {
    doc.addProperty([], 'hooksConfig', { enabled: true });
    return [['hooksConfig']];
  }
  if (cfg.type !== 'object') throw settingsError(doc.file, '"hooksConfig" is not an object');
  if (doc.nodeAt(['hooksConfig', 'enabled'])) return [];
  doc.addProperty(['hooksConfig'], 'enabled', true);
  return [['hooksConfig', 'enabled']];
}

function disableHooksSwitch(doc: JsonText, created: readonly DocPath[] | null): void {
  if (created === null) return;
  const covered = (p: DocPath): boolean => created.some((c) => isPrefixPath(c, p));
  if (covered(['hooksConfig', 'enabled']) && doc.valueAt(['hooksConfig', 'enabled']) === true) doc.remove(['hooksConfig', 'enabled']);
  if (covered(['hooksConfig']) && doc.nodeAt(['hooksConfig'])?.type === 'object' && doc.keysAt(['hooksConfig']).length === 0) {
    doc.remove(['hooksConfig']);
  }
}

export const geminiInstaller = jsonHooksInstaller({
  agent: geminiDescriptor,
  dialect: 'jsonc',
  spec: (command) => ({
    events: GEMINI_HOOK_EVENTS.map((event) => ({ event })),
    handler: {
      name: GEMINI_HOOK_NAME,
      type: 'command',
      command,
      description: 'Relay: reports model attempts and session ends to the Relay daemon',
      timeout: HOOK_TIMEOUT_SECONDS * 1000,
    },
  }),
  extraInstall: enableHooks,
  extraStrip: disableHooksSwitch,
  notes: (doc) => {
    const notes: string[] = [];
    if (doc.valueAt(['hooksConfig', 'enabled']) === false) {
      notes.push(`gemini: ${doc.file} sets "hooksConfig.enabled": false, so Gemini CLI runs no hooks (Relay's included) until you set it to true`);
    }
    const disabled = doc.valueAt(['hooksConfig', 'disabled']);
    if (Array.isArray(disabled) && disabled.includes(GEMINI_HOOK_NAME)) {
      notes.push(`gemini: ${doc.file} lists "${GEMINI_HOOK_NAME}" in hooksConfig.disabled, so Relay's hook does not run until you remove it`);
    }
    return notes;
  },
});
