/** relay.db files in a temp dir per test: every database opened through it is closed, then the dir goes. */
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openDatabase, type Database, type OpenDatabaseOptions } from '../../src/store/database.js';
import { tempDir } from './tempDir.js';

export interface TempDatabase {
  dir: string;
  /** `<dir>/relay.db`. */
  file: string;
  /** Open `file` (default: {@link file}) through the project's own openDatabase. */
  open(file?: string, opts?: OpenDatabaseOptions): Database;
}

export function tempDatabase(t: TestContext, prefix: string): TempDatabase {
  const dbs: Database[] = [];
  const dir = tempDir(t, prefix, () => {
    for (const db of dbs) if (db.open) db.close();
  });
  const file = join(dir, 'relay.db');
  return {
    dir,
    file,
    open(path = file, opts) {
      const db = openDatabase(path, opts);
      dbs.push(db);
      return db;
    },
  };
}
