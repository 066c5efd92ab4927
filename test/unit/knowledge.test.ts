import assert from 'node:assert/strict';
import { tempDatabase } from '../helpers/tempDatabase.js';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { REDACTED } from '../../src/platform/redact.js';
import type { Database, OpenDatabaseOptions } from '../../src/store/database.js';
import {
  factKey,
  KnowledgeRepo,
  MAX_RECALL,
  RECALL_WINDOW,
  normalizeTags,
  projectScope,
  scopesFor,
  toFtsQuery,
} from '../../src/store/knowledgeRepo.js';
import type { KnowledgeScope } from '../../src/protocol/knowledgeProtocol.js';
import { MIGRATIONS, schemaVersion } from '../../src/store/migrations.js';

/** A fresh relay.db in a temp dir; closed, removed and checked gone after the test. */
function fixture(t: TestContext) {
  const { file, open } = tempDatabase(t, 'know');
  return { file, open: (opts?: OpenDatabaseOptions): Database => open(file, opts), repo: () => new KnowledgeRepo(open()) };
}

/** FTS5's own check that the index holds exactly the rows of the content table. */
function assertIndexInSync(db: Database): void {
  db.exec("INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('integrity-check', 1)");
}

const APP = projectScope('/w/app');

test('migration 4 adds knowledge, its FTS5 index and the triggers', (t) => {
  const db = fixture(t).open();
  const m = MIGRATIONS[3];
  assert.equal(m?.version, 4);
  assert.equal(m?.name, 'knowledge');
  assert.ok(schemaVersion(db) >= 4);
  const columns = (db.pragma('table_info(knowledge)') as { name: string }[]).map((c) => c.name);
  // `key` is migration 8's (fact keys).
  assert.deepEqual(columns, ['id', 'scope', 'text', 'tags', 'created_at', 'key']);
  const objects = db
    .prepare("SELECT type || ' ' || name FROM sqlite_schema WHERE name LIKE 'knowledge%' ORDER BY 1")
    .pluck()
    .all();
  for (const o of ['table knowledge_fts', 'trigger knowledge_ai', 'trigger knowledge_ad', 'trigger knowledge_au', 'index knowledge_scope_text']) {
    assert.ok(objects.includes(o), `${o} missing from ${objects.join(', ')}`);
  }
});

test('a version 3 database is brought to version 4 and can remember at once', (t) => {
  const f = fixture(t);
  f.open({ migrations: MIGRATIONS.slice(0, 3) }).close();
  const db = f.open();
  assert.ok(schemaVersion(db) >= 4);
  const repo = new KnowledgeRepo(db);
  const { id } = repo.remember({ scope: 'global', text: 'upgraded databases remember too', now: 1 });
  assert.deepEqual(repo.recall({ query: 'upgraded' }).map((f) => f.id), [id]);
});

test('recall ranks the facts matching more of the query, and tags, first', (t) => {
  const repo = fixture(t).repo();
  const one = repo.remember({ scope: 'global', text: 'The build uses esbuild for bundling', now: 1 }).id;
  const both = repo.remember({ scope: 'global', text: 'Run the integration tests after every build', now: 2 }).id;
  const tagged = repo.remember({ scope: 'global', text: 'Use node --test with tsx', tags: ['tests', 'integration'], now: 3 }).id;
  repo.remember({ scope: 'global', text: 'The dashboard listens on 127.0.0.1', now: 4 });

  const facts = repo.recall({ query: 'integration tests build' });
  assert.deepEqual(facts.map((f) => f.id).sort(), [one, both, tagged].sort(), 'only the facts with a query word');
  assert.equal(facts[facts.length - 1]!.id, one, 'one word of three ranks last');
  assert.ok(facts.every((f, i) => i === 0 || facts[i - 1]!.rank <= f.rank), 'sorted by bm25, best (lowest) first');
  assert.ok(facts.every((f) => f.rank < 0), 'bm25 of a match is negative');
  assert.deepEqual(facts.find((f) => f.id === tagged)?.tags, ['tests', 'integration']);

  // A query word found only in the tags still finds the fact (tags are indexed and weighted).
  assert.deepEqual(repo.recall({ query: 'integration' }).map((f) => f.id)[0], tagged);
  // Stemming: "bundle" finds "bundling".
  assert.deepEqual(repo.recall({ query: 'bundle' }).map((f) => f.id), [one]);
  // A question's filler words match nothing: every fact here has "the" or "with".
  assert.deepEqual(repo.recall({ query: 'How do I listen with the dashboard?' }).map((f) => f.text), ['The dashboard listens on 127.0.0.1']);
});

test('recall sees global facts and those of every project containing cwd, nothing else', (t) => {
  const repo = fixture(t).repo();
  const at = (scope: KnowledgeScope, text: string): number => repo.remember({ scope, text, now: 1 }).id;
  const global = at('global', 'deploy with care');
  const app = at(APP, 'deploy the app with make deploy');
  const appSub = at(projectScope('/w/app/pkg/'), 'deploy the package with npm publish');
  const twin = at(projectScope('/w/app-two'), 'deploy app-two with helm');
  const other = at(projectScope('/w/other'), 'deploy other with terraform');

  const ids = (cwd?: string): number[] => repo.recall({ query: 'deploy', ...(cwd ? { cwd } : {}) }).map((f) => f.id).sort();
  assert.deepEqual(ids('/w/app'), [global, app].sort());
  assert.deepEqual(ids('/w/app/pkg/src'), [global, app, appSub].sort());
  assert.deepEqual(ids('/w/app-two'), [global, twin].sort(), 'a sibling whose name extends the project is not inside it');
  assert.deepEqual(ids('/w'), [global]);
  assert.deepEqual(ids(), [global], 'without cwd only global facts');
  assert.deepEqual(ids('relative/w/app'), [global], 'a relative cwd is inside no project');
  assert.deepEqual(repo.recall({ query: 'deploy', scope: projectScope('/w/other') }).map((f) => f.id), [other]);
  assert.deepEqual(scopesFor('/w/app/'), ['global', 'project:/w/app', 'project:/w', 'project:/']);
});

test('the same text in the same scope is one fact; its tags merge; other scopes keep their own', (t) => {
  const f = fixture(t);
  const db = f.open();
  const repo = new KnowledgeRepo(db);
  const first = repo.remember({ scope: APP, text: 'Tests need Docker running', tags: ['tests'], now: 1 });
  assert.equal(first.existed, false);
  const again = repo.remember({ scope: APP, text: '  Tests need Docker running\n', tags: ['Docker', 'tests'], now: 2 });
  assert.deepEqual(again, { id: first.id, existed: true });
  const stored = repo.get(first.id);
  assert.deepEqual(stored?.tags, ['tests', 'docker']);
  assert.equal(stored?.createdAt, 1, 'the first remembering keeps its time');
  // The update trigger re-indexed the row: the new tag finds it, and only once.
  assert.deepEqual(repo.recall({ query: 'docker', cwd: '/w/app' }).map((x) => x.id), [first.id]);
  const elsewhere = repo.remember({ scope: 'global', text: 'Tests need Docker running', now: 3 });
  assert.notEqual(elsewhere.id, first.id);
  assert.equal(db.prepare('SELECT count(*) FROM knowledge').pluck().get(), 2);
  assertIndexInSync(db);
});

test('forget removes the fact from the table and the index', (t) => {
  const db = fixture(t).open();
  const repo = new KnowledgeRepo(db);
  const { id } = repo.remember({ scope: 'global', text: 'the staging password rotates monthly', now: 1 });
  const keep = repo.remember({ scope: 'global', text: 'staging lives in eu-west-1', now: 2 }).id;
  assert.equal(repo.forget(id), true);
  assert.equal(repo.forget(id), false);
  assert.equal(repo.get(id), undefined);
  assert.deepEqual(repo.recall({ query: 'staging rotates' }).map((f) => f.id), [keep]);
  assertIndexInSync(db);
});

test('secrets are redacted before they are stored, in the text and in the tags', (t) => {
  const db = fixture(t).open();
  const repo = new KnowledgeRepo(db);
  const key = `sk-ant-${'a1B2'.repeat(8)}`;
  const { id } = repo.remember({
    scope: 'global',
    text: `The CI key is ${key}, sent as Authorization: Bearer ${'Zx9'.repeat(8)}`,
    tags: ['ci', key],
    now: 1,
  });
  const raw = db.prepare('SELECT text || tags FROM knowledge WHERE id = ?').pluck().get(id) as string;
  assert.doesNotMatch(raw, /a1B2a1B2|Zx9Zx9/);
  const [fact] = repo.recall({ query: 'CI key' });
  assert.equal(fact?.text, `The CI key is ${REDACTED}, sent as Authorization: Bearer ${REDACTED}`);
  assert.deepEqual(fact?.tags, ['ci', REDACTED]);
  assert.deepEqual(repo.recall({ query: key }), [], 'the secret itself is not in the index');
});

test('query text is never read as FTS5 syntax', (t) => {
  const repo = fixture(t).repo();
  const id = repo.remember({ scope: 'global', text: 'alpha beta gamma', tags: ['greek'], now: 1 }).id;
  // Each of these would change the meaning of a raw FTS5 query or fail to parse as one.
  const probes: Array<[string, number[]]> = [
    ['alpha NOT beta', [id]], // NOT as an operator would exclude the fact
    ['NEAR(alpha gamma, 0)', [id]],
    ['tags:nothing alpha', [id]], // a column filter would restrict to tags
    ['"alpha', [id]],
    ['alpha"', [id]],
    ['(((', []],
    ['* ^ : - + { } ,', []],
    ['AND OR NOT', []],
    ['"" OR ""', []],
    ['', []],
    ['\u0000alpha\u0000', [id]],
    ['ALPHA', [id]],
    ['\ud800beta', [id]],
  ];
  for (const [query, expected] of probes) {
    assert.deepEqual(repo.recall({ query }).map((f) => f.id), expected, `query ${JSON.stringify(query)}`);
  }
  assert.equal(toFtsQuery('alpha NOT "ga"mma*'), '"alpha" OR "not" OR "ga" OR "mma"');
  assert.equal(toFtsQuery('how do I run the "tests"?'), '"run" OR "tests"', 'stop words are left out');
  assert.equal(toFtsQuery('What is this'), '"what" OR "is" OR "this"', 'unless nothing else is left');
  assert.equal(toFtsQuery('  ?!  '), null);
});

test('fuzz: recall never throws and never leaves the visible scopes, whatever the query', (t) => {
  const db = fixture(t).open();
  const repo = new KnowledgeRepo(db);
  const words = ['deploy', 'tests', 'AND', 'OR', 'NOT', 'NEAR', 'text', 'tags', 'rank', 'rowid', 'é', '日本語', '😀'];
  for (const [i, w] of words.entries()) {
    repo.remember({ scope: i % 2 ? 'global' : projectScope(`/p${i % 3}`), text: `${w} fact ${i}`, tags: [w], now: i });
  }
  const syntax = fc.constantFrom('"', "'", '(', ')', '*', '^', ':', '-', '+', ',', '{', '}', '.', ' ', '\\', '\0', '\n', '\ud800', 'NEAR(', ...words);
  const query = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.array(syntax, { maxLength: 20 }).map((parts) => parts.join('')),
  );
  const cwd = fc.constantFrom(undefined, '/p0', '/p1/sub', '/p2', '/elsewhere', 'relative');
  fc.assert(
    fc.property(query, cwd, fc.integer({ min: -5, max: 500 }), (q, dir, limit) => {
      const facts = repo.recall({ query: q, limit, ...(dir ? { cwd: dir } : {}) });
      const visible = new Set<string>(scopesFor(dir));
      assert.ok(facts.length <= MAX_RECALL);
      for (const f of facts) assert.ok(visible.has(f.scope), `${f.scope} is not visible from ${dir}`);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.array(fc.string({ maxLength: 50 }), { maxLength: 30 }), (text, tags) => {
      // Remembering arbitrary text and tags never throws either (the handler refuses blank text first).
      if (text.trim() !== '') repo.remember({ scope: 'global', text, tags, now: 0 });
    }),
    { numRuns: 500 },
  );
  assertIndexInSync(db);
});

test('recall honours its limit and caps it', (t) => {
  const repo = fixture(t).repo();
  for (let i = 0; i < MAX_RECALL + 5; i++) repo.remember({ scope: 'global', text: `fact number ${i}`, now: i });
  assert.equal(repo.recall({ query: 'fact', limit: 3 }).length, 3);
  assert.equal(repo.recall({ query: 'fact', limit: 10_000 }).length, MAX_RECALL);
  assert.equal(repo.recall({ query: 'fact', limit: 0 }).length, 1, 'a limit below one is one');
  // Equal relevance: the newest first.
  assert.deepEqual(repo.recall({ query: 'fact', limit: 2 }).map((f) => f.text), [`fact number ${MAX_RECALL + 4}`, `fact number ${MAX_RECALL + 3}`]);
});

test('tags are stored lower case, one word each, unique and bounded', () => {
  assert.deepEqual(normalizeTags([' Build ', 'build', 'CI pipeline', '', 'x'.repeat(100)]), ['build', 'ci-pipeline', 'x'.repeat(40)]);
  assert.equal(normalizeTags(Array.from({ length: 50 }, (_, i) => `t${i}`)).length, 20);
  assert.deepEqual(normalizeTags(undefined), []);
});

test('a fact named by the words before its colon: keys are short names, not URLs or prose', () => {
  assert.equal(factKey('deploy: make ship'), 'deploy');
  assert.equal(factKey('  DB Password  Rotation:  monthly'), 'db password rotation');
  assert.equal(factKey('http://example.com is the docs'), undefined);
  assert.equal(factKey('we always deploy on fridays'), undefined);
  assert.equal(factKey('note:'), undefined, 'no value, no key');
});

test('remembering a key again replaces its text in that scope, keeps the index in sync, and forget removes it', (t) => {
  const f = fixture(t);
  const db = f.open();
  const repo = new KnowledgeRepo(db);
  const first = repo.remember({ scope: APP, text: 'deploy: make ship', now: 1 });
  const again = repo.remember({ scope: APP, text: 'Deploy: make release', now: 2 });
  assert.equal(again.id, first.id);
  assert.equal(again.updated, true);
  assert.deepEqual(repo.list([APP]).map((x) => x.text), ['Deploy: make release']);
  assert.deepEqual(repo.recall({ query: 'ship', cwd: '/w/app' }), [], 'the old text is out of the index');
  // The same key elsewhere is another fact.
  repo.remember({ scope: 'global', text: 'deploy: ask ops', now: 3 });
  assert.equal(repo.list(['global', APP]).length, 2);
  assertIndexInSync(db);
  assert.equal(repo.forgetKey('DEPLOY', [APP]), 1);
  assert.deepEqual(repo.list(['global', APP]).map((x) => x.text), ['deploy: ask ops']);
  db.close();
});

test('a version 7 database gains fact keys and keeps every fact, which stay keyless until remembered again', (t) => {
  const f = fixture(t);
  const v7 = f.open({ migrations: MIGRATIONS.slice(0, 7) });
  v7.prepare("INSERT INTO knowledge (scope, text, tags, created_at) VALUES ('global', 'deploy: make ship', '', 1)").run();
  v7.close();
  const db = f.open();
  const repo = new KnowledgeRepo(db);
  assert.deepEqual(repo.list(['global']).map((x) => [x.text, x.key]), [['deploy: make ship', undefined]]);
  assert.equal(repo.remember({ scope: 'global', text: 'deploy: make ship', now: 2 }).existed, true);
  db.close();
});

test('recall: the facts with every word first; then any word', (t) => {
  const repo = fixture(t).repo();
  const at = (n: number) => ({ scope: 'global' as const, now: n });
  repo.remember({ ...at(1), text: 'the deploy script lives in ops/' });
  repo.remember({ ...at(2), text: 'staging deploy needs the vpn and the deploy key' });
  repo.remember({ ...at(3), text: 'staging is at staging.example.com' });
  const texts = repo.recall({ query: 'staging deploy', limit: 3 }).map((f) => f.text);
  assert.equal(texts[0], 'staging deploy needs the vpn and the deploy key', 'both words');
  assert.deepEqual(new Set(texts.slice(1)), new Set(['the deploy script lives in ops/', 'staging is at staging.example.com']), 'then either');
});

test(`recall: a word in more than ${RECALL_WINDOW} facts is ranked among the newest of them`, (t) => {
  const repo = fixture(t).repo();
  repo.remember({ scope: 'global', now: 1, text: 'cache cache cache: the oldest, and the best match' });
  for (let i = 0; i < RECALL_WINDOW + 10; i++) repo.remember({ scope: 'global', now: 2 + i, text: `note ${i} about the cache and other things of the day` });
  const found = repo.recall({ query: 'cache', limit: 5 });
  assert.equal(found.length, 5);
  assert.ok(found.every((f) => f.text.startsWith('note')), 'the oldest fact is past the window');
  const rare = repo.recall({ query: 'oldest', limit: 5 });
  assert.equal(rare[0]?.text, 'cache cache cache: the oldest, and the best match', 'a rarer word still finds it');
});
