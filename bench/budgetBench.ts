/**
 * Issue 9's budget figures: reservations per second through the real budget guard (reserve and
 * commit pairs on a real relay.db in a temp dir, 50 calls in flight at every moment, every
 * limit set so each reservation checks all three), against the raw baseline of the same file
 * and pragmas in the same run — one INSERT in its own IMMEDIATE transaction per operation — and
 * the time to count the tokens of a ~100k-token prompt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BudgetGuard, type ReserveRequest } from '../src/actors/budget/budgetGuard.js';
import { systemClock } from '../src/platform/clock.js';
import { countTokens } from '../src/providers/tokenEstimate.js';
import { openDatabase } from '../src/store/database.js';
import { median, round } from './stats.js';

const SIZES = {
  warmUpPairs: 2_000,
  /** Per round; the figures are medians of the rounds (the bench machine is shared and noisy). */
  pairs: 10_000,
  rounds: 3,
  /** Issue 9's contention: 50 calls reserved and not yet settled at once. */
  inFlight: 50,
  /** Calls per task: the task limit's sum runs over this many rows. */
  callsPerTask: 10,
  tokenizerRuns: 5,
} as const;

/** Limits no call of the bench reaches: every check runs, none refuses. */
const LIMITS = { taskMicros: 1_000_000_000, dailyMicros: 1_000_000_000_000, monthlyMicros: 1_000_000_000_000 };

/** Reserve-and-commit pairs per second with `inFlight` open reservations throughout. */
function reservePairsPerSecond(guard: BudgetGuard, prefix: string, pairs: number): number {
  const open: string[] = [];
  const request = (i: number): ReserveRequest => ({
    callId: `${prefix}-${i}`,
    taskId: `${prefix}-task-${Math.floor(i / SIZES.callsPerTask)}`,
    provider: 'openai',
    model: 'gpt-4o-mini',
    worker: 'coder',
    billing: 'metered',
    estimateMicros: 1_200,
    inputEstimateMicros: 200,
  });
  const start = performance.now();
  for (let i = 0; i < pairs; i++) {
    const r = request(i);
    if (!guard.reserve(r).ok) throw new Error(`bench reservation ${r.callId} was refused`);
    open.push(r.callId);
    if (open.length > SIZES.inFlight) guard.commit(open.shift()!, { costMicros: 900, usage: { inputTokens: 200, outputTokens: 70 } });
  }
  for (const callId of open) guard.commit(callId, { costMicros: 900 });
  return pairs / ((performance.now() - start) / 1000);
}

/** ~100k tokens of mixed prose, code and non-Latin text. */
function promptOf100kTokens(): string {
  const words = ['the', 'scheduler', 'places', 'containers', 'on', 'nodes;', 'const', 'x', '=', 'await', 'fetch(url);', 'élan', '日本語', '\n'];
  const parts: string[] = [];
  for (let i = 0; parts.length < 100_000; i++) parts.push(words[(i * 7) % words.length]!);
  return parts.join(' ');
}

export function measureBudget(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-budget-'));
  try {
    const db = openDatabase(join(dir, 'relay.db'));
    try {
      const guard = new BudgetGuard({ db, clock: systemClock, allowUnpriced: false, warnAt: 0.8 });
      guard.set(LIMITS);
      reservePairsPerSecond(guard, 'warm', SIZES.warmUpPairs);
      db.exec('CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, call_id TEXT NOT NULL, micros INTEGER NOT NULL)');
      const insert = db.prepare('INSERT INTO bench_raw (call_id, micros) VALUES (?, ?)');
      const insertTx = db.transaction((i: number) => insert.run(`raw-${i}`, 1_200));
      let rawIds = 0;
      const rawPerSecond = (ops: number): number => {
        const start = performance.now();
        for (let i = 0; i < ops; i++) insertTx.immediate(rawIds++);
        return ops / ((performance.now() - start) / 1000);
      };
      rawPerSecond(SIZES.warmUpPairs);
      // Rounds alternate, so a burst of load on the machine hits both sides alike.
      const pairRounds: number[] = [];
      const rawRounds: number[] = [];
      for (let round = 0; round < SIZES.rounds; round++) {
        pairRounds.push(reservePairsPerSecond(guard, `run${round}`, SIZES.pairs));
        rawRounds.push(rawPerSecond(SIZES.pairs));
      }
      const pairsPerS = median(pairRounds);
      const rawPerS = median(rawRounds);

      const prompt = [{ role: 'user' as const, content: promptOf100kTokens() }];
      const tokens = countTokens(prompt); // loads the tokenizer: not part of the figure
      const runs: number[] = [];
      for (let i = 0; i < SIZES.tokenizerRuns; i++) {
        const t0 = performance.now();
        countTokens(prompt);
        runs.push(performance.now() - t0);
      }

      return {
        reservePairsPerS: Math.round(pairsPerS),
        rawInsertTxPerS: Math.round(rawPerS),
        /** A pair is two transactions (reserve, commit) with three limit checks: 0.5 would be "as cheap as two raw inserts". */
        reservePairsVsRawInsertRatio: round(pairsPerS / rawPerS),
        reservePairs: SIZES.pairs * SIZES.rounds,
        inFlight: SIZES.inFlight,
        tokenizer100kMs: round(median(runs), 1),
        tokenizer100kTokens: tokens,
      };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
