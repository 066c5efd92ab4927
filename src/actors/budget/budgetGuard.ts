/**
 * The budget guard: hard limits per task, per local day and per local month, in µ$, held by the
 * daemon over its one SQLite connection, so every client shares one ledger.
 *
 * Before a call, {@link BudgetGuard.reserve} checks every limit and records the call's estimate
 * in ONE immediate transaction. The daemon is single-threaded and the transaction holds the
 * write lock, so reservations are serialized: calls that together would pass a limit cannot all
 * be let through, however many arrive at once. After the call, `commit` charges the actual cost;
 * on failure or cancel, `release` charges what was used and frees the rest. A daemon that died
 * mid-call leaves reservations open; `settleInterrupted` charges their prompts at the next start.
 *
 * Free calls (local models, agent CLI subscriptions) are always allowed and never counted. A
 * metered model with no known price is refused while any limit is set (its cost could not be
 * held to it), unless the user allows unpriced models.
 */
import { setup } from 'xstate';
import type { Clock } from '../../platform/clock.js';
import { RelayError } from '../../platform/errors.js';
import type { Billing, BudgetLimits, BudgetRefusal, BudgetState, CostReport, TokenUsage } from '../../protocol/providerProtocol.js';
import { BudgetsRepo, type BudgetScope } from '../../store/budgetsRepo.js';
import { dayKey, firstDayKey, monthKey } from '../../store/calendarKeys.js';
import type { Database } from '../../store/database.js';
import { LedgerRepo, type InterruptedSettlement } from '../../store/ledgerRepo.js';
import {
  limitRefusalMessage,
  raiseHint,
  unpricedAllowedText,
  unpricedHint,
  unpricedRefusalMessage,
  warningText,
  type LimitUse,
} from './budgetText.js';

export interface ReserveRequest {
  callId: string;
  taskId: string;
  /** The provider's name (`openai`, a config entry's name). */
  provider: string;
  model: string;
  worker: string;
  billing: Billing;
  /** The most the call can cost (prompt + maximum output), µ$; undefined: unpriced. */
  estimateMicros?: number;
  /** The prompt's part of the estimate: what is charged if the daemon dies mid-call. Default: all of it. */
  inputEstimateMicros?: number;
}

export type ReserveResult = { ok: true; warnings: string[] } | { ok: false; refusal: BudgetRefusal; message: string; hint: string };

/** An event for the daemon's event log (`budget.warning`, `budget.refused`, `budget.interrupted`). */
export interface BudgetRecord {
  type: string;
  actor: string;
  payload: Record<string, unknown>;
}

export interface BudgetGuardOptions {
  db: Database;
  clock: Clock;
  /** budget.allowUnpriced: let models with no known price run under a limit (uncounted). */
  allowUnpriced: boolean;
  /** budget.warnAt: warn when a limit is this much used (0.8). */
  warnAt: number;
  record?: (e: BudgetRecord) => void;
}

/** Days a cost report covers when the client does not say. */
export const DEFAULT_REPORT_DAYS = 30;

const FIELD: Record<BudgetScope, keyof BudgetLimits> = { task: 'taskMicros', daily: 'dailyMicros', monthly: 'monthlyMicros' };

export class BudgetGuard {
  allowUnpriced: boolean;
  private readonly ledger: LedgerRepo;
  private readonly budgets: BudgetsRepo;
  private readonly clock: Clock;
  private warnAt: number;
  private readonly record: ((e: BudgetRecord) => void) | undefined;
  /** This guard's reservations in flight: never taken for a dead daemon's. */
  private readonly open = new Set<string>();
  /**
   * Warnings already given, by limit, its period and its amount: once per limit per period, and
   * again if the user changes the limit. In memory: after a restart a warning may repeat once.
   */
  private readonly warned = new Set<string>();
  private readonly reserveTx: (r: ReserveRequest) => ReserveResult;

  constructor(opts: BudgetGuardOptions) {
    this.ledger = new LedgerRepo(opts.db);
    this.budgets = new BudgetsRepo(opts.db);
    this.clock = opts.clock;
    this.allowUnpriced = opts.allowUnpriced;
    this.warnAt = opts.warnAt;
    this.record = opts.record;
    const tx = opts.db.transaction((r: ReserveRequest) => this.reserveLocked(r));
    // IMMEDIATE: the write lock is taken before the limits are read, so no other writer can
    // slip a reservation in between the check and the insert.
    this.reserveTx = (r) => tx.immediate(r);
  }

  /** Check every limit and hold the call's estimate, or refuse it. Repeating a call id changes nothing. */
  reserve(r: ReserveRequest): ReserveResult {
    return this.reserveTx(r);
  }

  private reserveLocked(r: ReserveRequest): ReserveResult {
    if (this.ledger.has(r.callId)) return { ok: true, warnings: [] };
    const at = this.clock.now();
    const base = { callId: r.callId, taskId: r.taskId, provider: r.provider, model: r.model, worker: r.worker, billing: r.billing, at };
    if (r.billing !== 'metered') {
      this.hold({ ...base, priced: true, reservedMicros: 0, reservedInputMicros: 0 });
      return { ok: true, warnings: [] };
    }
    const uses = this.limitUses(r.taskId, at);
    if (r.estimateMicros === undefined) {
      const binding = uses[0];
      if (binding && !this.allowUnpriced) {
        return {
          ok: false,
          refusal: { limit: 'unpriced', limitMicros: binding.limitMicros, spentMicros: binding.heldMicros },
          message: unpricedRefusalMessage(r.provider, r.model, binding),
          hint: unpricedHint(r.provider, r.model),
        };
      }
      this.hold({ ...base, priced: false, reservedMicros: 0, reservedInputMicros: 0 });
      const key = `unpriced:${r.provider}/${r.model}:${dayKey(at)}`;
      return { ok: true, warnings: binding ? this.once(key, () => unpricedAllowedText(r.provider, r.model)) : [] };
    }
    const needed = wholeMicros(r.estimateMicros);
    const exceeded = uses.filter((u) => u.heldMicros + needed > u.limitMicros);
    const first = exceeded[0];
    if (first) {
      return {
        ok: false,
        refusal: { limit: first.scope, limitMicros: first.limitMicros, spentMicros: first.heldMicros, neededMicros: needed },
        message: limitRefusalMessage(first, needed),
        hint: raiseHint(exceeded, needed),
      };
    }
    const input = Math.min(needed, wholeMicros(r.inputEstimateMicros ?? needed));
    this.hold({ ...base, priced: true, reservedMicros: needed, reservedInputMicros: input });
    return { ok: true, warnings: this.crossings(uses.map((u) => ({ ...u, heldMicros: u.heldMicros + needed })), r.taskId, at) };
  }

  private hold(row: Parameters<LedgerRepo['reserve']>[0]): void {
    if (this.ledger.reserve(row)) this.open.add(row.callId);
  }

  /** The limits that are set, task first, with what each holds now. */
  private limitUses(taskId: string, at: number): LimitUse[] {
    const limits = this.budgets.get();
    const uses: LimitUse[] = [];
    if (limits.taskMicros !== undefined) uses.push({ scope: 'task', limitMicros: limits.taskMicros, heldMicros: this.ledger.taskHeld(taskId) });
    if (limits.dailyMicros !== undefined) {
      const day = this.ledger.dayTotal(dayKey(at));
      uses.push({ scope: 'daily', limitMicros: limits.dailyMicros, heldMicros: day.chargedMicros + day.reservedMicros, reservedMicros: day.reservedMicros });
    }
    if (limits.monthlyMicros !== undefined) {
      const month = this.ledger.monthTotal(monthKey(at));
      uses.push({ scope: 'monthly', limitMicros: limits.monthlyMicros, heldMicros: month.chargedMicros + month.reservedMicros, reservedMicros: month.reservedMicros });
    }
    return uses;
  }

  /** Warnings for the limits `uses` has brought to warnAt, each once per limit and period. */
  private crossings(uses: readonly LimitUse[], taskId: string, at: number): string[] {
    const period: Record<BudgetScope, string> = { task: taskId, daily: dayKey(at), monthly: monthKey(at) };
    return uses
      .filter((u) => u.limitMicros > 0 && u.heldMicros >= this.warnAt * u.limitMicros)
      .flatMap((u) => this.once(`${u.scope}:${period[u.scope]}:${u.limitMicros}`, () => warningText(u)));
  }

  private once(key: string, text: () => string): string[] {
    if (this.warned.has(key)) return [];
    this.warned.add(key);
    return [text()];
  }

  /**
   * Warnings due now that were not given yet: after a commit that cost more than its estimate
   * (or another client's spend), a limit may have reached warnAt without a reservation seeing it.
   */
  pendingWarnings(taskId?: string): string[] {
    const at = this.clock.now();
    const uses = this.limitUses(taskId ?? '', at).filter((u) => taskId !== undefined || u.scope !== 'task');
    return this.crossings(uses, taskId ?? '', at);
  }

  /**
   * The call ended: charge its actual cost (`costMicros`, else the provider's own
   * `usage.reportedCostMicros`). No cost known: recorded as unpriced (cost unknown, not zero).
   * A free call is charged nothing. Only the first settlement of a call counts.
   */
  commit(callId: string, charged: { costMicros?: number; usage?: TokenUsage }): void {
    this.open.delete(callId);
    const cost = charged.costMicros ?? charged.usage?.reportedCostMicros;
    const tokens = { inputTokens: charged.usage?.inputTokens ?? 0, outputTokens: charged.usage?.outputTokens ?? 0 };
    const settlement = cost === undefined ? { chargedMicros: 0, priced: false } : { chargedMicros: wholeMicros(cost), priced: true };
    // One UPDATE of an open row: a second commit, or a commit after a release, changes nothing.
    this.ledger.commit(callId, { ...settlement, ...tokens }, this.clock.now());
  }

  /** The call failed or was cancelled: charge `usedMicros` (what it used) and free the rest. */
  release(callId: string, usedMicros: number, usage?: TokenUsage): void {
    this.open.delete(callId);
    const used = wholeMicros(usedMicros);
    const tokens = usage ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } : {};
    // An unpriced call that reports what it used is priced from now on; one that used nothing stays as it was.
    this.ledger.release(callId, { chargedMicros: used, ...(used > 0 ? { priced: true } : {}), ...tokens }, this.clock.now());
  }

  /**
   * Close the reservations a daemon that died left open (`interrupted`), each charged its
   * prompt's part, so money is never silently forgotten. This guard's own calls in flight are
   * left alone. Returns how many were closed.
   */
  settleInterrupted(): number {
    return this.settleInterruptedCalls().calls;
  }

  /** {@link settleInterrupted}, with what the closed calls were charged. */
  settleInterruptedCalls(): InterruptedSettlement {
    return this.ledger.settleInterrupted(this.clock.now(), this.open);
  }

  state(): BudgetState {
    const at = this.clock.now();
    const day = this.ledger.dayTotal(dayKey(at));
    const month = this.ledger.monthTotal(monthKey(at));
    return {
      limits: this.budgets.get(),
      todayMicros: day.chargedMicros + day.reservedMicros,
      monthMicros: month.chargedMicros + month.reservedMicros,
      reservedMicros: this.ledger.reservedNow(),
      allowUnpriced: this.allowUnpriced,
    };
  }

  /** Set the limits given (whole µ$ ≥ 0); the others keep theirs. Throws RelayError E_USAGE. */
  set(limits: BudgetLimits): BudgetState {
    for (const [scope, field] of Object.entries(FIELD)) {
      const v = limits[field];
      if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
        throw new RelayError('E_USAGE', `the ${scope} limit must be a whole number of µ$, 0 or more (got ${String(v)})`, {
          hint: 'give dollars, like relay budget set --daily 1.50',
        });
      }
    }
    this.budgets.set(limits, this.clock.now());
    return this.state();
  }

  /** Remove the limits of `scopes`, all of them when none is named. */
  clear(scopes?: Array<'task' | 'daily' | 'monthly'>): BudgetState {
    this.budgets.clear(scopes);
    return this.state();
  }

  /** Today and this month against the limits, and where the money went over the last `days` days. */
  report(days: number = DEFAULT_REPORT_DAYS): CostReport {
    const at = this.clock.now();
    const span = Number.isSafeInteger(days) && days > 0 ? days : DEFAULT_REPORT_DAYS;
    const { todayMicros, monthMicros, limits } = this.state();
    return { todayMicros, monthMicros, limits, ...this.ledger.report(firstDayKey(at, span)) };
  }

  /** Record an event of the `budget` actor (what the machine reports through). */
  /** config.yaml's budget settings changed: they apply from the next reservation. */
  configure(settings: { allowUnpriced: boolean; warnAt: number }): void {
    this.allowUnpriced = settings.allowUnpriced;
    this.warnAt = settings.warnAt;
  }

  note(type: string, payload: Record<string, unknown>): void {
    this.record?.({ type, actor: 'budget', payload });
  }
}

/** A cost as whole µ$: fractions round up, a negative or non-finite one is 0. */
function wholeMicros(micros: number): number {
  return Number.isFinite(micros) && micros > 0 ? Math.ceil(micros) : 0;
}

/** What the daemon tells the `budget` actor after each guard decision. */
export type BudgetGuardEvent =
  | { type: 'budget.reserved'; callId: string; taskId: string; warnings: readonly string[] }
  | { type: 'budget.committed'; callId: string; taskId: string }
  | { type: 'budget.refused'; callId: string; taskId: string; refusal: BudgetRefusal; message: string };

interface BudgetGuardContext {
  guard: BudgetGuard;
}

/**
 * The `budget` actor the daemon runs under its supervision tree. The guard decides synchronously
 * (a reservation must not wait for a mailbox); the actor is where its decisions become events:
 * on start it settles what a dead daemon left open (`budget.interrupted`), and it records each
 * warning (`budget.warning`) and refusal (`budget.refused`) it is told about.
 */
export const budgetGuardMachine = setup({
  types: {
    context: {} as BudgetGuardContext,
    events: {} as BudgetGuardEvent,
    input: {} as { guard: BudgetGuard },
  },
  actions: {
    settleInterrupted: ({ context }) => {
      const interrupted = context.guard.settleInterruptedCalls();
      if (interrupted.calls > 0) context.guard.note('budget.interrupted', { ...interrupted });
    },
    recordWarnings: ({ context, event }) => {
      if (event.type !== 'budget.reserved') return;
      for (const text of event.warnings) context.guard.note('budget.warning', { callId: event.callId, taskId: event.taskId, text });
    },
    recordPendingWarnings: ({ context, event }) => {
      if (event.type !== 'budget.committed') return;
      for (const text of context.guard.pendingWarnings(event.taskId)) {
        context.guard.note('budget.warning', { callId: event.callId, taskId: event.taskId, text });
      }
    },
    recordRefusal: ({ context, event }) => {
      if (event.type !== 'budget.refused') return;
      context.guard.note('budget.refused', { callId: event.callId, taskId: event.taskId, ...event.refusal, message: event.message });
    },
  },
}).createMachine({
  id: 'budget',
  context: ({ input }) => ({ guard: input.guard }),
  entry: 'settleInterrupted',
  initial: 'guarding',
  states: {
    guarding: {
      on: {
        'budget.reserved': { actions: 'recordWarnings' },
        'budget.committed': { actions: 'recordPendingWarnings' },
        'budget.refused': { actions: 'recordRefusal' },
      },
    },
  },
});
