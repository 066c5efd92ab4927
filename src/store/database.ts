/**
 * Opening relay.db. A file that is not a healthy Relay database is refused before anything is
 * written to it, so the user can move it aside with every byte intact; a good one gets its
 * pragmas and pending migrations.
 */
import { chmodSync, closeSync, existsSync, openSync, readSync, rmSync, statSync, type Stats } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { RelayError } from '../platform/errors.js';
import { FILE_MODE } from '../platform/paths.js';
import { assertKnownSchema, migrate, MIGRATIONS, type Migration } from './migrations.js';
import { damagedDatabase, notRelayDatabase, toStoreError } from './storeError.js';

/** An open connection to relay.db. */
export type Database = BetterSqlite3.Database;

export interface OpenDatabaseOptions {
  /** Read only (`relay doctor` while the daemon runs): no migrations, no pragma that writes. */
  readonly?: boolean;
  /** The schema to bring the file to; tests pass a prefix to build an older database. */
  migrations?: readonly Migration[];
}

/** Every SQLite 3 file starts with these 16 bytes (sqlite.org/fileformat.html, 1.3). */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * How long a statement waits for another connection's lock before SQLITE_BUSY. The daemon's
 * writer and readers such as `relay doctor` share the file; a WAL checkpoint or a large batch
 * holds a lock for milliseconds, so 5 s only runs out when something is truly stuck.
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Open (creating if missing, mode 0600) the database at `file` and migrate it to the newest
 * schema. Throws RelayError: E_STORE_CORRUPT for a file that is not SQLite, is damaged or
 * belongs to another program; E_STORE_NEWER for a newer Relay's schema; E_DISK_FULL; E_STORE
 * for anything else SQLite refuses (and, read-only, for a missing file). A refused file is
 * never written, truncated or deleted.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Database {
  const readonly = opts.readonly ?? false;
  const migrations = opts.migrations ?? MIGRATIONS;
  try {
    if (!inspectFile(file)) {
      if (readonly) {
        throw new RelayError('E_STORE', `there is no database at ${file}`, {
          hint: 'start the daemon once (relay daemon start) and it will create one',
        });
      }
      // Created here rather than by SQLite so it is 0600 from the first byte; SQLite gives
      // the -wal and -shm files the main file's mode.
      closeSync(openSync(file, 'a', FILE_MODE));
    }
    const checked = openChecked(file, migrations);
    if (readonly) return checked;
    checked.close();
    const db = new BetterSqlite3(file, { fileMustExist: true });
    try {
      configure(db, migrations);
    } catch (e) {
      db.close();
      throw e;
    }
    restrictModes(file);
    return db;
  } catch (e) {
    throw toStoreError(e, file);
  }
}

/**
 * A read-only connection to a file that passed every check that needs SQLite: a Relay
 * schema this version knows, and no damaged page. The checks run read-only because closing
 * a read-write connection can checkpoint a WAL left by a crash into the file, and a refused
 * file must keep every byte.
 */
function openChecked(file: string, migrations: readonly Migration[]): Database {
  const sidecars = [`${file}-wal`, `${file}-shm`].filter((path) => !existsSync(path));
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    setConnectionPragmas(db);
    assertKnownSchema(db, migrations);
    assertIntact(db, file);
    return db;
  } catch (e) {
    db.close();
    // SQLite made an empty -wal and -shm to read a WAL-mode file; a read-only close leaves
    // them. Remove those two (only if this call made them) so a refusal leaves no trace.
    for (const path of sidecars) rmSync(path, { force: true });
    throw e;
  }
}

/** Settings that live in the connection, not the file, so every open sets them. */
function setConnectionPragmas(db: Database): void {
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Off by default in SQLite and per connection: without it REFERENCES clauses are ignored.
  db.pragma('foreign_keys = ON');
}

/** The pragmas that write, then the pending migrations: only for a file that passed the checks. */
function configure(db: Database, migrations: readonly Migration[]): void {
  setConnectionPragmas(db);
  // Persistent in the file: readers (doctor, daemon tail) never block the writer or each other.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') {
    throw new RelayError('E_STORE', `${db.name} cannot use write-ahead logging (journal mode stays ${String(mode)})`, {
      hint: 'keep RELAY_HOME on a local disk, not a network file system',
    });
  }
  // Per connection. In WAL, NORMAL syncs at checkpoints, not at every commit: still safe
  // against a crash of Relay, and on power loss only the last commits can be lost. FULL's
  // fsync per commit would cap the event log far below 50,000 events/s. (better-sqlite3's
  // build already defaults WAL connections to NORMAL; set here so it does not depend on that.)
  db.pragma('synchronous = NORMAL');
  migrate(db, migrations);
}

/**
 * Cheap check before SQLite sees the file: false when it does not exist; otherwise it must be
 * a regular file that is empty (a new database) or starts with the SQLite header.
 */
function inspectFile(file: string): boolean {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
  if (!st.isFile()) throw notRelayDatabase(file, st.isDirectory() ? 'it is a directory' : 'it is not a regular file');
  if (st.size === 0) return true;
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read < head.length || !head.equals(SQLITE_HEADER)) {
    throw notRelayDatabase(file, 'it does not start with the SQLite header');
  }
  return true;
}

/**
 * Read every page once (quick_check: structure, not index contents) so a damaged file is
 * refused now, before a migration or WAL switch writes to it, instead of failing some later
 * query. It runs at about 1 GB/s and relay.db is pruned, so this costs milliseconds.
 */
function assertIntact(db: Database, file: string): void {
  const problems = db.pragma('quick_check') as { quick_check: string }[];
  const first = problems[0]?.quick_check;
  if (first !== 'ok') throw damagedDatabase(file, first ?? 'quick_check returned nothing');
}

/** The database holds prompts and transcripts: owner only, as the home directory is. */
function restrictModes(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      continue; // -wal and -shm exist only while a connection has the file open.
    }
    if ((st.mode & 0o077) !== 0) chmodSync(path, FILE_MODE);
  }
}
