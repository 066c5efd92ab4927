/**
 * OpenCode: Relay's own plugin file in OpenCode's config directory (see opencodePlugin.ts).
 * The file is Relay's alone, so install writes it whole and uninstall deletes it; a file of
 * that name that Relay did not write is refused, never overwritten.
 *
 * The npm run on OpenCode's next start (read in opencode 1.18.33's bundled code and measured):
 * at every start OpenCode npm-installs `@opencode-ai/plugin` into each of its config
 * directories that is writable and has no `node_modules` (or whose package.json/lock lack it),
 * in the background — it also creates `~/.config/opencode` with `.gitignore`, `package.json`,
 * `package-lock.json` and `node_modules/` on a first start with no Relay at all. What a plugin
 * changes is that OpenCode *waits* for that install before it loads any plugin (its
 * `waitForDependencies()` runs when there is at least one), whatever the plugin imports; Relay's
 * imports nothing but node:child_process, so there is nothing of Relay's to install. Those
 * files are OpenCode's own and stay at uninstall (removing them would break the user's other
 * plugins). Install says so when the wait is ahead.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { opencodeDescriptor } from '../adapters/opencode.js';
import type { AgentInstaller, AgentInstallPlan } from './agentInstaller.js';
import type { DocPath } from './fileChange.js';
import type { HookCommandSpec } from '../hooks/hookCommand.js';
import { settingsError } from './jsonText.js';
import { OPENCODE_PLUGIN_MARKER, opencodePluginSource } from './opencodePlugin.js';

function isOurs(bytes: Buffer): boolean {
  return bytes.subarray(0, 512).toString('utf8').includes(OPENCODE_PLUGIN_MARKER);
}

/** `<config>/plugins/relay.js` → `<config>`. */
function configDirOf(pluginFile: string): string {
  return dirname(dirname(pluginFile));
}

/** When OpenCode has not installed its plugin package in the config dir yet, its next start waits for npm. */
function dependencyWaitNote(pluginFile: string): string[] {
  const dir = configDirOf(pluginFile);
  if (existsSync(join(dir, 'node_modules'))) return [];
  return [
    `opencode: ${dir} has no node_modules yet: OpenCode's next start runs npm there (its own @opencode-ai/plugin package, which it installs for every config directory) and, with any plugin present, waits for it before loading plugins — about a minute, and it needs the npm registry; later starts do not`,
  ];
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
      notes: unchanged ? [] : ['opencode: OpenCode loads plugins when it starts: restart any opencode that is running', ...dependencyWaitNote(file)],
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
