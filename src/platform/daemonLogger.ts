/**
 * The daemon's log: pino JSON lines into `logs/daemon.log`, rotated by size so it can run for
 * months without filling the disk. Callers pass already-redacted data.
 */
import { pino, type Logger } from 'pino';
import { createStream } from 'rotating-file-stream';
import { basename, dirname } from 'node:path';
import { FILE_MODE } from './paths.js';

/** 10 MB per file, 5 files kept: enough history for a bug report, bounded on disk. */
const ROTATE_SIZE = '10M';
const MAX_FILES = 5;

export interface DaemonLogger {
  log: Logger;
  close(): Promise<void>;
}

export function createDaemonLogger(file: string, level = process.env.RELAY_LOG_LEVEL ?? 'info'): DaemonLogger {
  const stream = createStream(basename(file), {
    path: dirname(file),
    size: ROTATE_SIZE,
    maxFiles: MAX_FILES,
    mode: FILE_MODE,
  });
  // A log that cannot be written or rotated (disk full, a chmod) must not take the daemon down.
  stream.on('error', (e: Error) => process.stderr.write(`relay daemon: log file: ${e.message}\n`));
  const log = pino({ level, base: null }, stream);
  return {
    log,
    close: () =>
      new Promise<void>((resolve) => {
        stream.end(() => resolve());
      }),
  };
}
