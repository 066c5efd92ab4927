import assert from 'node:assert/strict';
import { tempDatabase } from '../helpers/tempDatabase.js';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import { ManualClock } from '../../src/platform/clock.js';
import { RelayError } from '../../src/platform/errors.js';
import { AgentsRepo, type AgentRow } from '../../src/store/agentsRepo.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from '../../src/store/database.js';
import type { EventRecord } from '../../src/protocol/eventRecord.js';
import { EventsRepo, prefixUpperBound } from '../../src/store/eventsRepo.js';
import { latestVersion, MIGRATIONS, schemaVersion, type Migration } from '../../src/store/migrations.js';
import { sqliteText, toStoreError } from '../../src/store/storeError.js';

/** A temp dir with a relay.db path in it; databases opened through it are closed, the dir removed and checked gone. */
function fixture(t: TestContext) {
  return tempDatabase(t, 'store');
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const modeOf = (file: string): number => statSync(file).mode & 0o777;

/** Open must refuse `file` with `code`, leaving its bytes and the directory listing as they were. */
function assertRefusedUntouched(file: string, code: string, message: RegExp, opts?: OpenDatabaseOptions): RelayError {
  const dir = join(file, '..');
  const before = { hash: sha256(file), listing: readdirSync(dir).sort() };
  let caught: unknown;
  assert.throws(
    () => openDatabase(file, opts),
    (e: unknown) => {
      caught = e;
      return e instanceof RelayError && e.code === code && message.test(e.message);
    },
  );
  assert.equal(sha256(file), before.hash, 'the refused file was modified');
  assert.deepEqual(readdirSync(dir).sort(), before.listing, 'files were left beside it');
  return caught as RelayError;
}

function ev(seq: number, type = 'agent.output', payload: Record<string, unknown> = { n: seq }): EventRecord {
  return { seq, at: 1_700_000_000_000 + seq, type, actor: 'agent:claude-1', payload };
}

function agent(id: string, overrides: Partial<AgentRow> = {}): AgentRow {
  return {
    id,
    kind: 'claude',
    name: `claude ${id}`,
    command: ['claude', '--model', 'opus', 'it\'s "quoted"'],
    cwd: '/home/dev/project',
    state: 'running',
    pid: 4242,
    exitReason: null,
    exitCode: null,
    createdAt: 1000,
    updatedAt: 1000,
    ...overrides,
  };
}

const tableNames = (db: Database): string[] =>
  db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all() as string[];

test('a new database is WAL with synchronous NORMAL, foreign keys on, and private to the user', (t) => {
  const old = process.umask(0o022); // the common default, under which files come out 0644
  t.after(() => process.umask(old));
  const f = fixture(t);
  const db = f.open(f.file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('synchronous', { simple: true }), 1); // NORMAL
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(schemaVersion(db), latestVersion());
  new EventsRepo(db).insertBatch([ev(1)]);
  assert.equal(modeOf(f.file), 0o600);
  assert.ok(existsSync(`${f.file}-wal`), 'a WAL database has a -wal file while open');
  assert.equal(modeOf(`${f.file}-wal`), 0o600);
  assert.equal(modeOf(`${f.file}-shm`), 0o600);
});

test('an existing database readable by others is made 0600 on open', (t) => {
  const f = fixture(t);
  f.open(f.file).close();
  chmodSync(f.file, 0o644);
  f.open(f.file);
  assert.equal(modeOf(f.file), 0o600);
});

test('an empty file is taken as a new database', (t) => {
  const f = fixture(t);
  closeSync(openSync(f.file, 'w', 0o600));
  const db = f.open(f.file);
  assert.deepEqual(tableNames(db), ['agents', 'budgets', 'edges', 'events', 'knowledge', 'knowledge_fts', 'knowledge_fts_config', 'knowledge_fts_data', 'knowledge_fts_docsize', 'knowledge_fts_idx', 'ledger', 'ledger_totals', 'limits', 'messages', 'relay_sessions', 'sessions', 'snapshots', 'summaries']);
});

test('a database written by an older Relay opens, migrates and keeps its events', (t) => {
  const f = fixture(t);
  const old = f.open(f.file, { migrations: MIGRATIONS.slice(0, 1) });
  new EventsRepo(old).insertBatch([ev(1, 'daemon.started'), ev(2), ev(3, 'daemon.stopped')]);
  assert.deepEqual(tableNames(old), ['events']);
  old.close();

  const db = f.open(f.file);
  assert.equal(schemaVersion(db), latestVersion());
  assert.ok(latestVersion() >= 2);
  assert.deepEqual(
    new EventsRepo(db).since(0).map((e) => [e.seq, e.type]),
    [
      [1, 'daemon.started'],
      [2, 'agent.output'],
      [3, 'daemon.stopped'],
    ],
  );
  const agents = new AgentsRepo(db);
  agents.upsert(agent('a1'));
  assert.equal(agents.get('a1')?.id, 'a1');
});

test('a failing migration leaves the file at the last complete version', (t) => {
  const f = fixture(t);
  f.open(f.file, { migrations: MIGRATIONS.slice(0, 1) }).close();
  const broken: Migration[] = [
    ...MIGRATIONS.slice(0, 1),
    { version: 2, name: 'broken', up: 'CREATE TABLE half_done (a); THIS IS NOT SQL;' },
  ];
  assert.throws(() => openDatabase(f.file, { migrations: broken }), { name: 'RelayError', code: 'E_STORE' });
  const db = f.open(f.file, { readonly: true });
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(tableNames(db), ['events']);
});

test('a migration list with a gap is refused before anything is written', (t) => {
  const f = fixture(t);
  const gap: Migration[] = [{ ...MIGRATIONS[0]!, version: 2 }];
  assert.throws(() => openDatabase(f.file, { migrations: gap }), { name: 'RelayError', code: 'E_INTERNAL' });
  assert.equal(statSync(f.file).size, 0);
});

test('a database from a newer Relay is refused with E_STORE_NEWER and left unchanged', (t) => {
  const f = fixture(t);
  f.open(f.file).close();
  const raw = new BetterSqlite3(f.file);
  raw.pragma('user_version = 99');
  raw.close();
  const e = assertRefusedUntouched(f.file, 'E_STORE_NEWER', new RegExp(`newer Relay \\(schema 99, this one knows ${MIGRATIONS.length}\\)`));
  assert.match(e.hint ?? '', /upgrade relay/);
  assertRefusedUntouched(f.file, 'E_STORE_NEWER', /schema 99/, { readonly: true });
});

test('files that are not Relay databases are refused with E_STORE_CORRUPT, byte for byte untouched', async (t) => {
  const f = fixture(t);
  // `damaged`: a real Relay database with bad pages, which gets its own line (SQLite's first
  // complaint, the .corrupt fix and what is lost); the others are not Relay databases at all.
  const cases: Array<{ name: string; make: (file: string) => void; message: RegExp; damaged?: boolean }> = [
    { name: 'random bytes', make: (file) => writeFileSync(file, randomBytes(8192)), message: /SQLite header/ },
    { name: 'a text file', make: (file) => writeFileSync(file, 'RELAY_HOME=/tmp\nnot a database\n'), message: /SQLite header/ },
    { name: 'a few bytes', make: (file) => writeFileSync(file, 'SQLite'), message: /SQLite header/ },
    {
      // Passes the header check, so SQLite itself must report it (SQLITE_NOTADB).
      name: 'the SQLite header followed by garbage',
      make: (file) => writeFileSync(file, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(8176, 0xff)])),
      message: /SQLite reports/,
    },
    {
      name: 'a Relay database with page 2 onwards scribbled over',
      make: (file) => scribbledDatabase(file, MIGRATIONS),
      message: /damaged|SQLite reports/,
      damaged: true,
    },
    {
      // Here a migration is pending: it must not run against the damaged file.
      name: 'an older Relay database with page 2 onwards scribbled over',
      make: (file) => scribbledDatabase(file, MIGRATIONS.slice(0, 1)),
      message: /damaged|SQLite reports/,
      damaged: true,
    },
    {
      name: "another program's SQLite database",
      make: (file) => {
        const raw = new BetterSqlite3(file);
        raw.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
        raw.close();
      },
      message: /belongs to another program/,
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const file = join(f.dir, `${c.name.replaceAll(/\W+/g, '-')}.db`);
      c.make(file);
      const e = assertRefusedUntouched(file, 'E_STORE_CORRUPT', c.message);
      if (c.damaged) {
        assert.ok(e.message.startsWith(`${file} is damaged (SQLite: `), e.message);
        assert.ok((e.hint ?? '').startsWith(`move it aside: mv ${file} ${file}.corrupt; `), e.hint);
        assert.match(e.hint ?? '', /the event log.*Nothing was overwritten/);
      } else {
        assert.ok(e.message.startsWith(`${file} is not a Relay database (`), e.message);
        assert.match(e.hint ?? '', /mv .*\.bad.*nothing was overwritten/);
      }
      assert.doesNotMatch(`${e.message} ${e.hint ?? ''}`, /\n/, 'one line');
      assert.equal(e.exitCode, 6);
      assertRefusedUntouched(file, 'E_STORE_CORRUPT', c.message, { readonly: true });
    });
  }
});

/** A real database with 500 events, closed, then (unless told not to) everything after page 1 overwritten. */
function scribbledDatabase(file: string, migrations: readonly Migration[], opts = { scribble: true }): void {
  const db = openDatabase(file, { migrations });
  new EventsRepo(db).insertBatch(Array.from({ length: 500 }, (_, i) => ev(i + 1)));
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close(); // checkpoints the WAL into the file
  if (opts.scribble) scribble(file, pageSize);
}

/** Overwrite every page after the first (which holds the header and the schema) with 0xa5. */
function scribble(file: string, pageSize: number): void {
  const size = statSync(file).size;
  assert.ok(size > 3 * pageSize, 'the fixture has pages to scribble over');
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(size - pageSize, 0xa5), 0, size - pageSize, pageSize);
  closeSync(fd);
}

test('a damaged database with a WAL left by a crash: neither file is written', (t) => {
  const f = fixture(t);
  const source = join(f.dir, 'source.db');
  scribbledDatabase(source, MIGRATIONS, { scribble: false });
  const writer = new BetterSqlite3(source);
  t.after(() => writer.close());
  writer.pragma('wal_autocheckpoint = 0'); // keep the commit in the WAL, as a crash would
  new AgentsRepo(writer).upsert(agent('a1'));
  // A copy taken while the writer is open is what a crash leaves: the file and a hot WAL.
  const file = join(f.dir, 'crashed.db');
  writeFileSync(file, readFileSync(source));
  writeFileSync(`${file}-wal`, readFileSync(`${source}-wal`));
  assert.ok(statSync(`${file}-wal`).size > 0);
  scribble(file, writer.pragma('page_size', { simple: true }) as number);
  const wal = sha256(`${file}-wal`);
  assertRefusedUntouched(file, 'E_STORE_CORRUPT', /damaged|SQLite reports/);
  assert.equal(sha256(`${file}-wal`), wal, 'the WAL was changed');
});

test('a directory where the database should be is refused and left alone', (t) => {
  const f = fixture(t);
  mkdirSync(f.file);
  assert.throws(() => openDatabase(f.file), { name: 'RelayError', code: 'E_STORE_CORRUPT', message: /is a directory/ });
  assert.ok(statSync(f.file).isDirectory());
});

test('a full database is reported as E_DISK_FULL, not as an internal error', (t) => {
  const f = fixture(t);
  const db = f.open(f.file);
  // SQLite answers SQLITE_FULL, exactly as for a full disk, once max_page_count is reached.
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  let caught: unknown;
  try {
    new EventsRepo(db).insertBatch(Array.from({ length: 200 }, (_, i) => ev(i + 1, 'agent.output', { text: 'x'.repeat(500) })));
  } catch (e) {
    caught = e;
  }
  assert.equal((caught as { code?: string } | undefined)?.code, 'SQLITE_FULL');
  const mapped = toStoreError(caught, f.file);
  assert.equal(mapped.code, 'E_DISK_FULL');
  assert.match(mapped.hint ?? '', /free some space/);
  assert.equal(new EventsRepo(db).lastSeq(), 0, 'the failed batch left nothing behind');
});

test('read-only open neither creates, migrates nor writes', (t) => {
  const f = fixture(t);
  assert.throws(() => openDatabase(f.file, { readonly: true }), { name: 'RelayError', code: 'E_STORE' });
  assert.equal(existsSync(f.file), false);

  const writer = f.open(f.file, { migrations: MIGRATIONS.slice(0, 1) });
  const events = new EventsRepo(writer);
  events.insertBatch([ev(1)]);
  const reader = f.open(f.file, { readonly: true });
  assert.equal(schemaVersion(reader), 1);
  events.insertBatch([ev(2)]); // the daemon keeps writing while doctor reads
  assert.deepEqual(new EventsRepo(reader).since(0).map((e) => e.seq), [1, 2]);
  assert.throws(() => reader.exec('DELETE FROM events'), { code: 'SQLITE_READONLY' });
});

test('events: insertBatch and since round-trip in seq order', (t) => {
  const f = fixture(t);
  const repo = new EventsRepo(f.open(f.file));
  assert.equal(repo.lastSeq(), 0);
  assert.deepEqual(repo.since(0), []);
  const payload = { text: 'héllo 😀', n: 1.5, ok: true, none: null, list: [1, 'two'] };
  repo.insertBatch([ev(3), ev(1, 'agent.started', payload), ev(2)]);
  repo.insertBatch([]);
  repo.insertBatch([ev(4, 'daemon.stopped')]);
  assert.equal(repo.lastSeq(), 4);
  const all = repo.since(0);
  assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4]);
  assert.deepEqual(all[0], ev(1, 'agent.started', payload));
  assert.deepEqual(repo.since(2).map((e) => e.seq), [3, 4]);
  assert.deepEqual(repo.since(4), []);
  assert.deepEqual(repo.since(0, { limit: 2 }).map((e) => e.seq), [1, 2]);
  assert.deepEqual(repo.since(1, { limit: 2 }).map((e) => e.seq), [2, 3]);
  assert.deepEqual(repo.since(0, { limit: 0 }), []);
});

test('events: a batch is all or nothing', (t) => {
  const f = fixture(t);
  const repo = new EventsRepo(f.open(f.file));
  repo.insertBatch([ev(1), ev(2)]);
  assert.throws(() => repo.insertBatch([ev(3), ev(4), ev(2)]), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
  assert.equal(repo.lastSeq(), 2);
  assert.deepEqual(repo.since(0).map((e) => e.seq), [1, 2]);
});

test('events: type prefixes match literally, including _ and %', (t) => {
  const f = fixture(t);
  const repo = new EventsRepo(f.open(f.file));
  const types = ['agent.started', 'agentx.started', 'agent_x.y', 'agentAx.y', '100%.done', '100x.done', 'agent.exited', 'agent'];
  repo.insertBatch(types.map((type, i) => ev(i + 1, type)));
  const typesFor = (typePrefix: string, seq = 0, limit?: number) =>
    repo.since(seq, { typePrefix, ...(limit === undefined ? {} : { limit }) }).map((e) => e.type);
  assert.deepEqual(typesFor('agent.'), ['agent.started', 'agent.exited']);
  assert.deepEqual(typesFor('agent_'), ['agent_x.y']); // LIKE 'agent_%' would also match agentx and agentAx
  assert.deepEqual(typesFor('100%'), ['100%.done']); // LIKE '100%%' would match 100x.done
  assert.deepEqual(typesFor('agent'), ['agent.started', 'agentx.started', 'agent_x.y', 'agentAx.y', 'agent.exited', 'agent']);
  assert.deepEqual(typesFor('agent.', 1), ['agent.exited']);
  assert.deepEqual(typesFor('agent', 0, 2), ['agent.started', 'agentx.started']);
  assert.deepEqual(typesFor('nothing'), []);
  assert.equal(typesFor('').length, types.length);
});

test('events: prefix filtering agrees with startsWith for any text (property)', (t) => {
  const f = fixture(t);
  const repo = new EventsRepo(f.open(f.file));
  // Characters at the edges of the ranges the upper bound must step over.
  const char = fc.constantFrom('a', 'b', '_', '%', '.', '\u007f', '\u0080', 'é', '\ud7ff', '\ue000', '\uffff', '😀', '\u{10ffff}');
  const text = fc.array(char, { maxLength: 4 }).map((cs) => cs.join(''));
  fc.assert(
    fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), text, (types, prefix) => {
      repo.pruneKeepingLast(0);
      repo.insertBatch(types.map((type, i) => ev(i + 1, type)));
      const got = repo.since(0, { typePrefix: prefix }).map((e) => e.seq);
      const want = types.flatMap((type, i) => (type.startsWith(prefix) ? [i + 1] : []));
      assert.deepEqual(got, want);
    }),
    { numRuns: 300 },
  );
  assert.equal(prefixUpperBound('agent.'), 'agent/');
  assert.equal(prefixUpperBound('a\u{10ffff}'), 'b');
  assert.equal(prefixUpperBound('\u{10ffff}'), null);
});

test('events: pruneKeepingLast keeps the newest n and reports how many went', (t) => {
  const f = fixture(t);
  const repo = new EventsRepo(f.open(f.file));
  assert.equal(repo.pruneKeepingLast(5), 0);
  repo.insertBatch([1, 2, 5, 9, 10, 11, 20].map((seq) => ev(seq))); // seqs need not be contiguous
  assert.equal(repo.pruneKeepingLast(3), 4);
  assert.deepEqual(repo.since(0).map((e) => e.seq), [10, 11, 20]);
  assert.equal(repo.pruneKeepingLast(3), 0);
  assert.equal(repo.pruneKeepingLast(10), 0);
  assert.equal(repo.lastSeq(), 20);
  assert.equal(repo.pruneKeepingLast(0), 3);
  assert.equal(repo.lastSeq(), 0);
  assert.throws(() => repo.pruneKeepingLast(-1), RangeError);
});

// Throughput is measured in `npm run bench`, not asserted here (timing belongs in benchmarks).
test('events: many batched inserts persist every row in order', (t) => {
  const f = fixture(t);
  const repo = new EventsRepo(f.open(f.file));
  const total = 100_000;
  const batch = 1000; // the daemon flushes in batches; each is one commit
  const payload = { chunk: 'x'.repeat(120), cols: 120, rows: 40 };
  for (let seq = 1; seq <= total; seq += batch) {
    repo.insertBatch(Array.from({ length: batch }, (_, i) => ev(seq + i, 'agent.output', payload)));
  }
  assert.equal(repo.lastSeq(), total);
  const tail = repo.since(total - 3);
  assert.deepEqual(tail.map((e) => e.seq), [total - 2, total - 1, total]);
  assert.deepEqual(tail[0]!.payload, payload);
});

test('agents: upsert, get, list and setState round-trip', (t) => {
  const f = fixture(t);
  const clock = new ManualClock(5000);
  const repo = new AgentsRepo(f.open(f.file), clock);
  assert.equal(repo.get('a1'), undefined);
  assert.deepEqual(repo.list(), []);

  repo.upsert(agent('a2', { createdAt: 2000, updatedAt: 2000, kind: 'codex', cwd: null, pid: null }));
  repo.upsert(agent('a1'));
  assert.deepEqual(repo.get('a1'), agent('a1'));
  assert.deepEqual(repo.list().map((a) => a.id), ['a1', 'a2']); // oldest first

  // An upsert replaces everything but the creation time.
  repo.upsert(agent('a1', { name: 'renamed', state: 'idle', createdAt: 9999, updatedAt: 3000 }));
  assert.deepEqual(repo.get('a1'), agent('a1', { name: 'renamed', state: 'idle', updatedAt: 3000 }));

  clock.advance(1000);
  assert.equal(repo.setState('a1', 'exited', { exitReason: 'rate_limited', exitCode: 1 }), true);
  assert.deepEqual(repo.get('a1'), agent('a1', {
    name: 'renamed',
    state: 'exited',
    exitReason: 'rate_limited',
    exitCode: 1,
    updatedAt: 6000,
  }));
  assert.equal(repo.setState('a1', 'spawning', { pid: null, exitReason: null, exitCode: null }), true);
  const row = repo.get('a1');
  assert.deepEqual([row?.state, row?.pid, row?.exitReason, row?.exitCode], ['spawning', null, null, null]);
  assert.equal(repo.setState('a1', 'running', { pid: 77 }), true);
  assert.equal(repo.get('a1')?.pid, 77);
  assert.equal(repo.setState('nope', 'running'), false);
  assert.equal(repo.get('a2')?.kind, 'codex');
});

test('regression: SQLite\'s quick_check text over several lines becomes one line: the first problem, the rest counted', () => {
  assert.equal(
    sqliteText('*** in database main ***\nTree 2 page 144 cell 1: Offset 0 out of range\nTree 2 page 144 cell 0: Offset 0 out of range'),
    'Tree 2 page 144 cell 1: Offset 0 out of range (and 1 more problem)',
  );
  assert.equal(sqliteText('*** in database main ***\nTree 2 page 144: free space corruption'), 'Tree 2 page 144: free space corruption');
  assert.equal(sqliteText('database disk image is malformed'), 'database disk image is malformed');
});
