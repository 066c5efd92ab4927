/**
 * The hook spool: `spool/hooks.jsonl`, one {@link HookEvent} per line, written by `relay hook`
 * when the daemon cannot be reached and drained by the daemon, in order, once each.
 *
 * Writers append a whole line with one `write` on an O_APPEND descriptor, so lines of
 * concurrent hooks never interleave. The drainer first renames the file to
 * `hooks.<pid>.<ts>.draining` (new hooks then create a fresh `hooks.jsonl`), handles its lines,
 * and removes it.
 *
 * The race this has to close: a hook that opened `hooks.jsonl` just before the rename writes
 * into the renamed file, possibly after the drainer read it. So:
 * - the drainer removes a file only when it has read all of it *and* neither a write nor its
 *   rename happened in the last {@link SPOOL_GRACE_MS}; otherwise it keeps it as
 *   `hooks.<pid>.<ts>.<offset>.drained` (reported as `pending`) and a later drain handles
 *   whatever was appended past `offset` and removes it;
 * - a writer that finds its file removed right after writing to it (link count 0) knows its line
 *   was never read — the drainer checks for new bytes after its last read and before removing —
 *   and writes it again to the live file.
 * Leftovers (`.draining` from a drain that crashed, `.drained` tails) are drained before the live
 * file, oldest first. A crash in the middle of a drain replays that file's lines from the last
 * saved offset: delivery is at least once, and in order; each event carries the id `relay hook`
 * gave it (HookEvent.id), by which the daemon logs a replayed line only once.
 *
 * Whatever sits at a spool name is opened without following a symlink or waiting on a FIFO
 * (regularFile.ts); a symlink, FIFO or directory there is moved aside as `<name>.<ms>.<pid>.refused`
 * (said in the hook log by a writer, to the daemon's `refused` callback by the drainer), and a
 * writer then writes its line to a fresh file.
 */
import { closeSync, constants, fchmodSync, fstatSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isObject } from '../platform/jsonValue.js';
import { ensurePrivateDir, FILE_MODE, type RelayPaths } from '../platform/paths.js';
import { HOOK_EVENT_VERSION, type HookEvent } from './hookEvent.js';
import { appendHookLog } from './hookLog.js';
import { moveAside, openRegularFile } from './regularFile.js';

/**
 * A spool file untouched this long has no writer left between `open` and `write` (two adjacent
 * system calls in `relay hook`), so it can be removed once read.
 */
const SPOOL_GRACE_MS = 5_000;
/** How many times a writer re-appends a line whose file was drained away under it. */
const MAX_APPEND_TRIES = 5;
/** Lines are read in chunks of this size, so a spool grown large while the daemon was down streams. */
const READ_CHUNK = 1024 * 1024;

function stemOf(paths: RelayPaths): string {
  return basename(paths.spoolFile).replace(/\.jsonl$/, '');
}

/**
 * Append `event` to the spool as one line. Creates the spool dir (0700) and file (0600) when
 * needed. Throws when the line cannot be written (the caller logs it).
 */
export function appendToSpool(paths: RelayPaths, event: HookEvent): void {
  ensurePrivateDir(paths.home);
  ensurePrivateDir(paths.spool);
  const line = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
  for (let attempt = 0; attempt < MAX_APPEND_TRIES; attempt++) {
    const opened = openRegularFile(paths.spoolFile, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, FILE_MODE);
    if ('wrong' in opened) {
      // Not ours to write through (a symlink) nor to wait on (a FIFO); a directory would take
      // the event with it. Out of the way, and the line goes to a fresh file.
      const aside = moveAside(paths.spoolFile);
      appendHookLog(
        paths,
        'spool',
        `spool/${basename(paths.spoolFile)} was ${opened.wrong}, not a file; ${aside ? `moved aside to ${basename(aside)}` : 'gone by now'}`,
      );
      continue;
    }
    const { fd } = opened;
    try {
      if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, FILE_MODE);
      const written = writeSync(fd, line);
      if (written !== line.length) {
        // A torn line (disk full): end it, so the next hook's line stays whole.
        writeSync(fd, '\n');
        throw new Error(`short write to the spool (${written} of ${line.length} bytes)`);
      }
      if (fstatSync(fd).nlink > 0) return;
    } finally {
      closeSync(fd);
    }
  }
  throw new Error('no spool file to append to: drained away or replaced under every try');
}

interface DrainOptions {
  /** Defaults to {@link SPOOL_GRACE_MS}; 0 when no hook can be running (tests, shutdown). */
  graceMs?: number;
  now?: () => number;
  /** Where malformed lines are reported; defaults to the hook log. */
  log?: (note: string) => void;
  /**
   * Told (in one line) about a spool entry that is not a regular file and was moved aside, as
   * well as the hook log: for the daemon log. Defaults to the hook log alone.
   */
  refused?: (note: string) => void;
}

interface DrainResult {
  /** Lines handed to `handle`. */
  delivered: number;
  /** Lines skipped: not JSON, or not a hook event. */
  malformed: number;
  /**
   * Files kept because a hook may still append to them: drain again after
   * {@link SPOOL_GRACE_MS} to deliver any late line and remove them.
   */
  pending: number;
}

interface SpoolPart {
  name: string;
  pid: number;
  ts: number;
  offset: number;
}

function partsIn(dir: string, stem: string): SpoolPart[] {
  const draining = new RegExp(`^${stem}\\.(\\d+)\\.(\\d+)\\.draining$`);
  const drained = new RegExp(`^${stem}\\.(\\d+)\\.(\\d+)\\.(\\d+)\\.drained$`);
  const parts: SpoolPart[] = [];
  for (const name of readdirSync(dir)) {
    const a = draining.exec(name);
    if (a) parts.push({ name, pid: Number(a[1]), ts: Number(a[2]), offset: 0 });
    const b = drained.exec(name);
    if (b) parts.push({ name, pid: Number(b[1]), ts: Number(b[2]), offset: Number(b[3]) });
  }
  return parts;
}

function asHookEvent(line: string): HookEvent | undefined {
  try {
    const v: unknown = JSON.parse(line);
    if (isObject(v) && v.v === HOOK_EVENT_VERSION) {
      return v as Partial<HookEvent> as HookEvent;
    }
  } catch {
    // Not JSON: reported by the caller.
  }
  return undefined;
}

/**
 * Deliver every spooled event to `handle`, oldest first, once each. For the daemon, at start
 * and whenever the spool changes; one drain at a time. When `handle` throws, the file keeps its
 * place (the failed line is the first one handled next time) and the error is rethrown.
 */
export async function drainSpool(
  paths: RelayPaths,
  handle: (e: HookEvent) => Promise<void>,
  opts: DrainOptions = {},
): Promise<void> {
  await drainSpoolCounted(paths, handle, opts);
}

/** {@link drainSpool}, saying how many lines it delivered and skipped and how many files it kept. */
export async function drainSpoolCounted(
  paths: RelayPaths,
  handle: (e: HookEvent) => Promise<void>,
  opts: DrainOptions = {},
): Promise<DrainResult> {
  const now = opts.now ?? Date.now;
  const graceMs = opts.graceMs ?? SPOOL_GRACE_MS;
  const log = opts.log ?? ((note: string) => appendHookLog(paths, 'spool', note));
  const refused = (note: string): void => {
    log(note);
    opts.refused?.(note);
  };
  const result: DrainResult = { delivered: 0, malformed: 0, pending: 0 };
  const stem = stemOf(paths);

  let parts: SpoolPart[];
  try {
    parts = partsIn(paths.spool, stem);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return result;
    if (code === 'ENOTDIR') {
      // Not moved: a file in place of the spool dir is the user's to look at (doctor says so).
      refused(`${paths.spool} is not a directory; nothing drained`);
      return result;
    }
    throw e;
  }
  // New hook lines go to a fresh file from here on; the timestamp orders this part after every
  // leftover even if the clock stepped back.
  const ts = Math.max(now(), ...parts.map((p) => p.ts + 1));
  const fresh: SpoolPart = { name: `${stem}.${process.pid}.${ts}.draining`, pid: process.pid, ts, offset: 0 };
  try {
    renameSync(paths.spoolFile, join(paths.spool, fresh.name));
    parts.push(fresh);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  parts.sort((a, b) => a.ts - b.ts || a.pid - b.pid || a.name.localeCompare(b.name));

  for (const part of parts) {
    await drainPart(paths.spool, stem, part, handle, { now, graceMs, log, refused }, result);
  }
  return result;
}

async function drainPart(
  dir: string,
  stem: string,
  part: SpoolPart,
  handle: (e: HookEvent) => Promise<void>,
  opts: Required<Pick<DrainOptions, 'now' | 'graceMs' | 'log' | 'refused'>>,
  result: DrainResult,
): Promise<void> {
  const path = join(dir, part.name);
  let offset = part.offset;
  /** Keep the file under a name that records how far it was read. */
  const keep = (): void => {
    const name = `${stem}.${part.pid}.${part.ts}.${offset}.drained`;
    if (name !== part.name) renameSync(path, join(dir, name));
  };

  let fd: number;
  try {
    const opened = openRegularFile(path, constants.O_RDONLY);
    if ('wrong' in opened) {
      // Put there by something else (the live name is renamed to this one whatever it is):
      // nothing to deliver from it, and no reason to stop draining the rest.
      const aside = moveAside(path, opts.now());
      opts.refused(`spool entry ${part.name} is ${opened.wrong}, not a spool file; ${aside ? `moved aside to ${basename(aside)}` : 'gone by now'}`);
      return;
    }
    fd = opened.fd;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    let rest = Buffer.alloc(0);
    let pos = offset;
    let st = fstatSync(fd);
    // Read to the end, then check for more: lines appended while earlier ones were handled are
    // read in this same drain.
    while (pos < st.size) {
      const chunk = Buffer.alloc(READ_CHUNK);
      const n = readSync(fd, chunk, 0, READ_CHUNK, pos);
      if (n === 0) break;
      pos += n;
      rest = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let nl: number;
      while ((nl = rest.indexOf(0x0a)) >= 0) {
        const line = rest.subarray(0, nl).toString('utf8');
        rest = rest.subarray(nl + 1);
        if (line.trim()) {
          const event = asHookEvent(line);
          if (event) {
            try {
              await handle(event);
            } catch (e) {
              keep();
              throw e;
            }
            result.delivered++;
          } else {
            result.malformed++;
            opts.log(`skipped a spooled line that is not a hook event: ${line.slice(0, 200)}`);
          }
        }
        offset += nl + 1;
      }
      if (pos >= st.size) st = fstatSync(fd);
    }
    // A hook that writes after this last stat finds the file removed and writes its line again;
    // one that wrote before it was read above. Quiet counts from the last write and from the
    // rename (`ts`): a hook that opened the file just before the rename may write to it until
    // the grace has passed. Whole ms, as the clock gives them; `ts` may run a few ms ahead of
    // the clock (it is bumped to keep parts in order).
    const now = opts.now();
    const quiet = now - Math.max(Math.floor(st.mtimeMs), Math.min(part.ts, now)) >= opts.graceMs;
    if (quiet && rest.length > 0) {
      // A line cut short by a crash mid-write, and nobody is left to finish it.
      result.malformed++;
      opts.log(`skipped a torn spooled line: ${rest.toString('utf8').slice(0, 200)}`);
      offset += rest.length;
    }
    if (quiet && offset === st.size) {
      rmSync(path, { force: true });
    } else {
      keep();
      result.pending++;
    }
  } finally {
    closeSync(fd);
  }
}
