/**
 * `relay uninstall`: undo exactly what `relay install` did.
 *
 * For each file in the install manifest: if its bytes are still the ones install left, the
 * backup is restored byte for byte (a file install created is deleted, with the directories it
 * created when they are empty); if it changed since, only Relay's entries are removed and the
 * user's later changes stay. Files Relay knows about but the manifest does not list (an install
 * whose record was lost) lose their Relay entries too. Autostart is disabled before its unit
 * goes. Everything is planned first: a file that no longer parses stops the command with
 * nothing changed.
 */
import { join } from 'node:path';
import { writeFileAtomicSync } from '../platform/atomicWrite.js';
import { RelayError } from '../platform/errors.js';
import { installerFor, installerForRole } from './agentInstallers.js';
import { isOurUnit, probeSystemd, systemctlUser, UNIT_NAME, unitPath } from './autostart.js';
import { relayHomeFrom, userHome } from '../platform/paths.js';
import { configLocation, INSTALL_AGENTS } from './detect.js';
import { actionOf, isEffective, type DocPath, type FileChange, type FileRole } from './fileChange.js';
import { stripHandoffOrder } from './handoffOrder.js';
import { hashBytes, readBytes, removeEmptyDirs, removeFile, sameBytes } from './installFs.js';
import { settingsError } from './jsonText.js';
import { installDirs, readManifest, type InstallManifest, type ManifestFile } from './manifest.js';
import type { FileReport } from './runInstall.js';
import { unifiedDiffs } from './unifiedDiff.js';
import { isOurWarpSnippet } from './warpSnippet.js';

interface UninstallOptions {
  dryRun: boolean;
}

export type UninstallAutostartStatus = 'disabled' | 'would disable' | 'not installed' | 'failed';

export interface UninstallReport {
  dryRun: boolean;
  relayHome: string;
  files: FileReport[];
  autostart: { status: UninstallAutostartStatus; unit: string | null; reason?: string };
  notes: string[];
  diff: string;
  changed: boolean;
  /** False when there was neither an install record nor any Relay entry to remove. */
  found: boolean;
}

/** `current` without what Relay put in it; null to delete it. Throws E_CONFIG for a file that does not parse. */
function strip(role: FileRole, path: string, current: Buffer, created: readonly DocPath[] | null, data: Record<string, unknown> | undefined, deleteIfEmpty: boolean): Buffer | null {
  const installer = installerForRole(role);
  if (installer) return installer.strip(path, current, created, deleteIfEmpty);
  switch (role) {
    case 'relay-config': {
      const written = data?.written;
      const previous = data?.previous;
      const recorded = Array.isArray(written)
        ? { written: written.map(String), previous: Array.isArray(previous) ? previous.map(String) : null }
        : undefined;
      return stripHandoffOrder(path, current, created, recorded, deleteIfEmpty);
    }
    case 'autostart-unit':
      return isOurUnit(current) ? null : current;
    case 'warp-mcp':
      return isOurWarpSnippet(current) ? null : current;
    default:
      // An agent role with no installer in this version: the file is left as it is.
      return current;
  }
}

function restoreTarget(relayHome: string, entry: ManifestFile): Buffer | null {
  if (!entry.existedBefore || entry.backup === null) return null;
  const backup = readBytes(join(installDirs(relayHome).dir, entry.backup));
  if (backup === null || hashBytes(backup) !== entry.preHash) {
    throw new RelayError('E_CONFIG', `${entry.path}: its backup (${entry.backup}) is missing or damaged`, {
      hint: 'nothing was changed; remove Relay\'s entries from that file by hand, or restore the backup, then run relay uninstall again',
    });
  }
  return backup;
}

function planFromManifest(relayHome: string, manifest: InstallManifest): FileChange[] {
  const changes: FileChange[] = [];
  for (const entry of manifest.files) {
    const current = readBytes(entry.path);
    const companion = installerForRole(entry.role)?.uninstallCompanion?.(entry.path, current, entry.data);
    if (companion) changes.push(companion);
    if (entry.restorable && hashBytes(current) === entry.postHash) {
      const after = restoreTarget(relayHome, entry);
      changes.push({
        path: entry.path,
        role: entry.role,
        before: current,
        after,
        summary: after === null ? 'removed (install created it)' : 'restored to its bytes from before install',
      });
      continue;
    }
    if (current === null) continue;
    const after = strip(entry.role, entry.path, current, entry.created, entry.data, !entry.existedBefore);
    changes.push({
      path: entry.path,
      role: entry.role,
      before: current,
      after,
      summary: after === null ? 'removed' : 'Relay entries removed; your later changes kept',
    });
  }
  return changes;
}

/** Relay entries in the known places the manifest does not cover. */
function planWithoutManifest(env: NodeJS.ProcessEnv, covered: ReadonlySet<string>): FileChange[] {
  const changes: FileChange[] = [];
  for (const agent of INSTALL_AGENTS) {
    const { file } = configLocation(agent, env);
    if (covered.has(file)) continue;
    const current = readBytes(file);
    const installer = installerFor(agent);
    const companion = installer.uninstallCompanion?.(file, current, undefined);
    if (companion) changes.push(companion);
    if (current === null || !installer.hasOurs(file, current)) continue;
    changes.push({ path: file, role: installer.role, before: current, after: installer.strip(file, current, null, false), summary: 'Relay entries removed' });
  }
  const unit = unitPath(env);
  const unitBytes = covered.has(unit) ? null : readBytes(unit);
  if (unitBytes !== null && isOurUnit(unitBytes)) {
    changes.push({ path: unit, role: 'autostart-unit', before: unitBytes, after: null, summary: 'removed' });
  }
  return changes;
}

export async function runUninstall(opts: UninstallOptions, env: NodeJS.ProcessEnv): Promise<UninstallReport> {
  userHome(env);
  const relayHome = relayHomeFrom(env);
  const manifest = readManifest(relayHome);
  const changes = manifest ? planFromManifest(relayHome, manifest) : [];
  changes.push(...planWithoutManifest(env, new Set(manifest?.files.map((f) => f.path) ?? [])));

  const unitChange = changes.find((c) => c.role === 'autostart-unit' && c.after === null && c.before !== null);
  const notes: string[] = [];
  let autostart: UninstallReport['autostart'] = { status: 'not installed', unit: null };
  let systemctl: string | null = null;
  if (unitChange || manifest?.autostart?.enabled) {
    const unit = unitChange?.path ?? manifest?.autostart?.unit ?? unitPath(env);
    const probe = await probeSystemd(env);
    if (probe.ok) {
      systemctl = probe.systemctl;
      autostart = { status: 'would disable', unit };
    } else {
      autostart = { status: 'failed', unit, reason: `could not disable ${UNIT_NAME}: ${probe.reason}` };
      notes.push(`autostart: could not run systemctl --user disable ${UNIT_NAME} (${probe.reason}); its unit file is removed anyway`);
    }
  }

  if (!opts.dryRun) {
    for (const c of changes.filter(isEffective)) {
      if (!sameBytes(readBytes(c.path), c.before)) throw settingsError(c.path, 'changed while relay uninstall was running; run it again');
    }
    if (systemctl !== null) {
      const r = await systemctlUser(systemctl, ['disable', UNIT_NAME], env);
      autostart = r.ok ? { status: 'disabled', unit: autostart.unit } : { status: 'failed', unit: autostart.unit, reason: `systemctl --user disable ${UNIT_NAME}: ${r.detail}` };
    }
    for (const c of changes.filter(isEffective)) {
      if (c.after === null) removeFile(c.path);
      else writeFileAtomicSync(c.path, c.after, { userFile: true });
    }
    if (systemctl !== null) await systemctlUser(systemctl, ['daemon-reload'], env);
    if (manifest) {
      const dirs = installDirs(relayHome);
      for (const f of manifest.files) if (f.backup !== null) removeFile(join(dirs.dir, f.backup));
      removeFile(dirs.manifest);
      removeEmptyDirs([...manifest.files.flatMap((f) => f.createdDirs), dirs.backups, dirs.dir, ...manifest.createdDirs]);
    }
  }

  return {
    dryRun: opts.dryRun,
    relayHome,
    files: changes.map((c) => ({ path: c.path, role: c.role, action: actionOf(c), summary: isEffective(c) ? c.summary : 'unchanged' })),
    autostart,
    notes,
    diff: unifiedDiffs(changes),
    changed: changes.some(isEffective),
    found: manifest !== null || changes.length > 0,
  };
}
