/**
 * `logs/hook.log`: where `relay hook` notes what it dropped (malformed JSON, unknown agent
 * names, payloads over the size cap) or could not deliver. A hook must print nothing, so this
 * file is the only trace; it is capped so a CLI calling the hook in a loop cannot fill a disk.
 */
import { basename } from 'node:path';
import { closeSync, constants, fstatSync, fchmodSync, lstatSync, renameSync, writeSync } from 'node:fs';
import { ensurePrivateDir, FILE_MODE, type RelayPaths } from '../platform/paths.js';
import { oneLine } from './matchedLine.js';
import { moveAside, openRegularFile } from './regularFile.js';

/** Over this size the log is moved to `hook.log.1` (replacing the previous one) and restarted. */
const MAX_HOOK_LOG_BYTES = 1024 * 1024;
/** One note stays one short line, whatever the payload held. */
const MAX_NOTE_CHARS = 500;

/**
 * Append `<ISO time> <what>: <note>` to the hook log. Never throws, never blocks: a symlink,
 * FIFO or directory at `logs/hook.log` is moved aside (`hook.log.<ms>.<pid>.refused`), and
 * the log restarts with a line that says so.
 */
export function appendHookLog(paths: RelayPaths, what: string, note: string, now = Date.now()): void {
  try {
    ensurePrivateDir(paths.home);
    ensurePrivateDir(paths.logs);
    try {
      const st = lstatSync(paths.hookLog);
      if (st.isFile() && st.size > MAX_HOOK_LOG_BYTES) renameSync(paths.hookLog, `${paths.hookLog}.1`);
    } catch {
      // No log yet, or another hook rotated it first.
    }
    const stamp = new Date(now).toISOString();
    let lines = `${stamp} ${oneLine(what, 60)}: ${oneLine(note, MAX_NOTE_CHARS)}\n`;
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT;
    let opened = openRegularFile(paths.hookLog, flags, FILE_MODE);
    if ('wrong' in opened) {
      const aside = moveAside(paths.hookLog, now);
      const moved = aside ? `moved aside to ${basename(aside)}` : 'gone by now';
      lines = `${stamp} hook log: logs/hook.log was ${opened.wrong}, not a file; ${moved}\n${lines}`;
      opened = openRegularFile(paths.hookLog, flags, FILE_MODE);
      if ('wrong' in opened) return;
    }
    const { fd } = opened;
    try {
      // A log created by something else with looser bits is tightened: notes quote payloads.
      if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, FILE_MODE);
      writeSync(fd, lines);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Nowhere left to report to: a hook must not fail its CLI over its own log.
  }
}
