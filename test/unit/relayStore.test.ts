import assert from 'node:assert/strict';
import { tempDatabase } from '../helpers/tempDatabase.js';
import { test, type TestContext } from 'node:test';
import { LimitLedger } from '../../src/limits/limitLedger.js';
import { ManualClock } from '../../src/platform/clock.js';
import { AgentsRepo } from '../../src/store/agentsRepo.js';
import type { Database, OpenDatabaseOptions } from '../../src/store/database.js';
import { LimitsRepo } from '../../src/store/limitsRepo.js';
import { latestVersion, MIGRATIONS, schemaVersion } from '../../src/store/migrations.js';
import { RelayRepo, type RelaySessionRow } from '../../src/store/relayRepo.js';
import type { SnapshotInfo } from '../../src/protocol/relayProtocol.js';
import { SnapshotsRepo } from '../../src/store/snapshotsRepo.js';

/** A fresh relay.db in a temp dir; closed, removed and checked gone after the test. */
function fixture(t: TestContext) {
  const db = tempDatabase(t, 'rstore');
  return { file: db.file, open: (opts?: OpenDatabaseOptions): Database => db.open(db.file, opts) };
}

function session(id: string, o: Partial<RelaySessionRow> = {}): RelaySessionRow {
  return {
    id,
    order: ['claude', 'codex', 'cli:aider'],
    state: 'running',
    activeAgent: 'claude-1',
    resumeAt: null,
    cwd: '/work/it\'s here',
    task: 'fix the "parser"',
    createdAt: 1000,
    updatedAt: 1000,
    ...o,
  };
}

function snapshot(id: string, o: Partial<SnapshotInfo> = {}): SnapshotInfo {
  return {
    id,
    relaySession: 'r1',
    fromAgent: 'claude-1',
    toAgent: null,
    reason: 'claude.session_limit',
    limitedUntil: 5000,
    path: `/h/snapshots/${id}.md`,
    createdAt: 2000,
    ...o,
  };
}

test('migration 3 adds relay_sessions, snapshots and limits with the agreed columns', (t) => {
  const db = fixture(t).open();
  assert.equal(MIGRATIONS[2]?.name, 'relay');
  assert.equal(schemaVersion(db), latestVersion());
  const columns = (table: string) => (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
  assert.deepEqual(columns('relay_sessions'), ['id', 'order_json', 'state', 'active_agent', 'resume_at', 'cwd', 'task', 'created_at', 'updated_at']);
  assert.deepEqual(columns('snapshots'), ['id', 'relay_session', 'from_agent', 'to_agent', 'reason', 'limited_until', 'path', 'created_at']);
  assert.deepEqual(columns('limits'), ['name', 'until', 'source', 'rule', 'at']);
});

test('a version 2 database is brought to version 3 with its agents intact', (t) => {
  const f = fixture(t);
  const old = f.open({ migrations: MIGRATIONS.slice(0, 2) });
  new AgentsRepo(old).upsert({
    id: 'claude-1', kind: 'claude', name: 'claude', command: ['claude'], cwd: '/w', state: 'running',
    pid: 7, exitReason: null, exitCode: null, createdAt: 1, updatedAt: 1,
  });
  old.close();
  const db = f.open();
  assert.equal(schemaVersion(db), latestVersion());
  assert.equal(new AgentsRepo(db).get('claude-1')?.pid, 7);
  assert.deepEqual(new RelayRepo(db).list(), []);
});

test('relay sessions round-trip, update in place and keep their creation time', (t) => {
  const repo = new RelayRepo(fixture(t).open());
  repo.upsert(session('r1'));
  assert.deepEqual(repo.get('r1'), session('r1'));
  repo.upsert(session('r1', { state: 'stranded', activeAgent: 'codex-1', resumeAt: 9000, createdAt: 1, updatedAt: 3000 }));
  assert.deepEqual(repo.get('r1'), session('r1', { state: 'stranded', activeAgent: 'codex-1', resumeAt: 9000, updatedAt: 3000 }));
  repo.upsert(session('r0', { createdAt: 500, task: null, activeAgent: null }));
  assert.deepEqual(repo.list().map((s) => s.id), ['r0', 'r1']);
  assert.equal(repo.get('nope'), undefined);
});

test('endAllOpen ends what a previous daemon left running or stranded, and only that', (t) => {
  const repo = new RelayRepo(fixture(t).open());
  repo.upsert(session('a', { state: 'running' }));
  repo.upsert(session('b', { state: 'stranded', resumeAt: 9000 }));
  repo.upsert(session('c', { state: 'ended', updatedAt: 1 }));
  assert.equal(repo.endAllOpen(7000), 2);
  assert.deepEqual(repo.list().map((s) => [s.id, s.state, s.resumeAt, s.updatedAt]), [
    ['a', 'ended', null, 7000],
    ['b', 'ended', null, 7000],
    ['c', 'ended', null, 1],
  ]);
});

test('snapshots: insert, get, newest first, per session, and where they went', (t) => {
  const repo = new SnapshotsRepo(fixture(t).open());
  repo.insert(snapshot('20261121-110502-claude-3f9a', { createdAt: 2000 }));
  repo.insert(snapshot('20261121-120000-codex-0001', { createdAt: 3000, fromAgent: 'codex-1', limitedUntil: null }));
  repo.insert(snapshot('20261121-130000-gemini-0002', { createdAt: 4000, relaySession: 'r2' }));
  assert.deepEqual(repo.get('20261121-110502-claude-3f9a'), snapshot('20261121-110502-claude-3f9a'));
  assert.deepEqual(repo.list().map((s) => s.id), ['20261121-130000-gemini-0002', '20261121-120000-codex-0001', '20261121-110502-claude-3f9a']);
  assert.deepEqual(repo.list({ relaySession: 'r1', limit: 1 }).map((s) => s.id), ['20261121-120000-codex-0001']);
  assert.equal(repo.setToAgent('20261121-110502-claude-3f9a', 'codex-1'), true);
  assert.equal(repo.get('20261121-110502-claude-3f9a')?.toAgent, 'codex-1');
  assert.equal(repo.setToAgent('missing', 'x'), false);
  assert.throws(() => repo.insert(snapshot('20261121-110502-claude-3f9a')), /UNIQUE/);
});

test('a snapshot is found by a unique prefix, never by an ambiguous one or a wildcard', (t) => {
  const repo = new SnapshotsRepo(fixture(t).open());
  repo.insert(snapshot('20261121-110502-claude-3f9a'));
  repo.insert(snapshot('20261121-110502-claude-77aa'));
  repo.insert(snapshot('20261122-090000-codex-0001'));
  assert.equal(repo.find('20261122')?.id, '20261122-090000-codex-0001');
  assert.equal(repo.find('20261121-110502-claude-3')?.id, '20261121-110502-claude-3f9a');
  assert.equal(repo.find('20261121'), undefined, 'two match');
  assert.equal(repo.find('2026112_'), undefined, '_ is not a wildcard');
  assert.equal(repo.find('%'), undefined, '% is not a wildcard');
  assert.equal(repo.find(''), undefined);
});

test('limits are one row per agent name', (t) => {
  const repo = new LimitsRepo(fixture(t).open());
  repo.upsert({ name: 'claude', until: 5000, source: 'pty', rule: 'claude.session_limit', at: 1 });
  repo.upsert({ name: 'claude', until: 6000, source: 'hook:claude', rule: 'claude.stop_failure', at: 2 });
  repo.upsert({ name: 'codex', until: 4000, source: 'pty', rule: 'codex.usage_limit', at: 3 });
  assert.deepEqual(repo.list().map((l) => [l.name, l.until, l.source]), [
    ['codex', 4000, 'pty'],
    ['claude', 6000, 'hook:claude'],
  ]);
  assert.equal(repo.delete('codex'), true);
  assert.equal(repo.delete('codex'), false);
  assert.equal(repo.get('codex'), undefined);
});

test('the ledger: limited until the reset, free at and after it, shared by every agent of a name', (t) => {
  const clock = new ManualClock(1000);
  const ledger = new LimitLedger(new LimitsRepo(fixture(t).open()), clock);
  assert.equal(ledger.limitedUntil('claude', 1000), null, 'never limited');
  const row = ledger.record('claude', 5000, 'pty', 'claude.session_limit');
  assert.deepEqual(row, { name: 'claude', until: 5000, source: 'pty', rule: 'claude.session_limit', at: 1000 });
  assert.equal(ledger.limitedUntil('claude', 1000), 5000);
  assert.equal(ledger.limitedUntil('claude', 4999), 5000);
  assert.equal(ledger.limitedUntil('claude', 5000), null, 'lifted at the reset time');
  assert.equal(ledger.current('claude', 2000)?.rule, 'claude.session_limit');
  assert.equal(ledger.current('claude', 6000), null);
});

test('the ledger keeps a later limit still in force over an earlier guess, and replaces an expired one', (t) => {
  const clock = new ManualClock(1000);
  const ledger = new LimitLedger(new LimitsRepo(fixture(t).open()), clock);
  ledger.record('claude', 50_000, 'pty', 'claude.session_limit');
  const kept = ledger.record('claude', 2_000, 'pty', 'claude.api_retry');
  assert.equal(kept.until, 50_000, 'a short cooldown guess must not shorten a known limit');
  assert.equal(ledger.record('claude', 60_000, 'hook:claude', 'claude.weekly').until, 60_000, 'a later one extends it');
  clock.advance(70_000);
  const fresh = ledger.record('claude', 80_000, 'pty', 'claude.api_retry');
  assert.deepEqual([fresh.until, fresh.rule, fresh.at], [80_000, 'claude.api_retry', 71_000]);
  ledger.clear('claude');
  assert.equal(ledger.limitedUntil('claude', clock.now()), null);
});

test('earliestReset is the soonest lift among limited names, null when none is limited', (t) => {
  const clock = new ManualClock(0);
  const ledger = new LimitLedger(new LimitsRepo(fixture(t).open()), clock);
  assert.equal(ledger.earliestReset(['claude', 'codex'], 0), null);
  assert.equal(ledger.earliestReset([], 0), null);
  ledger.record('claude', 9000, 'pty', 'r');
  ledger.record('codex', 4000, 'pty', 'r');
  ledger.record('gemini', 1000, 'pty', 'r');
  assert.equal(ledger.earliestReset(['claude', 'codex', 'gemini'], 0), 1000);
  assert.equal(ledger.earliestReset(['claude', 'codex', 'gemini'], 1000), 4000, 'gemini has lifted');
  assert.equal(ledger.earliestReset(['claude'], 0), 9000);
  assert.equal(ledger.earliestReset(['claude', 'codex', 'gemini'], 9000), null);
});
