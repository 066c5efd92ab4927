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

/**
 * What relay.db holds, for the line that tells a user to move a damaged one aside: what they
 * lose, and that the snapshot files themselves stay.
 */
const DATABASE_CONTENTS = 'the event log, agent history, relay sessions, limits, knowledge and the index of snapshots (the snapshot files stay)';

/**
 * SQLite's own text on one line: quick_check reports "*** in database main ***" and then one
 * line per problem, which would break the one-line error. The first problem is kept, the rest
 * counted.
 */
export function sqliteText(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^\*\*\* in database \w+ \*\*\*$/.test(l));
  if (lines.length === 0) return text.trim();
  const more = lines.length - 1;
  return more === 0 ? lines[0]! : `${lines[0]} (and ${more} more problem${more === 1 ? '' : 's'})`;
}

/**
 * The error for a relay.db whose pages are damaged (a crash of the disk or the file system, a
 * partial copy). One line: SQLite's first complaint, and the fix with the file named.
 */
export function damagedDatabase(file: string, sqliteSays: string, cause?: unknown): RelayError {
  return new RelayError('E_STORE_CORRUPT', `${file} is damaged (SQLite: ${sqliteText(sqliteSays)})`, {
    hint:
      `move it aside: mv ${shellQuote(file)} ${shellQuote(`${file}.corrupt`)}; Relay then creates a new one, ` +
      `without what the old one held: ${DATABASE_CONTENTS}. Nothing was overwritten`,
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
    if (code.startsWith('SQLITE_CORRUPT')) return damagedDatabase(file, message, e);
    if (code.startsWith('SQLITE_NOTADB')) return notRelayDatabase(file, `SQLite reports: ${sqliteText(message)}`, e);
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
