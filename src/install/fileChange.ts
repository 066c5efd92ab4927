/**
 * What an install or uninstall plan is made of: for each file, its bytes before and after.
 * Everything is planned (and every file parsed) before anything is written, so a file that
 * cannot be read or parsed stops the command with nothing changed anywhere.
 */

import type { InstallRole } from '../adapters/registry.js';

/** The parts of Relay's install that are Relay's own, not an agent CLI's config. */
export const RELAY_ROLES = ['relay-config', 'autostart-unit', 'warp-mcp'] as const;

/**
 * Which part of Relay's install a file is; picks the remover `relay uninstall` uses. An agent
 * CLI's config file has its descriptor's `installRole` (`claude-settings`).
 */
export type FileRole = InstallRole | (typeof RELAY_ROLES)[number];

/**
 * The key of `FileChange.data` for facts about the world before Relay's first install (Codex's
 * config.toml as it was): a later install, which sees Relay's own traces, must not replace them.
 */
export const FIRST_INSTALL_DATA = 'firstInstall';

/** A path inside a JSON or YAML document, one segment per key or index. */
export type DocPath = Array<string | number>;

export interface FileChange {
  path: string;
  role: FileRole;
  /** Null: the file does not exist. */
  before: Buffer | null;
  /** Null: the file is deleted. Equal to `before`: nothing to do ("already installed"). */
  after: Buffer | null;
  /**
   * Containers and keys this change created (`["hooks"]`, `["hooks", "Stop"]`, …): uninstall
   * removes them once they are empty again, and leaves alone the ones that were there before.
   */
  created?: DocPath[];
  /**
   * Role-specific facts uninstall needs (the handoff order written and the one replaced). What
   * is under {@link FIRST_INSTALL_DATA} is recorded by the first install only and kept by later ones.
   */
  data?: Record<string, unknown>;
  /** What changes, in a few words ("hooks added: Stop, SessionEnd"). */
  summary: string;
}

/** True when the change writes or deletes something. */
export function isEffective(change: FileChange): boolean {
  if (change.before === null || change.after === null) return change.before !== change.after;
  return !change.before.equals(change.after);
}

/** "create", "modify", "delete" or "unchanged". */
export type FileAction = 'create' | 'modify' | 'delete' | 'unchanged';

export function actionOf(change: FileChange): FileAction {
  if (!isEffective(change)) return 'unchanged';
  if (change.before === null) return 'create';
  if (change.after === null) return 'delete';
  return 'modify';
}

/** True when `prefix` is `path` or one of its ancestors. */
export function isPrefixPath(prefix: DocPath, path: DocPath): boolean {
  return prefix.length <= path.length && prefix.every((seg, i) => seg === path[i]);
}
