import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetsRepo } from '../../src/store/budgetsRepo.js';
import { dayKey, firstDayKey, monthKey } from '../../src/store/calendarKeys.js';
import { LedgerRepo, type NewReservation } from '../../src/store/ledgerRepo.js';
import { latestVersion, MIGRATIONS, schemaVersion } from '../../src/store/migrations.js';
import { tempDatabase } from '../helpers/tempDatabase.js';

/** Local noon, so day arithmetic never lands on a DST edge. */
const DEC_3 = new Date(2026, 11, 3, 12).getTime();
const DEC_4 = new Date(2026, 11, 4, 12).getTime();

function call(callId: string, over: Partial<NewReservation> = {}): NewReservation {
  return { callId, taskId: 't1', provider: 'openai', model: 'gpt-4o-mini', worker: 'explainer', billing: 'metered', priced: true, reservedMicros: 1_000, reservedInputMicros: 200, at: DEC_3, ...over };
}

test('calendar keys are the local day and month', () => {
  assert.equal(dayKey(new Date(2026, 0, 31, 23, 59).getTime()), '2026-01-31');
  assert.equal(dayKey(new Date(2026, 1, 1, 0, 0).getTime()), '2026-02-01');
  assert.equal(monthKey(new Date(2026, 8, 9).getTime()), '2026-09');
  assert.equal(firstDayKey(new Date(2026, 2, 2, 8).getTime(), 3), '2026-02-28');
  assert.equal(firstDayKey(DEC_3, 1), '2026-12-03');
});

test('every write is once per call id: a repeated reservation, a second commit, a release after a commit change nothing', (t) => {
  const ledger = new LedgerRepo(tempDatabase(t, 'ledger').open());
  assert.equal(ledger.reserve(call('c1')), true);
  assert.equal(ledger.reserve(call('c1', { reservedMicros: 9_999 })), false);
  assert.equal(ledger.entry('c1')?.reservedMicros, 1_000);
  assert.deepEqual(ledger.dayTotal('2026-12-03'), { chargedMicros: 0, reservedMicros: 1_000 });

  assert.equal(ledger.commit('c1', { chargedMicros: 700, inputTokens: 50, outputTokens: 20 }, DEC_3 + 1), true);
  assert.equal(ledger.commit('c1', { chargedMicros: 5_000 }, DEC_3 + 2), false);
  assert.equal(ledger.release('c1', { chargedMicros: 0 }, DEC_3 + 3), false);
  const e = ledger.entry('c1');
  assert.equal(e?.state, 'committed');
  assert.equal(e?.chargedMicros, 700);
  assert.equal(e?.settledAt, DEC_3 + 1);
  assert.deepEqual(ledger.dayTotal('2026-12-03'), { chargedMicros: 700, reservedMicros: 0 });
  assert.deepEqual(ledger.monthTotal('2026-12'), { chargedMicros: 700, reservedMicros: 0 });
  assert.equal(ledger.commit('nobody', { chargedMicros: 1 }, DEC_3), false, 'an unknown call is not invented');
});

test('a release charges what was used and frees the rest; free calls never count', (t) => {
  const ledger = new LedgerRepo(tempDatabase(t, 'ledger').open());
  ledger.reserve(call('c1', { taskId: 'tA' }));
  ledger.reserve(call('c2', { taskId: 'tA', billing: 'local', provider: 'ollama', reservedMicros: 0, reservedInputMicros: 0 }));
  ledger.release('c1', { chargedMicros: 300 }, DEC_3);
  ledger.commit('c2', { chargedMicros: 0, inputTokens: 10, outputTokens: 10 }, DEC_3);
  assert.equal(ledger.entry('c1')?.state, 'released');
  assert.equal(ledger.taskHeld('tA'), 300);
  assert.deepEqual(ledger.dayTotal('2026-12-03'), { chargedMicros: 300, reservedMicros: 0 });
  assert.equal(ledger.reservedNow(), 0);
});

test('settleInterrupted closes what a dead daemon left open, charging the prompt part, and leaves live calls alone', (t) => {
  const ledger = new LedgerRepo(tempDatabase(t, 'ledger').open());
  ledger.reserve(call('dead1', { reservedMicros: 1_000, reservedInputMicros: 200 }));
  ledger.reserve(call('dead2', { reservedMicros: 500, reservedInputMicros: 500 }));
  ledger.reserve(call('live', { reservedMicros: 800, reservedInputMicros: 100 }));
  ledger.reserve(call('done'));
  ledger.commit('done', { chargedMicros: 10 }, DEC_3);

  assert.deepEqual(ledger.settleInterrupted(DEC_3 + 5, new Set(['live'])), { calls: 2, chargedMicros: 700 });
  assert.equal(ledger.entry('dead1')?.state, 'interrupted');
  assert.equal(ledger.entry('dead1')?.chargedMicros, 200);
  assert.equal(ledger.entry('dead1')?.settledAt, DEC_3 + 5);
  assert.equal(ledger.entry('live')?.state, 'reserved');
  assert.equal(ledger.entry('done')?.chargedMicros, 10);
  assert.deepEqual(ledger.dayTotal('2026-12-03'), { chargedMicros: 710, reservedMicros: 800 });
  assert.deepEqual(ledger.settleInterrupted(DEC_3 + 6, new Set(['live'])), { calls: 0, chargedMicros: 0 }, 'settled once');
});

test('the report groups by provider, model, worker and day from a first day on, unpriced calls counted apart', (t) => {
  const ledger = new LedgerRepo(tempDatabase(t, 'ledger').open());
  ledger.reserve(call('a', { at: DEC_3 }));
  ledger.commit('a', { chargedMicros: 400, inputTokens: 100, outputTokens: 10 }, DEC_3);
  ledger.reserve(call('b', { at: DEC_4, worker: 'reviewer' }));
  ledger.commit('b', { chargedMicros: 600, inputTokens: 200, outputTokens: 20 }, DEC_4);
  ledger.reserve(call('c', { at: DEC_4, provider: 'router', model: 'mystery', priced: false, reservedMicros: 0, reservedInputMicros: 0 }));
  ledger.commit('c', { chargedMicros: 0, priced: false, inputTokens: 5, outputTokens: 5 }, DEC_4);
  ledger.reserve(call('d', { at: DEC_4 }));
  ledger.reserve(call('old', { at: new Date(2026, 10, 1, 12).getTime() }));
  ledger.commit('old', { chargedMicros: 99_999 }, DEC_3);

  const r = ledger.report('2026-12-03');
  assert.deepEqual(r.byProvider, [
    { key: 'openai', calls: 3, inputTokens: 300, outputTokens: 30, costMicros: 2_000, unpricedCalls: 0 },
    { key: 'router', calls: 1, inputTokens: 5, outputTokens: 5, costMicros: 0, unpricedCalls: 1 },
  ]);
  assert.deepEqual(r.byModel.map((row) => row.key), ['openai/gpt-4o-mini', 'router/mystery']);
  assert.deepEqual(r.byWorker.map((row) => [row.key, row.costMicros]), [['explainer', 1_400], ['reviewer', 600]]);
  assert.deepEqual(r.byDay.map((row) => [row.key, row.calls, row.costMicros, row.unpricedCalls]), [['2026-12-04', 3, 1_600, 1], ['2026-12-03', 1, 400, 0]]);
});

test('budgets: set keeps the scopes not given, clear removes the ones named or all', (t) => {
  const budgets = new BudgetsRepo(tempDatabase(t, 'ledger').open());
  assert.deepEqual(budgets.get(), {});
  budgets.set({ dailyMicros: 1_000_000, monthlyMicros: 20_000_000 }, 1);
  assert.deepEqual(budgets.set({ taskMicros: 0, dailyMicros: 2_000_000 }, 2), { taskMicros: 0, dailyMicros: 2_000_000, monthlyMicros: 20_000_000 });
  assert.deepEqual(budgets.clear(['daily']), { taskMicros: 0, monthlyMicros: 20_000_000 });
  assert.deepEqual(budgets.clear(), {});
});

test('migrating a v6 database keeps its ledger and budgets, fills the totals, and settles its open rows in full', (t) => {
  const fixture = tempDatabase(t, 'ledger');
  const v6 = fixture.open(fixture.file, { migrations: MIGRATIONS.slice(0, 6) });
  assert.equal(schemaVersion(v6), 6);
  const insert = v6.prepare(
    `INSERT INTO ledger (call_id, task_id, provider, model, worker, billing, priced, state, reserved_micros, charged_micros, day, month, created_at)
     VALUES (?, 't', 'openai', 'gpt-4o', 'coder', ?, 1, ?, ?, ?, ?, '2026-12', 0)`,
  );
  insert.run('old-done', 'metered', 'committed', 900, 800, '2026-12-01');
  insert.run('old-open', 'metered', 'reserved', 300, 0, '2026-12-02');
  insert.run('old-free', 'subscription', 'committed', 0, 0, '2026-12-02');
  v6.prepare(`INSERT INTO budgets (scope, limit_micros, updated_at) VALUES ('daily', 1000000, 0)`).run();
  v6.close();

  const db = fixture.open();
  assert.equal(schemaVersion(db), latestVersion());
  const ledger = new LedgerRepo(db);
  assert.equal(ledger.entry('old-done')?.chargedMicros, 800);
  assert.equal(ledger.entry('old-open')?.reservedInputMicros, undefined);
  assert.equal(ledger.entry('old-free')?.billing, 'subscription');
  assert.deepEqual(new BudgetsRepo(db).get(), { dailyMicros: 1_000_000 });
  assert.deepEqual(ledger.dayTotal('2026-12-01'), { chargedMicros: 800, reservedMicros: 0 });
  assert.deepEqual(ledger.monthTotal('2026-12'), { chargedMicros: 800, reservedMicros: 300 });
  // Its prompt part is unknown: the whole reservation is charged rather than forgotten.
  assert.deepEqual(ledger.settleInterrupted(10), { calls: 1, chargedMicros: 300 });
  assert.deepEqual(ledger.monthTotal('2026-12'), { chargedMicros: 1_100, reservedMicros: 0 });
});
