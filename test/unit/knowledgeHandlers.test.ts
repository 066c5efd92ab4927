import assert from 'node:assert/strict';
import { tempDatabase } from '../helpers/tempDatabase.js';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import type { Envelope } from '../../src/bus/envelope.js';
import { MAX_FACT_BYTES } from '../../src/protocol/knowledgeProtocol.js';
import { ManualClock } from '../../src/platform/clock.js';
import { RelayError } from '../../src/platform/errors.js';
import { knowledgeHandlers } from '../../src/supervisor/handlers/knowledgeHandlers.js';

/** The handlers over a fresh relay.db; closed and removed after the test. */
function handlers(t: TestContext) {
  const db = tempDatabase(t, 'knowh').open();
  const h = knowledgeHandlers(db, new ManualClock(42_000));
  const env = {} as Envelope;
  // Payloads arrive from other processes: the tests send what the types would not allow.
  return {
    remember: (payload: unknown) => h['knowledge.remember'](payload as never, env),
    recall: (payload: unknown) => h['knowledge.recall'](payload as never, env),
  };
}

function assertUsage(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RelayError, `expected a RelayError, got ${String(e)}`);
    assert.equal(e.code, 'E_USAGE');
    assert.match(e.message, message);
    return true;
  });
}

test('remember scopes a fact to the project at cwd by default, or globally; recall finds both from below', async (t) => {
  const h = handlers(t);
  const project = await h.remember({ text: 'lint with eslint --max-warnings 0', cwd: '/w/app' });
  assert.deepEqual(project, { id: 1, scope: 'project:/w/app', existed: false });
  const global = await h.remember({ text: 'prefer small commits over big lint sweeps', scope: 'global', cwd: '/w/app', tags: ['Git'] });
  assert.equal(global.scope, 'global');
  assert.deepEqual(await h.remember({ text: 'lint with eslint --max-warnings 0', scope: 'project', cwd: '/w/app/' }), { ...project, existed: true });

  const { facts } = await h.recall({ query: 'lint', cwd: '/w/app/src' });
  assert.deepEqual(facts.map((f) => f.id).sort(), [project.id, global.id]);
  assert.equal(facts.find((f) => f.id === global.id)?.createdAt, 42_000, 'time comes from the injected clock');
  assert.deepEqual(facts.find((f) => f.id === global.id)?.tags, ['git']);
  assert.deepEqual((await h.recall({ query: 'lint', cwd: '/elsewhere' })).facts.map((f) => f.id), [global.id]);
  assert.equal((await h.recall({ query: 'lint', cwd: '/w/app', limit: 1 })).facts.length, 1);
});

test('remember and recall refuse bad payloads with E_USAGE naming the field', (t) => {
  const h = handlers(t);
  assertUsage(() => h.remember({ text: '   ', cwd: '/w' }), /^text is empty/);
  assertUsage(() => h.remember({ cwd: '/w' }), /^text is empty/);
  assertUsage(() => h.remember(undefined), /^text is empty/);
  assertUsage(() => h.remember({ text: 'é'.repeat(MAX_FACT_BYTES / 2 + 1), cwd: '/w' }), /^text is 8194 bytes, over the 8192-byte limit/);
  assertUsage(() => h.remember({ text: 'x', cwd: 'relative/dir' }), /^cwd must be an absolute directory path/);
  assertUsage(() => h.remember({ text: 'x', cwd: 7 }), /^cwd must be an absolute/);
  assertUsage(() => h.remember({ text: 'x', cwd: '/w', scope: 'project:/etc' }), /^scope must be "global" or "project"/);
  assertUsage(() => h.remember({ text: 'x', cwd: '/w', tags: 'build' }), /^tags must be a list of strings/);
  assertUsage(() => h.remember({ text: 'x', cwd: '/w', tags: ['a', 3] }), /^tags must be a list of strings/);
  assertUsage(() => h.remember({ text: 'x', cwd: '/w', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), /^21 tags given/);
  assertUsage(() => h.recall({ query: '', cwd: '/w' }), /^query is empty/);
  assertUsage(() => h.recall({ query: 'x'.repeat(MAX_FACT_BYTES + 1), cwd: '/w' }), /^query is 8193 bytes/);
  assertUsage(() => h.recall({ query: 'x', cwd: '' }), /^cwd must be/);
  for (const limit of [0, -1, 1.5, '3', Number.NaN]) {
    assertUsage(() => h.recall({ query: 'x', cwd: '/w', limit }), /^limit must be a whole number from 1 to 50/);
  }
  // Exactly at the cap is accepted.
  assert.doesNotThrow(() => h.remember({ text: 'x'.repeat(MAX_FACT_BYTES), cwd: '/w' }));
});

test('fuzz: any payload is answered or refused with E_USAGE, never another error', async (t) => {
  const h = handlers(t);
  // What msgpackr can decode, and then some: BigInts, Maps, typed arrays, null prototypes.
  const any = fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true });
  const payload = fc.record(
    {
      text: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), any),
      query: fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), any),
      cwd: fc.oneof(fc.constantFrom('/w', '/w/app', '/', 'rel'), any),
      scope: fc.oneof(fc.constantFrom('global', 'project'), any),
      tags: fc.oneof(fc.array(fc.string({ maxLength: 20 }), { maxLength: 25 }), any),
      limit: fc.oneof(fc.integer({ min: -3, max: 80 }), any),
    },
    { requiredKeys: [] },
  );
  await fc.assert(
    fc.asyncProperty(payload, async (p) => {
      for (const call of [h.remember, h.recall]) {
        try {
          await call(p);
        } catch (e) {
          assert.ok(e instanceof RelayError && e.code === 'E_USAGE', `unexpected ${String(e)}`);
        }
      }
    }),
    { numRuns: 1000 },
  );
});
