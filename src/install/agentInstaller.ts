/**
 * What each agent CLI's installer provides: a plan for its config file, and the surgical
 * removal `relay uninstall` uses when the file changed after install (when it did not, the
 * backup is restored byte for byte instead).
 */
import type { InstallRole, KnownKind } from '../adapters/registry.js';
import type { DocPath, FileChange } from './fileChange.js';
import type { HookCommandSpec } from '../hooks/hookCommand.js';

export interface AgentInstallPlan {
  change: FileChange;
  /** Things the user must know or do (trust the hooks, hooks disabled in the CLI, …). */
  notes: string[];
}

export interface AgentInstaller {
  /** The agent CLI's kind. */
  agent: KnownKind;
  role: InstallRole;
  /**
   * What the file becomes with Relay's entries; throws E_CONFIG for a file it cannot parse.
   * `version` is the CLI's (null: unknown), for entries older versions would reject.
   */
  planInstall(file: string, before: Buffer | null, hook: HookCommandSpec, version?: string | null): AgentInstallPlan;
  /**
   * `current` without Relay's entries (and without what install created, per `created`); null
   * to delete the file, which happens only when `deleteIfEmpty` (install created the file) and
   * nothing else is left in it. Throws E_CONFIG for a file it cannot parse.
   */
  strip(file: string, current: Buffer, created: readonly DocPath[] | null, deleteIfEmpty: boolean): Buffer | null;
  /** True when the file holds Relay's entries (false for a file that does not parse). */
  hasOurs(file: string, current: Buffer): boolean;
  /**
   * The change to another file that the CLI itself wrote because of Relay's entries (Codex's
   * hook trust in config.toml), for `relay uninstall`; null when there is nothing to undo.
   * `current` is the config file as it is before uninstall touches it (it names Relay's entries);
   * `recorded` is the manifest entry's `data` (what install saw of that other file), if any.
   */
  uninstallCompanion?(file: string, current: Buffer | null, recorded: Record<string, unknown> | undefined): FileChange | null;
}
