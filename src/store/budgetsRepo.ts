/**
 * The spending limits (`budgets`): at most one per scope, in µ$. A scope without a row has no
 * limit. Written by `relay budget set|clear` through the daemon, read by the budget guard on
 * every reservation.
 */
import type { Statement } from 'better-sqlite3';
import type { BudgetLimits } from '../protocol/providerProtocol.js';
import type { Database } from './database.js';

export type BudgetScope = 'task' | 'daily' | 'monthly';
export const BUDGET_SCOPES: readonly BudgetScope[] = ['task', 'daily', 'monthly'];

/** The field of {@link BudgetLimits} each scope is stored from. */
const FIELD: Record<BudgetScope, keyof BudgetLimits> = { task: 'taskMicros', daily: 'dailyMicros', monthly: 'monthlyMicros' };

export class BudgetsRepo {
  private readonly all: Statement;
  private readonly upsert: Statement;
  private readonly remove: Statement;

  constructor(private readonly db: Database) {
    this.all = db.prepare('SELECT scope, limit_micros FROM budgets');
    this.upsert = db.prepare(
      `INSERT INTO budgets (scope, limit_micros, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET limit_micros = excluded.limit_micros, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM budgets WHERE scope = ?');
  }

  get(): BudgetLimits {
    const limits: BudgetLimits = {};
    for (const row of this.all.all() as Array<{ scope: BudgetScope; limit_micros: number }>) limits[FIELD[row.scope]] = row.limit_micros;
    return limits;
  }

  /** Set the limits given; a scope left undefined keeps its limit. Values are whole µ$ ≥ 0. */
  set(limits: BudgetLimits, at: number): BudgetLimits {
    this.db.transaction(() => {
      for (const scope of BUDGET_SCOPES) {
        const micros = limits[FIELD[scope]];
        if (micros !== undefined) this.upsert.run(scope, micros, at);
      }
    })();
    return this.get();
  }

  /** Remove the limits of `scopes` (all of them when none is named). */
  clear(scopes: readonly BudgetScope[] = BUDGET_SCOPES): BudgetLimits {
    this.db.transaction(() => {
      for (const scope of scopes) this.remove.run(scope);
    })();
    return this.get();
  }
}
