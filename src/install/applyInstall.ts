/**
 * Writing an install plan: back up each file's current bytes, record everything in the
 * manifest, then replace the files atomically. The manifest is written before the files, with
 * the directories about to be created, so an install interrupted half-way can still be undone
 * (a file not written yet has its old hash, and uninstall leaves it as it is).
 */
import { basename, dirname, join } from 'node:path';
import { RelayError } from '../platform/errors.js';
import { relayVersion } from '../platform/packageInfo.js';
import { FIRST_INSTALL_DATA, isEffective, type FileChange } from './fileChange.js';
import type { HookCommandSpec } from '../hooks/hookCommand.js';
import { writeFileAtomicSync } from '../platform/atomicWrite.js';
import { ensureDirs, hashBytes, missingDirs, readBytes, removeFile, sameBytes } from './installFs.js';
import {
  ensureInstallDirs,
  entryFor,
  installDirs,
  MANIFEST_VERSION,
  unionPaths,
  writeManifest,
  type InstallManifest,
} from './manifest.js';

interface AppliedFile {
  path: string;
  /** Where the pre-install bytes were saved (absolute), when this run saved them. */
  backup: string | null;
}

function newManifest(hook: HookCommandSpec, now: string): InstallManifest {
  return {
    v: MANIFEST_VERSION,
    createdAt: now,
    updatedAt: now,
    relay: { node: hook.node, cliEntry: hook.cliEntry, version: relayVersion() },
    createdDirs: [],
    files: [],
  };
}

/** A file name for the backup: its place in the manifest and the original's name. */
function backupName(manifest: InstallManifest, path: string): string {
  const n = String(manifest.files.length + 1).padStart(2, '0');
  return join('backups', `${n}-${basename(path).replace(/^\.+/, '')}`);
}

/**
 * Apply the effective changes of a plan; returns the manifest as written. Throws E_CONFIG,
 * before writing anything, when a file changed since it was planned.
 */
export function applyInstall(relayHome: string, manifest: InstallManifest | null, changes: readonly FileChange[], hook: HookCommandSpec): {
  manifest: InstallManifest | null;
  applied: AppliedFile[];
} {
  const effective = changes.filter(isEffective);
  // Nothing to change: not even the manifest is touched (a second install changes no byte).
  if (effective.length === 0) return { manifest, applied: [] };
  for (const c of effective) {
    if (!sameBytes(readBytes(c.path), c.before)) {
      throw new RelayError('E_CONFIG', `${c.path}: changed while relay install was running`, { hint: 'run relay install again' });
    }
  }
  const now = new Date().toISOString();
  const m = manifest ?? newManifest(hook, now);
  m.relay = { node: hook.node, cliEntry: hook.cliEntry, version: relayVersion() };
  m.createdDirs = [...new Set([...m.createdDirs, ...ensureInstallDirs(relayHome)])];
  const dirs = installDirs(relayHome);
  const applied: AppliedFile[] = [];
  for (const c of effective) {
    let entry = entryFor(m, c.path);
    let backup: string | null = null;
    if (!entry) {
      const rel = c.before === null ? null : backupName(m, c.path);
      if (rel !== null && c.before !== null) {
        backup = join(dirs.dir, rel);
        writeFileAtomicSync(backup, c.before);
      }
      entry = {
        path: c.path,
        role: c.role,
        existedBefore: c.before !== null,
        backup: rel,
        preHash: hashBytes(c.before),
        postHash: '',
        restorable: true,
        created: (c.created ?? []).map((p) => [...p]),
        createdDirs: [],
        ...(c.data ? { data: c.data } : {}),
      };
      m.files.push(entry);
    } else {
      // Someone changed the file after Relay last wrote it: its backup is no longer "this file
      // without Relay", so uninstall must remove Relay's entries instead of restoring it.
      if (hashBytes(c.before) !== entry.postHash) entry.restorable = false;
      entry.created = unionPaths(entry.created, c.created ?? []);
      if (c.data) {
        const first = entry.data?.[FIRST_INSTALL_DATA];
        entry.data = first === undefined ? c.data : { ...c.data, [FIRST_INSTALL_DATA]: first };
      }
    }
    entry.postHash = hashBytes(c.after);
    if (c.after !== null) entry.createdDirs = [...new Set([...entry.createdDirs, ...missingDirs(dirname(c.path))])];
    applied.push({ path: c.path, backup });
  }
  m.updatedAt = now;
  writeManifest(relayHome, m);
  for (const c of effective) {
    try {
      if (c.after === null) {
        removeFile(c.path);
        continue;
      }
      ensureDirs(dirname(c.path));
      writeFileAtomicSync(c.path, c.after, { userFile: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC') throw e;
      throw new RelayError('E_CONFIG', `${c.path}: cannot be written (${code ?? String(e)})`, {
        hint: `make it writable and run relay install again (relay uninstall undoes what was already changed; backups are in ${dirs.backups})`,
        cause: e,
      });
    }
  }
  return { manifest: m, applied };
}

/** Record what happened to autostart (after `systemctl --user enable` ran). */
export function recordAutostart(relayHome: string, manifest: InstallManifest, autostart: InstallManifest['autostart']): void {
  manifest.autostart = autostart;
  manifest.updatedAt = new Date().toISOString();
  writeManifest(relayHome, manifest);
}
