/**
 * Opening a file under RELAY_HOME on the hook path (the spool, the hook log) so that whatever
 * sits at its name cannot hang or crash the opener: never through a symlink (O_NOFOLLOW),
 * never waiting on a FIFO (O_NONBLOCK: a FIFO opened for writing with no reader fails at
 * once, one opened for reading returns at once), and only a regular file is used (checked on
 * the open descriptor, so nothing can be swapped in between the check and the use). A wrong
 * file is moved aside, under a name that says so, rather than left to trip every later hook.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, renameSync, type Stats } from 'node:fs';

/** Open errors that mean "something other than a regular file is there". */
const WRONG_TYPE_CODES = new Set(['ELOOP', 'EISDIR', 'ENXIO', 'EOPNOTSUPP', 'ENODEV', 'EMLINK']);

export type OpenedFile = { fd: number } | { wrong: string };

/** What a non-regular entry is, in words for a log line. */
export function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return st.isFile() ? 'a regular file' : 'not a regular file';
}

function kindAt(path: string): string {
  try {
    return kindOf(lstatSync(path));
  } catch {
    return 'not a regular file';
  }
}

/**
 * Open `path` with `flags` (plus O_NOFOLLOW and O_NONBLOCK). `{fd}` for a regular file;
 * `{wrong}` saying what is there instead; throws other errors (ENOENT without O_CREAT, EACCES).
 */
export function openRegularFile(path: string, flags: number, mode?: number): OpenedFile {
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, mode);
  } catch (e) {
    if (WRONG_TYPE_CODES.has((e as NodeJS.ErrnoException).code ?? '')) return { wrong: kindAt(path) };
    throw e;
  }
  const st = fstatSync(fd);
  if (st.isFile()) return { fd };
  closeSync(fd);
  return { wrong: kindOf(st) };
}

/**
 * Rename what is at `path` to `<path>.<ms>.<pid>.refused`, unless it is (by now) a regular
 * file: another process may have put the right file there since. Returns the new name, or
 * undefined when nothing was moved.
 */
export function moveAside(path: string, now: number = Date.now()): string | undefined {
  try {
    if (lstatSync(path).isFile()) return undefined;
    const aside = `${path}.${now}.${process.pid}.refused`;
    renameSync(path, aside);
    return aside;
  } catch {
    // Gone already (moved by another hook, or drained): nothing in the way any more.
    return undefined;
  }
}
