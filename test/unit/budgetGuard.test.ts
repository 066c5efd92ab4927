import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { BudgetGuard, budgetGuardMachine, type BudgetRecord, type ReserveRequest } from '../../src/actors/budget/budgetGuard.js';
import { budgetRefusedError } from '../../src/actors/budget/budgetText.js';
import { ManualClock } from '../../src/platform/clock.js';
import { EXIT } from '../../src/platform/errors.js';
import type { Database } from '../../src/store/database.js';
import { formatBudgetState } from '../../src/ui/budgetView.js';
import { formatCostReport } from '../../src/ui/costReportView.js';
import { tempDatabase } from '../helpers/tempDatabase.js';

const DOLLAR = 1_000_000;
const CENT = 10_000;
/** Local noon on 3 Dec 2026: a day from here never crosses a DST edge. */
const NOON = new Date(2026, 11, 3, 12).getTime();
const HOUR = 3_600_000;

interface World {
  db: Database;
  clock: ManualClock;
  guard: BudgetGuard;
  records: BudgetRecord[];
}

function world(t: TestContext, opts: { allowUnpriced?: boolean; warnAt?: number } = {}): World {
  const db = tempDatabase(t, 'budget').open();
  const clock = new ManualClock(NOON);
  const records: BudgetRecord[] = [];
  const guard = new BudgetGuard({ db, clock, allowUnpriced: opts.allowUnpriced ?? false, warnAt: opts.warnAt ?? 0.8, record: (e) => records.push(e) });
  return { db, clock, guard, records };
}

let nextCall = 0;
function req(over: Partial<ReserveRequest> = {}): ReserveRequest {
  return { callId: `call-${++nextCall}`, taskId: 'task-1', provider: 'openai', model: 'gpt-4o-mini', worker: 'explainer', billing: 'metered', estimateMicros: 5 * CENT, ...over };
}

/** Spend `micros` today as one committed call. */
function spend(guard: BudgetGuard, micros: number, over: Partial<ReserveRequest> = {}): void {
  const r = req({ estimateMicros: micros, ...over });
  const result = guard.reserve(r);
  assert.equal(result.ok, true, `spending ${micros} µ$ was refused: ${result.ok ? '' : result.message}`);
  guard.commit(r.callId, { costMicros: micros });
}

test('a refusal names the limit, what is spent, what the call needed, and the command that raises it (exit 10)', (t) => {
  const { guard } = world(t);
  guard.set({ dailyMicros: DOLLAR });
  spend(guard, 98 * CENT);
  const result = guard.reserve(req({ estimateMicros: 5 * CENT }));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.message, 'daily budget too low for this call: $0.98 of $1.00 spent today; this call needs up to $0.05');
  assert.equal(result.hint, 'raise it with: relay budget set --daily 2');
  assert.deepEqual(result.refusal, { limit: 'daily', limitMicros: DOLLAR, spentMicros: 98 * CENT, neededMicros: 5 * CENT });
  const error = budgetRefusedError(result);
  assert.equal(error.code, 'E_BUDGET');
  assert.equal(error.exitCode, EXIT.budget);

  spend(guard, 2 * CENT);
  const reached = guard.reserve(req({ estimateMicros: CENT }));
  assert.equal(reached.ok ? '' : reached.message, 'daily budget reached: $1.00 of $1.00 spent today; this call needs up to $0.01');
});

test('a refusal counts calls in flight, says so, and one hint raises every limit the call exceeds', (t) => {
  const { guard } = world(t);
  guard.set({ dailyMicros: DOLLAR, monthlyMicros: DOLLAR });
  assert.equal(guard.reserve(req({ estimateMicros: 90 * CENT })).ok, true);
  const result = guard.reserve(req({ estimateMicros: 20 * CENT }));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.match(result.message, /^daily budget too low for this call: \$0\.90 of \$1\.00 spent today \(\$0\.90 of it reserved by calls in flight\)/);
  assert.equal(result.hint, 'raise them with: relay budget set --daily 2 --monthly 2');
});

test('the task limit holds per task: another task may still spend', (t) => {
  const { guard } = world(t);
  guard.set({ taskMicros: 50 * CENT });
  spend(guard, 40 * CENT, { taskId: 'A' });
  const refused = guard.reserve(req({ taskId: 'A', estimateMicros: 20 * CENT }));
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.equal(refused.refusal.limit, 'task');
    assert.equal(refused.message, 'task budget too low for this call: $0.40 of $0.50 spent on this task; this call needs up to $0.20');
    assert.equal(refused.hint, 'raise it with: relay budget set --task 1');
  }
  assert.equal(guard.reserve(req({ taskId: 'B', estimateMicros: 20 * CENT })).ok, true);
});

test('an unpriced metered model is refused under any limit unless allowed; with no limit it runs', (t) => {
  const strict = world(t);
  const unpriced = req({ provider: 'router', model: 'mystery', estimateMicros: undefined });
  assert.deepEqual(strict.guard.reserve(unpriced), { ok: true, warnings: [] }, 'no limit set: nothing to hold it to');
  strict.guard.set({ monthlyMicros: 20 * DOLLAR });
  const refused = strict.guard.reserve({ ...unpriced, callId: 'again' });
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.equal(refused.refusal.limit, 'unpriced');
    assert.equal(refused.message, 'router/mystery has no known price, and a monthly limit of $20.00 is set: its cost could not be held to it');
    assert.match(refused.hint, /prices: \{"router\/mystery": \{inputPrice: …, outputPrice: …\}\}.*budget\.allowUnpriced: true/);
  }

  const lenient = world(t, { allowUnpriced: true });
  lenient.guard.set({ dailyMicros: DOLLAR });
  const ok = lenient.guard.reserve(unpriced);
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.ok && ok.warnings, ['router/mystery is unpriced: its calls are allowed (budget.allowUnpriced) but their cost is not counted against your limits']);
  lenient.guard.commit(unpriced.callId, { usage: { inputTokens: 100, outputTokens: 50 } });
  const report = lenient.guard.report();
  assert.deepEqual(report.byModel, [{ key: 'router/mystery', calls: 1, inputTokens: 100, outputTokens: 50, costMicros: 0, unpricedCalls: 1 }]);
  assert.equal(lenient.guard.state().todayMicros, 0);
});

test('local models and subscriptions stay usable when the paid budget is spent, and are never counted', (t) => {
  const { guard } = world(t);
  guard.set({ dailyMicros: DOLLAR, taskMicros: DOLLAR });
  spend(guard, DOLLAR);
  assert.equal(guard.reserve(req({ estimateMicros: CENT })).ok, false);
  for (const billing of ['local', 'subscription'] as const) {
    const free = req({ billing, provider: billing === 'local' ? 'ollama' : 'claude', estimateMicros: undefined });
    assert.deepEqual(guard.reserve(free), { ok: true, warnings: [] });
    guard.commit(free.callId, { usage: { inputTokens: 10, outputTokens: 10, reportedCostMicros: 30 * CENT } });
  }
  assert.equal(guard.state().todayMicros, DOLLAR, 'a subscription CLI reporting a cost is not charged');
});

test('a warning comes once per limit and period when 80 % is reached, and again the next day', (t) => {
  const { guard, clock } = world(t);
  guard.set({ dailyMicros: DOLLAR });
  const warningsOf = (micros: number): string[] => {
    const r = req({ estimateMicros: micros });
    const result = guard.reserve(r);
    assert.equal(result.ok, true);
    guard.commit(r.callId, { costMicros: micros });
    return result.ok ? result.warnings : [];
  };
  assert.deepEqual(warningsOf(50 * CENT), []);
  assert.deepEqual(warningsOf(31 * CENT), ['daily budget 81 % used: $0.81 of $1.00 spent today']);
  assert.deepEqual(warningsOf(5 * CENT), [], 'once per day');
  clock.advance(24 * HOUR);
  assert.deepEqual(warningsOf(79 * CENT), []);
  assert.deepEqual(warningsOf(CENT), ['daily budget 80 % used: $0.80 of $1.00 spent today']);
});

test('a repeated reservation is the same reservation: nothing held twice', (t) => {
  const { guard } = world(t);
  guard.set({ dailyMicros: DOLLAR });
  const r = req({ estimateMicros: 60 * CENT });
  assert.equal(guard.reserve(r).ok, true);
  assert.equal(guard.reserve(r).ok, true);
  assert.equal(guard.state().todayMicros, 60 * CENT);
  guard.commit(r.callId, { costMicros: 10 * CENT });
  guard.commit(r.callId, { costMicros: 90 * CENT });
  guard.release(r.callId, 90 * CENT);
  assert.equal(guard.state().todayMicros, 10 * CENT);
});

test('limits hold under 500 interleaved reservations, commits and releases in random order', (t) => {
  const fixture = tempDatabase(t, 'budget');
  const limits = { taskMicros: 30 * CENT, dailyMicros: DOLLAR, monthlyMicros: 3 * DOLLAR };
  let run = 0;

  const op = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('reserve' as const), task: fc.integer({ min: 0, max: 9 }), micros: fc.integer({ min: 0, max: 25 * CENT }), free: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('commit' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(), share: fc.double({ min: 0, max: 1, noNaN: true }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 30 }) }) },
  );

  fc.assert(
    fc.property(fc.array(op, { minLength: 500, maxLength: 500 }), (ops) => {
      // A database per run: a shrunk counterexample starts from an empty ledger, as it will be replayed.
      const db = fixture.open(join(fixture.dir, `run-${++run}.db`));
      const clock = new ManualClock(NOON);
      const guard = new BudgetGuard({ db, clock, allowUnpriced: false, warnAt: 0.8 });
      guard.set(limits);
      const held = `SUM(charged_micros + CASE WHEN state = 'reserved' THEN reserved_micros ELSE 0 END)`;
      const overStatements = (['task_id', 'day', 'month'] as const).map((group) =>
        db.prepare(`SELECT ${group} AS k, ${held} AS h FROM ledger WHERE billing = 'metered' GROUP BY 1 HAVING h > ?`),
      );
      const overLimit = (): string | undefined => {
        const [task, day, month] = overStatements.map((s, i) => s.get([limits.taskMicros, limits.dailyMicros, limits.monthlyMicros][i]) as { k: string; h: number } | undefined);
        const hit = task ?? day ?? month;
        return hit && `${hit.k} holds ${hit.h}`;
      };
      const open: Array<{ callId: string; reserved: number }> = [];
      try {
        for (const o of ops) {
          if (o.kind === 'reserve') {
            const callId = `c${nextCall++}`;
            const r = guard.reserve(req({ callId, taskId: `task-${o.task}`, estimateMicros: o.micros, billing: o.free ? 'local' : 'metered' }));
            if (r.ok) open.push({ callId, reserved: o.micros });
          } else if (o.kind === 'tick') {
            clock.advance(o.hours * HOUR);
          } else if (open.length > 0) {
            const [c] = open.splice(o.pick % open.length, 1);
            // The provider charges at most the estimate (the whole prompt and every output token).
            const used = Math.floor(c!.reserved * o.share);
            if (o.kind === 'commit') guard.commit(c!.callId, { costMicros: used });
            else guard.release(c!.callId, used);
          }
          const over = overLimit();
          if (over) throw new Error(`a limit was exceeded after ${o.kind}: ${over}`);
        }
        // The totals the guard reads are the ledger's own sums.
        const sums = db
          .prepare(
            `SELECT 'day:' || day AS p,
               SUM(CASE WHEN billing = 'metered' THEN charged_micros ELSE 0 END) AS c,
               SUM(CASE WHEN billing = 'metered' AND state = 'reserved' THEN reserved_micros ELSE 0 END) AS r,
               SUM(state = 'reserved') AS o
             FROM ledger GROUP BY day`,
          )
          .all() as Array<{ p: string; c: number; r: number; o: number }>;
        const totals = db.prepare('SELECT charged_micros AS c, reserved_micros AS r, open_calls AS o FROM ledger_totals WHERE period = ?');
        for (const s of sums) assert.deepEqual(totals.get(s.p), { c: s.c, r: s.r, o: s.o }, s.p);
      } finally {
        db.close();
      }
    }),
    { numRuns: 20 },
  );
});

test('two connections to one file (two daemons, briefly, during a restart) still cannot pass a limit together', (t) => {
  const fixture = tempDatabase(t, 'budget');
  const clock = new ManualClock(NOON);
  const guards = [0, 1].map(() => new BudgetGuard({ db: fixture.open(), clock, allowUnpriced: false, warnAt: 0.8 }));
  guards[0]!.set({ dailyMicros: DOLLAR });
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (guards[i % 2]!.reserve(req({ estimateMicros: 3 * CENT })).ok) allowed++;
  assert.equal(allowed, 33, '33 × $0.03 fit under $1.00, the 34th does not');
});

test('a restarted daemon settles what the dead one left open, as budget.interrupted, and never its own calls', (t) => {
  const fixture = tempDatabase(t, 'budget');
  const clock = new ManualClock(NOON);
  const dead = new BudgetGuard({ db: fixture.open(), clock, allowUnpriced: false, warnAt: 0.8 });
  dead.set({ dailyMicros: DOLLAR });
  assert.equal(dead.reserve(req({ callId: 'in-flight', estimateMicros: 40 * CENT, inputEstimateMicros: 4 * CENT })).ok, true);

  const records: BudgetRecord[] = [];
  const guard = new BudgetGuard({ db: fixture.open(), clock, allowUnpriced: false, warnAt: 0.8, record: (e) => records.push(e) });
  assert.equal(guard.reserve(req({ callId: 'mine', estimateMicros: 10 * CENT })).ok, true);
  const actor = createActor(budgetGuardMachine, { input: { guard } });
  actor.start();
  t.after(() => actor.stop());
  assert.deepEqual(records, [{ type: 'budget.interrupted', actor: 'budget', payload: { calls: 1, chargedMicros: 4 * CENT } }]);
  assert.equal(guard.state().todayMicros, 14 * CENT, 'the prompt part charged, the rest freed; its own call still reserved');
  assert.equal(guard.state().reservedMicros, 10 * CENT);
  assert.equal(guard.settleInterrupted(), 0);
});

test('the budget actor records warnings, late warnings after a commit, and refusals', (t) => {
  const { guard, records } = world(t);
  const actor = createActor(budgetGuardMachine, { input: { guard } });
  actor.start();
  t.after(() => actor.stop());
  assert.equal(actor.getSnapshot().value, 'guarding');
  assert.equal(records.length, 0, 'nothing was left open');
  guard.set({ dailyMicros: DOLLAR });

  const r = req({ taskId: 'T', estimateMicros: 85 * CENT });
  const first = guard.reserve(r);
  assert.ok(first.ok);
  actor.send({ type: 'budget.reserved', callId: r.callId, taskId: 'T', warnings: first.warnings });
  assert.deepEqual(records.map((e) => [e.type, e.payload.text]), [['budget.warning', 'daily budget 85 % used: $0.85 of $1.00 spent today']]);

  guard.set({ monthlyMicros: DOLLAR });
  guard.commit(r.callId, { costMicros: 90 * CENT });
  actor.send({ type: 'budget.committed', callId: r.callId, taskId: 'T' });
  assert.equal(records.length, 2);
  assert.equal(records[1]?.payload.text, 'monthly budget 90 % used: $0.90 of $1.00 spent this month');

  const refused = guard.reserve(req({ taskId: 'T', estimateMicros: 20 * CENT }));
  assert.ok(!refused.ok);
  actor.send({ type: 'budget.refused', callId: 'x', taskId: 'T', refusal: refused.refusal, message: refused.message });
  assert.deepEqual(records[2], {
    type: 'budget.refused',
    actor: 'budget',
    payload: { callId: 'x', taskId: 'T', limit: 'daily', limitMicros: DOLLAR, spentMicros: 90 * CENT, neededMicros: 20 * CENT, message: refused.message },
  });
});

test('set refuses an amount that is not whole µ$; clear removes limits; the views print the state and the report', (t) => {
  const { guard } = world(t);
  assert.throws(() => guard.set({ dailyMicros: 1.5 }), { code: 'E_USAGE' });
  assert.throws(() => guard.set({ taskMicros: -1 }), { code: 'E_USAGE' });
  guard.set({ dailyMicros: DOLLAR, monthlyMicros: 20 * DOLLAR });
  spend(guard, 23_000, { worker: 'coder' });
  const unpriced = new BudgetGuard({ db: world(t).db, clock: new ManualClock(NOON), allowUnpriced: true, warnAt: 0.8 });
  assert.equal(unpriced.state().allowUnpriced, true);

  assert.deepEqual(guard.state(), { limits: { dailyMicros: DOLLAR, monthlyMicros: 20 * DOLLAR }, todayMicros: 23_000, monthMicros: 23_000, reservedMicros: 0, allowUnpriced: false });
  assert.match(formatBudgetState(guard.state()).join('\n'), /Today: {5}\$0\.023 of \$1\.00 \(2 %\)/);
  const report = formatCostReport(guard.report(7)).join('\n');
  assert.match(report, /^Today: \$0\.023 \/ \$1\.00$/m);
  assert.match(report, /By worker:[\s\S]*coder/);
  assert.deepEqual(guard.clear(['daily']).limits, { monthlyMicros: 20 * DOLLAR });
  assert.deepEqual(guard.clear().limits, {});
});
