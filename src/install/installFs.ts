/**
 * The file operations `relay install` and `relay uninstall` are made of besides writing (which is
 * platform/atomicWrite.ts): read a file as bytes, create missing directories while remembering
 * which ones were created, and remove those again when they are empty.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { RelayError } from '../platform/errors.js';

/** Mode of a directory install creates. */
const NEW_DIR_MODE = 0o700;

/**
 * The file's bytes, or null when it does not exist. A file that cannot be read (EACCES, a
 * directory in its place) is RelayError E_CONFIG naming it: install must stop before writing.
 */
export function readBytes(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new RelayError('E_CONFIG', `${path}: cannot be read (${code ?? String(e)})`, {
      hint: 'make it a file you can read and write, then run the command again; nothing was changed',
      cause: e,
    });
  }
}

/** sha256 of the bytes, hex; `absent` for a file that does not exist. */
export function hashBytes(bytes: Buffer | null): string {
  return bytes === null ? 'absent' : createHash('sha256').update(bytes).digest('hex');
}

/** True when both are absent or hold the same bytes. */
export function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}

/** Delete `path` if it exists (a symlink is deleted itself, not its target). */
export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The directories `mkdir -p dir` would create, outermost first (empty when `dir` exists). */
export function missingDirs(dir: string): string[] {
  const missing: string[] = [];
  let d = dir;
  for (;;) {
    try {
      statSync(d);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    missing.unshift(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return missing;
}

/** Create `dir` and its missing ancestors (0700); returns the ones created, outermost first. */
export function ensureDirs(dir: string): string[] {
  const created = missingDirs(dir);
  for (const d of created) mkdirSync(d, { mode: NEW_DIR_MODE });
  return created;
}

/**
 * Remove each directory that is empty, deepest first; a directory something else now lives in
 * stays (the user or the CLI put a file there after install).
 */
export function removeEmptyDirs(dirs: readonly string[]): string[] {
  const removed: string[] = [];
  const deepestFirst = [...new Set(dirs)].sort((a, b) => b.split('/').length - a.split('/').length || b.localeCompare(a));
  for (const d of deepestFirst) {
    try {
      rmdirSync(d);
      removed.push(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw e;
    }
  }
  return removed;
}
