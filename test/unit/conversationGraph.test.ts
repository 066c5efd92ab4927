import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RelayError } from '../../src/platform/errors.js';
import { ConversationRepo, type Conversation } from '../../src/store/conversationRepo.js';
import type { Database } from '../../src/store/database.js';
import { latestVersion, MIGRATIONS, schemaVersion } from '../../src/store/migrations.js';
import { tempDatabase } from '../helpers/tempDatabase.js';

function repoOf(t: TestContext): { db: Database; repo: ConversationRepo } {
  const db = tempDatabase(t, 'graph').open();
  return { db, repo: new ConversationRepo(db) };
}

const messageCount = (db: Database): number => db.prepare('SELECT count(*) FROM messages').pluck().get() as number;

/** A session with these turns, alternately user and assistant. */
function conversation(repo: ConversationRepo, turns: string[], at = 1): Conversation {
  const c = repo.create('ask', at);
  turns.forEach((content, i) => repo.append({ sessionId: c.id, role: i % 2 === 0 ? 'user' : 'assistant', content, status: 'complete', at: at + i }));
  return repo.find(c.id)!;
}

const say = (repo: ConversationRepo, c: Conversation, content: string, at = 100) =>
  repo.append({ sessionId: c.id, role: 'user', content, status: 'complete', at });

const contents = (repo: ConversationRepo, c: Conversation): string[] => repo.history(c.id).map((m) => m.content);

/** The call must throw E_USAGE whose message matches `message`. */
function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE' && message.test(e.message));
}

test('a fork copies no messages: one session row, one edge, the same history', (t) => {
  const { db, repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1', 'q2', 'a2']);
  const before = messageCount(db);
  const b = repo.fork(`#${a.number}`, 50, { name: 'try redis' });
  assert.equal(messageCount(db), before);
  assert.equal(b.headId, a.headId);
  assert.equal(b.name, 'try redis');
  assert.equal(b.origin, 'fork');
  assert.deepEqual(contents(repo, b), ['q1', 'a1', 'q2', 'a2']);
  const { parents } = repo.edges(b.id);
  assert.deepEqual(parents.map((e) => [e.kind, e.parent, e.atMessage]), [['fork', a.id, a.headId]]);
  assert.deepEqual(repo.edges(a.id).children.map((e) => e.child), [b.id]);
  assert.equal(repo.lineage(String(b.number)), `fork of #${a.number}`);
  assert.equal(repo.lineage(a.id), '');
});

test("a forked session's history is the parent's chain plus its own new messages; the parent's is untouched", (t) => {
  const { repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1']);
  const b = repo.fork(a.id, 10);
  say(repo, b, 'only in b');
  say(repo, a, 'only in a');
  assert.deepEqual(contents(repo, b), ['q1', 'a1', 'only in b']);
  assert.deepEqual(contents(repo, a), ['q1', 'a1', 'only in a']);
});

test('a fork at an earlier message starts there; a message outside the history is refused', (t) => {
  const { repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1', 'q2', 'a2']);
  const q1 = repo.history(a.id)[0]!;
  const b = repo.fork(a.id, 10, { atMessage: q1.id });
  assert.deepEqual(contents(repo, b), ['q1']);
  assert.equal(repo.edges(b.id).parents[0]?.atMessage, q1.id);
  const other = conversation(repo, ['elsewhere']);
  refused(() => repo.fork(a.id, 11, { atMessage: other.headId! }), new RegExp(`not in #${a.number}'s history`));
});

test('sessions resolve by number, #number, id and a unique prefix; unknown and ambiguous refs are refused clearly', (t) => {
  const { db, repo } = repoOf(t);
  const insert = db.prepare("INSERT INTO sessions (id, number, origin, created_at, updated_at) VALUES (?, ?, 'ask', 1, 1)");
  insert.run('1a2b0000-0000-4000-8000-000000000001', 3);
  insert.run('1a2c0000-0000-4000-8000-000000000002', 7);
  insert.run('9f9f0000-0000-4000-8000-000000000003', 12);
  assert.equal(repo.resolve('12').number, 12);
  assert.equal(repo.resolve('#3').id, '1a2b0000-0000-4000-8000-000000000001');
  assert.equal(repo.resolve('1a2c0000-0000-4000-8000-000000000002').number, 7);
  assert.equal(repo.resolve('9f9f').number, 12);
  assert.equal(repo.resolve('1a2b').number, 3);
  assert.throws(
    () => repo.resolve('1a2'),
    (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE' && e.message === 'no session 1a2',
  );
  assert.throws(
    () => repo.resolve('13'),
    (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE' && e.message === 'no session 13' && e.hint === 'relay session list',
  );
  assert.throws(
    () => repo.resolve('1a2x'),
    (e: unknown) => e instanceof RelayError && e.message === 'no session 1a2x',
  );
  // A fourth session shares the prefix: it no longer means one session.
  insert.run('1a2b9999-0000-4000-8000-000000000004', 8);
  refused(() => repo.resolve('1a2b'), /^1a2b matches more than one session: #3 1a2b0000…, #8 1a2b9999…$/);
  // A bare number that is no session's number is still a prefix.
  insert.run('4242aaaa-0000-4000-8000-000000000005', 9);
  assert.equal(repo.resolve('4242').number, 9);
});

test('a merge is a derived session: a root "Derived" message and one merge edge per parent head', (t) => {
  const { db, repo } = repoOf(t);
  const a = conversation(repo, ['postgres plan']);
  const b = conversation(repo, ['redis plan']);
  const before = messageCount(db);
  const m = repo.merge([String(a.number), b.id], 20, 'both plans');
  assert.equal(messageCount(db), before + 1);
  const history = repo.history(m.id);
  assert.equal(history.length, 1);
  assert.equal(history[0]!.role, 'system');
  assert.equal(history[0]!.content, `Derived: #${a.number} #${b.number}`);
  assert.equal(history[0]!.parentId, undefined);
  assert.equal(m.origin, 'merge');
  assert.equal(m.name, 'both plans');
  assert.deepEqual(
    repo.edges(m.id).parents.map((e) => [e.kind, e.parent, e.atMessage]),
    [['merge', a.id, a.headId], ['merge', b.id, b.headId]],
  );
  assert.equal(repo.lineage(`#${m.number}`), `Derived: #${a.number} #${b.number}`);
  const row = repo.list().find((s) => s.id === m.id)!;
  assert.deepEqual([row.messages, row.parents], [1, [a.number, b.number]]);
});

test('merges that mean nothing are refused with the reason', (t) => {
  const { repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1']);
  const b = conversation(repo, ['other']);
  const empty = repo.create('new', 5);
  refused(() => repo.merge([`#${a.number}`, String(a.number)], 9), new RegExp(`cannot merge #${a.number} with itself`));
  refused(() => repo.merge([a.id], 9), /at least 2 different sessions/);
  refused(() => repo.merge([a.id, empty.id], 9), new RegExp(`#${empty.number} has no messages`));
  // A fork that has not moved on adds nothing to its parent, nor one whose parent moved on alone.
  const f = repo.fork(a.id, 10);
  refused(() => repo.merge([a.id, f.id], 11), new RegExp(`#${a.number} and #${f.number} end at the same message`));
  const g = repo.fork(a.id, 10);
  say(repo, g, 'g only');
  refused(() => repo.merge([a.id, g.id], 11), new RegExp(`#${a.number} adds nothing to #${g.number}: its last message is already in #${g.number}'s history`));
  // Once both sides have their own turns the merge means something.
  say(repo, f, 'forked turn');
  say(repo, a, 'parent turn');
  assert.equal(repo.lineage(repo.merge([a.id, f.id, b.id], 12).id), `Derived: #${a.number} #${f.number} #${b.number}`);
});

test('attach adds an edge at the source head; self-attach and cycles are refused, transitively', (t) => {
  const { repo } = repoOf(t);
  const a = conversation(repo, ['a']);
  const b = conversation(repo, ['b']);
  const c = conversation(repo, ['c']);
  repo.attach(`#${a.number}`, `#${b.number}`, 10);
  assert.deepEqual(repo.edges(a.id).parents.map((e) => [e.kind, e.parent, e.atMessage]), [['attach', b.id, b.headId]]);
  assert.equal(repo.lineage(a.id), `attached #${b.number}`);
  refused(() => repo.attach(a.id, a.id, 11), /cannot attach .* to itself/);
  refused(() => repo.attach(b.id, a.id, 11), /would make a cycle/);
  repo.attach(b.id, c.id, 12); // a ← b ← c
  refused(() => repo.attach(c.id, a.id, 13), new RegExp(`#${a.number} already comes from #${c.number}`));
  refused(() => repo.addEdge(c.id, a.id, 'handoff', a.headId, 13), /would make a cycle/);
  // A fork's parent cannot take from the fork either: it already comes from it.
  const f = repo.fork(a.id, 14);
  say(repo, f, 'more');
  refused(() => repo.attach(a.id, f.id, 15), /would make a cycle/);
});

test('addEdge records handoffs and imports with their note, at a message of the parent', (t) => {
  const { repo } = repoOf(t);
  const claude = conversation(repo, ['fix the login bug', 'working on it']);
  const codex = repo.create('wrap', 20);
  const edge = repo.addEdge(codex.id, claude.id, 'handoff', claude.headId, 21, 'claude → codex (limit, resets 10:57)');
  assert.deepEqual(
    { kind: edge.kind, child: edge.child, parent: edge.parent, atMessage: edge.atMessage, note: edge.note, createdAt: edge.createdAt },
    { kind: 'handoff', child: codex.id, parent: claude.id, atMessage: claude.headId, note: 'claude → codex (limit, resets 10:57)', createdAt: 21 },
  );
  assert.equal(repo.lineage(codex.id), `handoff from #${claude.number} (claude → codex (limit, resets 10:57))`);
  const other = conversation(repo, ['x']);
  refused(() => repo.addEdge(codex.id, claude.id, 'import', other.headId, 22), /not in .* history/);
  refused(() => repo.addEdge(codex.id, codex.id, 'import', undefined, 22), /cannot join .* to itself/);
});

test("deleting a session keeps every other session's history and the edges to it", (t) => {
  const { db, repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1']);
  const b = repo.fork(a.id, 10);
  say(repo, b, 'b1');
  say(repo, a, 'a-only');
  const m = repo.merge([a.id, b.id], 20);
  const bHistory = repo.history(b.id);
  const mergedAt = repo.edges(m.id).parents.find((e) => e.parent === a.id)!.atMessage!;
  repo.delete(`#${a.number}`);
  assert.equal(repo.find(a.id), undefined);
  assert.deepEqual(repo.history(b.id), bHistory);
  // The merge edge keeps the deleted parent's id, and the messages it was made at stay.
  assert.equal(repo.lineage(m.id), `Derived: deleted ${a.id.slice(0, 8)} #${b.number}`);
  assert.equal(repo.message(mergedAt)?.content, 'a-only');
  assert.deepEqual(repo.list().map((s) => s.id).sort(), [b.id, m.id].sort());
  // Deleting the merge frees what only it held: a's last message, and its own.
  const before = messageCount(db);
  repo.delete(m.id);
  assert.equal(messageCount(db), before - 2);
  assert.equal(repo.message(mergedAt), undefined);
  assert.deepEqual(repo.history(b.id), bHistory);
  // The last session takes the rest; nothing is left behind.
  repo.delete(b.id);
  assert.equal(messageCount(db), 0);
  assert.equal(db.prepare('SELECT count(*) FROM edges').pluck().get(), 0);
});

test("deleting a fork's parent first, then the fork, leaves a sibling fork's shared prefix", (t) => {
  const { db, repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1']);
  const b = repo.fork(a.id, 10);
  const c = repo.fork(a.id, 11);
  say(repo, b, 'b1');
  say(repo, c, 'c1');
  repo.delete(a.id);
  assert.equal(messageCount(db), 4);
  repo.delete(b.id);
  assert.deepEqual(contents(repo, c), ['q1', 'a1', 'c1']);
  assert.equal(messageCount(db), 3);
  refused(() => repo.delete(a.id), /^no session /);
});

test('the common ancestor is the fork point; each side since it is what the other lacks', (t) => {
  const { repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1']);
  const forkPoint = a.headId!;
  const b = repo.fork(a.id, 10);
  say(repo, a, 'a2');
  say(repo, a, 'a3');
  say(repo, b, 'b2');
  const a2 = repo.find(a.id)!;
  const b2 = repo.find(b.id)!;
  assert.equal(repo.commonAncestor(a2.headId!, b2.headId!), forkPoint);
  assert.equal(repo.commonAncestor(b2.headId!, a2.headId!), forkPoint);
  assert.deepEqual(repo.sinceAncestor(a.id, b.id).map((m) => m.content), ['a2', 'a3']);
  assert.deepEqual(repo.sinceAncestor(b.id, a.id).map((m) => m.content), ['b2']);
  // A head inside the other's chain: that side has nothing since.
  const c = repo.fork(a.id, 20, { atMessage: forkPoint });
  assert.equal(repo.commonAncestor(a2.headId!, forkPoint), forkPoint);
  assert.deepEqual(repo.sinceAncestor(c.id, a.id), []);
  // Unrelated chains share nothing: the whole chain is this side's.
  const x = conversation(repo, ['x1', 'x2']);
  assert.equal(repo.commonAncestor(a2.headId!, x.headId!), undefined);
  assert.deepEqual(repo.sinceAncestor(x.id, a.id).map((m) => m.content), ['x1', 'x2']);
});

test('list is newest first with chain lengths and parents; rename changes only the name', (t) => {
  const { repo } = repoOf(t);
  const a = conversation(repo, ['q1', 'a1', 'q2'], 1);
  const b = repo.fork(a.id, 50);
  say(repo, b, 'b1', 51);
  const renamed = repo.rename(`#${b.number}`, '  redis idea ');
  assert.equal(renamed.name, 'redis idea');
  assert.equal(renamed.headId, repo.find(b.id)!.headId);
  refused(() => repo.rename(b.id, '   '), /cannot be empty/);
  assert.deepEqual(
    repo.list().map((s) => [s.number, s.name, s.messages, s.parents]),
    [[b.number, 'redis idea', 4, [a.number]], [a.number, undefined, 3, []]],
  );
});

test('a v8 database migrates to edges and message depths and keeps every session and message', (t) => {
  const fixture = tempDatabase(t, 'graph-v8');
  const old = fixture.open(fixture.file, { migrations: MIGRATIONS.slice(0, 8) });
  assert.equal(schemaVersion(old), 8);
  // Rows as the v8 repo wrote them (today's repo needs the edges table to exist).
  const a = { id: 'aaaa0000-0000-4000-8000-000000000001', number: 1 };
  const b = { id: 'bbbb0000-0000-4000-8000-000000000002', number: 2 };
  const session = old.prepare("INSERT INTO sessions (id, number, name, head_id, origin, created_at, updated_at) VALUES (?, ?, ?, ?, 'ask', 1, 9)");
  const message = old.prepare("INSERT INTO messages (id, parent_id, session_id, role, content, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  for (let i = 0; i < 5; i++) message.run(`a-m${i}`, i === 0 ? null : `a-m${i - 1}`, a.id, i % 2 ? 'assistant' : 'user', `m${i}`, 2 + i);
  message.run('b-m0', null, b.id, 'user', 'other', 11);
  session.run(a.id, a.number, 'before', 'a-m4');
  session.run(b.id, b.number, null, 'b-m0');
  const sessions = old.prepare('SELECT * FROM sessions ORDER BY id').all();
  const messages = old.prepare('SELECT * FROM messages ORDER BY id').all();
  old.close();

  const db = fixture.open();
  assert.equal(schemaVersion(db), latestVersion());
  assert.deepEqual(db.prepare('SELECT * FROM sessions ORDER BY id').all(), sessions);
  // Every message as it was, plus its depth in its chain (migration 11): the root is 1.
  const migrated = db.prepare('SELECT * FROM messages ORDER BY id').all() as Array<{ id: string; depth: number }>;
  assert.deepEqual(
    migrated.map(({ depth: _depth, ...row }) => row),
    messages,
  );
  assert.deepEqual(
    migrated.map((m) => [m.id, m.depth]),
    [['a-m0', 1], ['a-m1', 2], ['a-m2', 3], ['a-m3', 4], ['a-m4', 5], ['b-m0', 1]],
  );
  const repo = new ConversationRepo(db);
  assert.deepEqual(
    repo
      .list()
      .map((s) => [s.number, s.messages])
      .sort((x, y) => x[0]! - y[0]!),
    [[1, 5], [2, 1]],
  );
  assert.deepEqual(repo.history(a.id).map((m) => m.content), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.deepEqual(repo.history(b.id).map((m) => m.content), ['other']);
  assert.equal(repo.lineage(a.id), '');
  const f = repo.fork(`#${a.number}`, 20);
  assert.equal(repo.lineage(f.id), `fork of #${a.number}`);
});
