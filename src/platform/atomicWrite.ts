/**
 * Replacing a file atomically: the bytes go to a temp file in the same directory, which is then
 * renamed over the file, so a reader (another process, the next run after a crash) sees the old
 * bytes or the new ones, never half of them. Every file Relay rewrites goes through here: the
 * daemon's pid file and process groups, Gemini's attempt counts (in `relay hook`), snapshots, and
 * the files `relay install` / `uninstall` write.
 *
 * The fsync policy, for all of them: the temp file is fsynced before the rename, and its directory
 * after it.
 * - The file before the rename, because the rename is what makes the new bytes current: without
 *   it a power loss can leave the name pointing at a file whose data never reached the disk
 *   (empty or torn on ext4 with delayed allocation, XFS, btrfs), the torn file the rename exists
 *   to rule out.
 * - The directory after it, so the rename itself is on disk when the call returns: a caller that
 *   writes files in an order (install: the manifest, then the files it lists) can rely on it.
 * Measured on this project's machines a write costs about 1 ms more than without; none of these
 * files is written on a hot path (the most frequent is one Gemini `BeforeModel` hook per call).
 *
 * No dependency (write-file-atomic was weighed: loading it and signal-exit costs `relay hook`
 * ~10 ms, and the Gemini hook writes on every model call), and no node:crypto (~5 ms to load):
 * the temp name only has to be unlikely to be taken, since it is created exclusively.
 */
import { closeSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Mode of every file Relay writes under RELAY_HOME, and of a user file install creates. */
const PRIVATE_MODE = 0o600;

interface AtomicWriteOptions {
  /**
   * A user's own file (an agent CLI's config that `relay install` edits, and its restore) rather
   * than one of Relay's under RELAY_HOME:
   * - false (the default): the file ends up 0600 whatever was there, and a symlink at `path` is
   *   replaced by the file, not followed;
   * - true: a symlink is followed (dotfile managers link `~/.claude/settings.json` into a
   *   repository; renaming over the link would replace it with a plain file) and an existing file
   *   keeps its mode (as far as the umask allows); a new one is 0600 (config files can hold API
   *   keys).
   */
  userFile?: boolean;
}

interface Plan {
  /** The file the rename replaces (a followed symlink's target). */
  target: string;
  tmp: string;
  mode: number;
}

function plan(path: string, options: AtomicWriteOptions): Plan {
  let target = path;
  let mode = PRIVATE_MODE;
  if (options.userFile) {
    try {
      if (lstatSync(path).isSymbolicLink()) target = realpathSync(path);
    } catch (e) {
      // A missing file, or a dangling link (written as a plain file in its place).
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      mode = statSync(target).mode & 0o7777;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const unique = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  // Hidden, and opened 'wx': never follow or reuse something already sitting at the temp name.
  return { target, tmp: join(dirname(target), `.${basename(target)}.${unique}.tmp`), mode };
}

function fsyncDirSync(dir: string): void {
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

/** Replace `path` with `data` atomically (see the file's comment). The directory must exist. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const { target, tmp, mode } = plan(path, options);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let fd: number | undefined = openSync(tmp, 'wx', mode);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDirSync(dirname(target));
}

/** {@link writeFileAtomicSync} without blocking the event loop on the writes and fsyncs (the daemon). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const { target, tmp, mode } = plan(path, options);
  let file: Awaited<ReturnType<typeof open>> | undefined = await open(tmp, 'wx', mode);
  try {
    await file.writeFile(data);
    await file.sync();
    await file.close();
    file = undefined;
    await rename(tmp, target);
  } catch (e) {
    await file?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  let dir: Awaited<ReturnType<typeof open>> | undefined;
  try {
    dir = await open(dirname(target), 'r');
    await dir.sync();
  } catch {
    // As in fsyncDirSync.
  } finally {
    await dir?.close();
  }
}
