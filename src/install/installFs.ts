/**
 * The file operations `relay install` and `relay uninstall` are made of: read a file as bytes,
 * write one atomically (temp file in the same directory, fsync, rename, the old file's mode
 * kept), create missing directories while remembering which ones were created, and remove
 * those again when they are empty.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { RelayError } from '../platform/errors.js';

/** Mode of a file install creates: config files can hold API keys (Claude's `env`, Gemini's). */
export const NEW_FILE_MODE = 0o600;
/** Mode of a directory install creates. */
export const NEW_DIR_MODE = 0o700;

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

/**
 * Where to write `path`: a symlink is followed (dotfile managers link `~/.claude/settings.json`
 * into a repository; renaming over the link would replace it with a plain file).
 */
function writeTarget(path: string): string {
  try {
    if (lstatSync(path).isSymbolicLink()) return realpathSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return path;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replace `path` with `data` atomically: readers see the old bytes or the new ones, never a
 * torn file. An existing file keeps its mode; a new one gets `mode`. The parent must exist.
 */
export function atomicWriteFile(path: string, data: Buffer, mode: number = NEW_FILE_MODE): void {
  const target = writeTarget(path);
  let keepMode = mode;
  try {
    keepMode = statSync(target).mode & 0o7777;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.relay-${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': never follow or reuse something already sitting at the temp name.
  const fd = openSync(tmp, 'wx', keepMode);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
  fsyncDir(dir);
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
