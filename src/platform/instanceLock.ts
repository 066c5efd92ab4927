/**
 * The single-daemon lock. It is an exclusive SQLite lock (POSIX fcntl underneath) held on
 * `run/daemon.lock` for the life of the daemon: the kernel drops it when the process dies, even
 * by `kill -9`, so a stale lock cannot exist and two concurrent starts cannot both win.
 */
import Database from 'better-sqlite3';
import { closeSync, openSync, truncateSync } from 'node:fs';
import { FILE_MODE } from './paths.js';

export interface InstanceLock {
  release(): void;
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Take the lock, or return null when a live process holds it. */
export function acquireInstanceLock(file: string): InstanceLock | null {
  try {
    return tryLock(file);
  } catch (e) {
    // The lock file holds no data, only the lock: a damaged one is emptied and used again.
    if ((e as { code?: string }).code !== 'SQLITE_NOTADB') throw e;
    truncateSync(file, 0);
    return tryLock(file);
  }
}

function tryLock(file: string): InstanceLock | null {
  closeSync(openSync(file, 'a', FILE_MODE));
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
  const db = new Database(file, { timeout: 0 });
  try {
    // EXCLUSIVE locking mode keeps the write lock after the first commit until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, at INTEGER NOT NULL)');
    db.prepare('DELETE FROM holder').run();
    db.prepare('INSERT INTO holder (pid, at) VALUES (?, ?)').run(process.pid, Date.now());
    db.exec('COMMIT');
  } catch (e) {
    db.close();
    if (isBusy(e)) return null;
    throw e;
  }
  return { release: () => db.close() };
}

/** True when some process holds the lock now (used by `relay doctor`). */
export function isInstanceLockHeld(file: string): boolean {
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0, fileMustExist: true });
  } catch {
    return false;
  }
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return false;
  } catch (e) {
    if (isBusy(e)) return true;
    throw e;
  } finally {
    db.close();
  }
}
