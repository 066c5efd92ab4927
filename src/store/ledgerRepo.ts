/**
 * The budget ledger (`ledger`, and `ledger_totals` kept by its triggers): one row per provider
 * call, from its reservation to what it was charged. Every write is keyed by the call id and
 * happens at most once — a reservation repeated, a commit after a release, a release after a
 * commit change nothing — so a retried request or a replayed message can never charge twice.
 *
 * What a row holds against the limits: what it was charged, plus its reservation while the call
 * is in flight (`state = 'reserved'`). Only metered rows count (local models and subscriptions
 * are free per call).
 */
import type { Statement } from 'better-sqlite3';
import type { Billing, CostRow } from '../protocol/providerProtocol.js';
import { dayKey, monthKey } from './calendarKeys.js';
import type { Database } from './database.js';

export type LedgerState = 'reserved' | 'committed' | 'released' | 'interrupted';

export interface NewReservation {
  callId: string;
  taskId: string;
  provider: string;
  model: string;
  worker?: string;
  billing: Billing;
  /** false: the model has no known price (its cost will be unknown, not zero). */
  priced: boolean;
  reservedMicros: number;
  /** The prompt's part of the reservation: what an interrupted call is charged. */
  reservedInputMicros: number;
  /** ms since the epoch; fixes the call's local day and month. */
  at: number;
}

export interface LedgerEntry {
  callId: string;
  taskId: string;
  provider: string;
  model: string;
  worker?: string;
  billing: Billing;
  priced: boolean;
  state: LedgerState;
  reservedMicros: number;
  /** undefined for a row written before migration 7. */
  reservedInputMicros?: number;
  chargedMicros: number;
  inputTokens: number;
  outputTokens: number;
  day: string;
  month: string;
  createdAt: number;
  settledAt?: number;
}

/** How a call ended, as committed or released. */
export interface Settlement {
  chargedMicros: number;
  /** Omitted: keep what the row says (a release of an unpriced call stays unpriced). */
  priced?: boolean;
  inputTokens?: number;
  outputTokens?: number;
}

/** Charged and in flight, µ$, of one day or month. */
export interface PeriodTotal {
  chargedMicros: number;
  reservedMicros: number;
}

/** The calls that were open when their daemon died, and what they were charged at the next start. */
export interface InterruptedSettlement {
  calls: number;
  chargedMicros: number;
}

export interface LedgerReport {
  byProvider: CostRow[];
  byModel: CostRow[];
  byWorker: CostRow[];
  byDay: CostRow[];
}

interface LedgerRow {
  call_id: string;
  task_id: string;
  provider: string;
  model: string;
  worker: string | null;
  billing: Billing;
  priced: number;
  state: LedgerState;
  reserved_micros: number;
  reserved_input_micros: number | null;
  charged_micros: number;
  input_tokens: number;
  output_tokens: number;
  day: string;
  month: string;
  created_at: number;
  settled_at: number | null;
}

function toEntry(r: LedgerRow): LedgerEntry {
  return {
    callId: r.call_id,
    taskId: r.task_id,
    provider: r.provider,
    model: r.model,
    ...(r.worker === null ? {} : { worker: r.worker }),
    billing: r.billing,
    priced: r.priced === 1,
    state: r.state,
    reservedMicros: r.reserved_micros,
    ...(r.reserved_input_micros === null ? {} : { reservedInputMicros: r.reserved_input_micros }),
    chargedMicros: r.charged_micros,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    day: r.day,
    month: r.month,
    createdAt: r.created_at,
    ...(r.settled_at === null ? {} : { settledAt: r.settled_at }),
  };
}

/** One metered row's hold on the limits, as SQL over a ledger row (the triggers of migration 7 count the same). */
const HELD = `charged_micros + CASE WHEN state = 'reserved' THEN reserved_micros ELSE 0 END`;

/** The report's groupings: the key each CostRow is named by. */
const GROUP_KEYS = {
  byProvider: 'provider',
  byModel: `provider || '/' || model`,
  byWorker: `COALESCE(worker, '-')`,
  byDay: 'day',
} as const;

export class LedgerRepo {
  private readonly insert: Statement;
  private readonly byCallId: Statement;
  private readonly exists: Statement;
  private readonly settle: Statement;
  private readonly openDays: Statement;
  private readonly openCalls: Statement;
  private readonly interrupt: Statement;
  private readonly period: Statement;
  private readonly task: Statement;
  private readonly reserved: Statement;
  private readonly groups: Record<keyof LedgerReport, Statement>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT INTO ledger (call_id, task_id, provider, model, worker, billing, priced, state,
         reserved_micros, reserved_input_micros, day, month, created_at)
       VALUES (@callId, @taskId, @provider, @model, @worker, @billing, @priced, 'reserved',
         @reservedMicros, @reservedInputMicros, @day, @month, @at)
       ON CONFLICT (call_id) DO NOTHING`,
    );
    this.byCallId = db.prepare('SELECT * FROM ledger WHERE call_id = ?');
    this.exists = db.prepare('SELECT 1 FROM ledger WHERE call_id = ?').pluck();
    this.settle = db.prepare(
      // A free row (local, subscription) is charged nothing whatever the caller says: it never counts.
      `UPDATE ledger SET state = @state,
         charged_micros = CASE WHEN billing = 'metered' THEN @chargedMicros ELSE 0 END,
         priced = CASE WHEN billing = 'metered' THEN COALESCE(@priced, priced) ELSE 1 END,
         input_tokens = COALESCE(@inputTokens, input_tokens), output_tokens = COALESCE(@outputTokens, output_tokens),
         settled_at = @at
       WHERE call_id = @callId AND state = 'reserved'`,
    );
    // Open rows through the days that have any (ledger_totals.open_calls), then ledger_day.
    this.openDays = db.prepare(`SELECT substr(period, 5) FROM ledger_totals WHERE period > 'day:' AND period < 'day;' AND open_calls > 0`).pluck();
    this.openCalls = db.prepare(`SELECT call_id FROM ledger WHERE day = ? AND state = 'reserved'`).pluck();
    this.interrupt = db.prepare(
      `UPDATE ledger SET state = 'interrupted', charged_micros = COALESCE(reserved_input_micros, reserved_micros), settled_at = ?
       WHERE call_id = ? AND state = 'reserved'
       RETURNING charged_micros`,
    ).pluck();
    this.period = db.prepare('SELECT charged_micros AS chargedMicros, reserved_micros AS reservedMicros FROM ledger_totals WHERE period = ?');
    this.task = db.prepare(`SELECT COALESCE(SUM(${HELD}), 0) FROM ledger WHERE task_id = ? AND billing = 'metered'`).pluck();
    this.reserved = db.prepare(`SELECT COALESCE(SUM(reserved_micros), 0) FROM ledger_totals WHERE period > 'month:' AND period < 'month;'`).pluck();
    const group = (key: string): Statement =>
      db.prepare(
        `SELECT ${key} AS key, COUNT(*) AS calls, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens,
           SUM(${HELD}) AS costMicros, SUM(priced = 0) AS unpricedCalls
         FROM ledger WHERE day >= ? GROUP BY 1
         ORDER BY ${key === 'day' ? 'key DESC' : 'costMicros DESC, calls DESC, key'}`,
      );
    this.groups = {
      byProvider: group(GROUP_KEYS.byProvider),
      byModel: group(GROUP_KEYS.byModel),
      byWorker: group(GROUP_KEYS.byWorker),
      byDay: group(GROUP_KEYS.byDay),
    };
  }

  /** Hold `reservedMicros` for a call. false: the call id already has a row (nothing changed). */
  reserve(r: NewReservation): boolean {
    const info = this.insert.run({
      callId: r.callId,
      taskId: r.taskId,
      provider: r.provider,
      model: r.model,
      worker: r.worker ?? null,
      billing: r.billing,
      priced: r.priced ? 1 : 0,
      reservedMicros: r.reservedMicros,
      reservedInputMicros: r.reservedInputMicros,
      day: dayKey(r.at),
      month: monthKey(r.at),
      at: r.at,
    });
    return info.changes === 1;
  }

  /**
   * The call ended: charge what it cost (a free call: nothing). false: not an open reservation
   * (already settled, or unknown).
   */
  commit(callId: string, s: Settlement, at: number): boolean {
    return this.settleAs('committed', callId, s, at);
  }

  /** The call failed or was cancelled: charge what it used and free the rest. false as for {@link commit}. */
  release(callId: string, s: Settlement, at: number): boolean {
    return this.settleAs('released', callId, s, at);
  }

  private settleAs(state: LedgerState, callId: string, s: Settlement, at: number): boolean {
    const info = this.settle.run({
      state,
      callId,
      chargedMicros: s.chargedMicros,
      priced: s.priced === undefined ? null : s.priced ? 1 : 0,
      inputTokens: s.inputTokens ?? null,
      outputTokens: s.outputTokens ?? null,
      at,
    });
    return info.changes === 1;
  }

  /**
   * Close the reservations a dead daemon left open, as `interrupted`, each charged its prompt's
   * part (the prompt was sent, so it was billed), or all of it when the part is unknown. Calls in
   * `stillOpen` (this daemon's own, in flight) are left alone.
   */
  settleInterrupted(now: number, stillOpen: ReadonlySet<string> = new Set()): InterruptedSettlement {
    return this.db.transaction(() => {
      const out: InterruptedSettlement = { calls: 0, chargedMicros: 0 };
      const open = (this.openDays.all() as string[]).flatMap((day) => this.openCalls.all(day) as string[]);
      for (const callId of open) {
        if (stillOpen.has(callId)) continue;
        const charged = this.interrupt.get(now, callId) as number | undefined;
        if (charged === undefined) continue;
        out.calls++;
        out.chargedMicros += charged;
      }
      return out;
    }).immediate();
  }

  /** Whether the call has a row (reserved or settled). */
  has(callId: string): boolean {
    return this.exists.get(callId) !== undefined;
  }

  entry(callId: string): LedgerEntry | undefined {
    const row = this.byCallId.get(callId) as LedgerRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** What the local day `day` (YYYY-MM-DD) holds against the daily limit. */
  dayTotal(day: string): PeriodTotal {
    return this.periodTotal(`day:${day}`);
  }

  /** What the local month `month` (YYYY-MM) holds against the monthly limit. */
  monthTotal(month: string): PeriodTotal {
    return this.periodTotal(`month:${month}`);
  }

  private periodTotal(period: string): PeriodTotal {
    return (this.period.get(period) as PeriodTotal | undefined) ?? { chargedMicros: 0, reservedMicros: 0 };
  }

  /** What one task holds against the task limit: charged plus in flight, µ$. */
  taskHeld(taskId: string): number {
    return this.task.get(taskId) as number;
  }

  /** Reserved for metered calls in flight now, µ$. */
  reservedNow(): number {
    return this.reserved.get() as number;
  }

  /** Where the money went from the local day `sinceDay` on: calls, tokens and cost by provider, model, worker and day. */
  report(sinceDay: string): LedgerReport {
    const rows = (s: Statement): CostRow[] => s.all(sinceDay) as CostRow[];
    return {
      byProvider: rows(this.groups.byProvider),
      byModel: rows(this.groups.byModel),
      byWorker: rows(this.groups.byWorker),
      byDay: rows(this.groups.byDay),
    };
  }
}
