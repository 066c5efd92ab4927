/**
 * Classifying what SQLite throws into RelayErrors a user can act on. A damaged or foreign file
 * gets one answer (move it aside), a full disk another; the file itself is never touched here.
 */
import { RelayError, toRelayError } from '../platform/errors.js';
import { shellQuote } from '../platform/shellQuote.js';

/**
 * The error for a file Relay must not use as its database (not SQLite, damaged, or another
 * program's). `reason` completes "<file> is not a Relay database (…)".
 */
export function notRelayDatabase(file: string, reason: string, cause?: unknown): RelayError {
  return new RelayError('E_STORE_CORRUPT', `${file} is not a Relay database (${reason})`, {
    hint:
      `move it aside (mv ${shellQuote(file)} ${shellQuote(`${file}.bad`)}) and Relay will create a new one; ` +
      'nothing was overwritten',
    cause,
  });
}

function isPermissionCode(code: string): boolean {
  return code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH';
}

/**
 * Map a failure from better-sqlite3 or the file system, met while using `file`, to a
 * RelayError. Already classified errors pass through unchanged.
 */
export function toStoreError(e: unknown, file: string): RelayError {
  if (e instanceof RelayError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code === 'string') {
    // Extended codes refine the primary one (SQLITE_CORRUPT_INDEX, SQLITE_NOTADB, ...).
    if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
      return notRelayDatabase(file, `SQLite reports: ${message}`, e);
    }
    // toRelayError owns the disk-full and permission messages, shared with ENOSPC and EACCES.
    if (code === 'SQLITE_FULL' || isPermissionCode(code)) return toRelayError(Object.assign(e as object, { path: file }));
    if (code.startsWith('SQLITE_')) {
      return new RelayError('E_STORE', `cannot use ${file}: ${message} (${code})`, {
        hint: 'relay doctor checks the database, its permissions and whether another process holds it',
        cause: e,
      });
    }
  }
  return toRelayError(e);
}
