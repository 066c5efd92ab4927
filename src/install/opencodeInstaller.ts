/**
 * OpenCode: Relay's own plugin file in OpenCode's config directory (see opencodePlugin.ts).
 * The file is Relay's alone, so install writes it whole and uninstall deletes it; a file of
 * that name that Relay did not write is refused, never overwritten.
 */
import { opencodeDescriptor } from '../adapters/opencode.js';
import type { AgentInstaller, AgentInstallPlan } from './agentInstaller.js';
import type { DocPath } from './fileChange.js';
import type { HookCommandSpec } from '../hooks/hookCommand.js';
import { settingsError } from './jsonText.js';
import { OPENCODE_PLUGIN_MARKER, opencodePluginSource } from './opencodePlugin.js';

function isOurs(bytes: Buffer): boolean {
  return bytes.subarray(0, 512).toString('utf8').includes(OPENCODE_PLUGIN_MARKER);
}

export const opencodeInstaller: AgentInstaller = {
  agent: opencodeDescriptor.kind,
  role: opencodeDescriptor.installRole,
  planInstall(file: string, before: Buffer | null, hook: HookCommandSpec, _version?: string | null): AgentInstallPlan {
    if (before !== null && !isOurs(before)) throw settingsError(file, 'exists and was not written by Relay (Relay would overwrite it with its plugin)');
    const after = Buffer.from(
      opencodePluginSource({
        command: hook.node,
        args: [hook.cliEntry, 'hook', opencodeDescriptor.hook.arg],
        env: hook.relayHome === undefined ? {} : { RELAY_HOME: hook.relayHome },
      }),
    );
    const unchanged = before !== null && before.equals(after);
    return {
      change: {
        path: file,
        role: opencodeDescriptor.installRole,
        before,
        after,
        summary: unchanged ? 'already installed' : before === null ? 'plugin written' : 'plugin updated',
      },
      notes: unchanged ? [] : ['opencode: OpenCode loads plugins when it starts: restart any opencode that is running'],
    };
  },
  strip(_file: string, current: Buffer, _created: readonly DocPath[] | null, _deleteIfEmpty: boolean): Buffer | null {
    // Relay's plugin goes whole; a file the user put in its place stays.
    return isOurs(current) ? null : current;
  },
  hasOurs(_file: string, current: Buffer): boolean {
    return isOurs(current);
  },
};
