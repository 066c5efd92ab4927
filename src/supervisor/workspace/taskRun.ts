/**
 * One `relay "task"` in the daemon, from classification to the stored answers:
 *
 *   classify (local) → plan the team → for each worker:
 *     count the prompt's tokens → route (health, context, tier, price) → [edit mode: ask]
 *     → reserve the estimate with the budget guard → run the call in a worker thread, streaming
 *     its deltas onto the task's topic → settle the ledger from the usage → tell the provider's
 *     actor how it went → on a limit or a server failure, move on to the next candidate.
 *
 * Every message on the topic carries a seq so the client can tell it saw them all. The run
 * never throws for a provider problem: how it ended is the {@link TaskResult}.
 *
 * Any client can pick a running task up: once it knows its conversation the task is announced
 * on `TOPIC_TASKS` (`started`, then `ended` with the result, however it ended), and what it has
 * said so far is kept in a {@link LiveTaskLog} for `task.list`.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import { RelayError, toRelayError } from '../../platform/errors.js';
import type { RelayConfig } from '../../config/relayConfig.js';
import type { NewEvent } from '../../protocol/eventRecord.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import {
  TOPIC_TASK,
  TOPIC_TASKS,
  type CallFailure,
  type CallOutcome,
  type ChatMessage,
  type LiveTask,
  type ModelInfo,
  type ProviderRequests,
  type StreamEvent,
  type TaskAnnouncement,
  type TaskMessage,
  type TaskOptions,
  type TaskResult,
  type TokenUsage,
} from '../../protocol/providerProtocol.js';
import type { CallPool, RunningCall } from '../../actors/provider/callPool.js';
import type { BudgetGuard, BudgetGuardEvent } from '../../actors/budget/budgetGuard.js';
import type { Detection } from '../../providers/detectProviders.js';
import { costMicros, estimateMicros } from '../../providers/priceCatalog.js';
import { countTokens } from '../../providers/tokenEstimate.js';
import { classifyTask } from '../../routing/classifyTask.js';
import { planTeam, stepMessages } from '../../routing/teamPlan.js';
import { routeCall } from '../../routing/router.js';
import type { WorkerRole } from '../../routing/workerRoles.js';
import type { Conversation, ConversationRepo, StoredMessage } from '../../store/conversationRepo.js';
import type { ChainIndex } from '../../conversation/chainIndex.js';
import { assembleContext, CONTEXT_TOKENS, MAX_SUMMARY_SHARE, summaryRequest, type Compaction, type ContextAssembly } from '../../conversation/contextAssembly.js';
import type { SummaryRepo } from '../../store/summaryRepo.js';
import { buildCallSpec, MAX_OUTPUT_TOKENS } from './callSpecs.js';
import { LiveTaskLog } from './liveTaskLog.js';
import type { ProviderActors } from './providerActors.js';

type RunPayload = ProviderRequests['task.run']['payload'];
type Step = TaskResult['steps'][number];

/** Candidates tried for one worker before the task gives up on it. */
const MAX_ATTEMPTS = 6;
/** An edit-mode question nobody answers (the client died) is a no after this. */
const CONFIRM_TIMEOUT_MS = 10 * 60_000;

export interface TaskDeps {
  clock: Clock;
  config: RelayConfig;
  detection: Detection;
  roles: WorkerRole[];
  guard: BudgetGuard;
  /** Tells the `budget` actor about each decision (it logs warnings and refusals). */
  budgetEvent: (e: BudgetGuardEvent) => void;
  pool: CallPool;
  providers: ProviderActors;
  conversations: ConversationRepo;
  summaries: SummaryRepo;
  /** The DAG's shape in memory, shared by every task and `session context`. */
  chains: ChainIndex;
  /** Remembered facts relevant to this task (global and the project's), most relevant first. */
  facts: readonly string[];
  publish: (topic: string, value: unknown) => void;
  record: (e: NewEvent) => void;
}

/** A model's estimated cost for this call: 0 when free, undefined when unpriced. */
export function callEstimate(m: ModelInfo, inputTokens: number): number | undefined {
  if (m.billing !== 'metered') return 0;
  return m.price ? estimateMicros(m.price, inputTokens, MAX_OUTPUT_TOKENS) : undefined;
}

/** What a call cost: the provider's own figure when it gave one, else usage at the model's price. */
function actualCost(m: ModelInfo, usage: TokenUsage | undefined): number | undefined {
  if (m.billing !== 'metered') return 0;
  if (!usage) return undefined;
  if (usage.reportedCostMicros !== undefined) return usage.reportedCostMicros;
  return m.price ? costMicros(m.price, usage) : undefined;
}

function failureLine(provider: string, f: CallFailure): string {
  return `${provider}: ${f.message}`;
}

export class TaskRun {
  private seq = 0;
  private cancelled = false;
  private current: RunningCall | undefined;
  private readonly confirms = new Map<number, (yes: boolean) => void>();
  private readonly topic: string;
  private recordStart: (() => void) | undefined;
  /** The session's context, assembled once before the first call (a team's later steps see the same). */
  private context: ContextAssembly | undefined;
  /** What compacting the session's older turns cost (its own call, not a step). */
  private compactionMicros = 0;
  /** Every message so far, for a client that did not start the task. */
  private readonly log: LiveTaskLog;
  /** Announced and not yet ended: the task is listed while this holds. */
  private live = false;

  constructor(
    private readonly deps: TaskDeps,
    private readonly p: RunPayload,
  ) {
    this.topic = TOPIC_TASK(p.taskId);
    this.log = new LiveTaskLog({ taskId: p.taskId, text: p.text, startedAt: deps.clock.now() });
  }

  /** The task and its messages so far, while it is announced; undefined before and after. */
  snapshot(): LiveTask | undefined {
    return this.live ? this.log.snapshot() : undefined;
  }

  /** Stop the task: the running call is aborted (what it used is charged), a pending question is a no. */
  cancel(): boolean {
    if (this.cancelled) return false;
    this.cancelled = true;
    this.current?.abort();
    for (const answer of this.confirms.values()) answer(false);
    return true;
  }

  confirm(step: number, yes: boolean): boolean {
    const answer = this.confirms.get(step);
    if (!answer) return false;
    answer(yes);
    return true;
  }

  /** Run the task to its end; announces `ended` once its last message is out (when it announced `started`). */
  async run(): Promise<TaskResult> {
    let result: TaskResult;
    try {
      result = await this.execute();
    } catch (e) {
      // Not a provider problem (the store failed): still an end for every client watching.
      const err = toRelayError(e);
      const session = this.log.header().session ?? { id: this.p.sessionId ?? '', number: 0 };
      this.announceEnd(this.result(session, [], { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) }));
      throw e;
    }
    this.announceEnd(result);
    return result;
  }

  private announce(message: TaskAnnouncement): void {
    this.deps.publish(TOPIC_TASKS, message);
  }

  private announceEnd(result: TaskResult): void {
    if (!this.live) return;
    this.live = false;
    const { session } = this.log.header();
    this.announce({ kind: 'ended', taskId: this.p.taskId, ...(session ? { session } : {}), result });
  }

  private async execute(): Promise<TaskResult> {
    const { deps, p } = this;
    const now = deps.clock.now();
    let session: Conversation;
    try {
      session = p.sessionId
        ? deps.conversations.resolve(p.sessionId)
        : (!p.newSession && deps.conversations.latest()) || deps.conversations.create('ask', now);
    } catch (e) {
      if (!(e instanceof RelayError)) throw e;
      return this.result({ id: p.sessionId ?? '', number: 0 }, [], { code: e.code, message: e.message, hint: e.hint ?? 'relay session list' });
    }
    // Announced before anything else is said, so a watching client can place every message.
    this.log.setSession({ id: session.id, number: session.number });
    this.live = true;
    this.announce({ kind: 'started', task: this.log.header() });
    // Assembled before this task's request is stored: the turns so far, what the edges bring.
    this.context = this.assemble(session.id);
    const earlier = this.context.plan.parts.filter((x) => x.kind === 'history' || x.kind === 'merged' || x.kind === 'attached').length + (this.context.plan.compacted?.turns ?? 0);
    if (earlier > 0) {
      this.send({
        kind: 'note',
        text: `session #${session.number}: continuing after ${earlier} earlier turn${earlier === 1 ? '' : 's'} (--new starts a fresh one)`,
        key: 'continuing',
        vars: { session: session.number, count: earlier },
      });
    }
    const todo = p.options.confirm ? undefined : this.context.compaction();
    if (todo && (await this.compact(todo))) this.context = this.assemble(session.id);
    const ref = { id: session.id, number: session.number };
    const task = classifyTask(p.text, p.context?.length ?? 0);
    let team: WorkerRole[];
    try {
      team = planTeam(task.intent, deps.roles, p.options.worker);
    } catch (e) {
      const err = e as { code?: string; message: string; hint?: string };
      return this.result(ref, [], { code: err.code ?? 'E_USAGE', message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
    }
    // Written once the first call is on its way (or the task ends without one): the request is
    // stored before any answer, but not on the path to the first token.
    this.recordStart = () => {
      this.recordStart = undefined;
      deps.conversations.append({
        sessionId: session.id,
        role: 'user',
        content: p.context ? `${p.text}\n\n${p.context}` : p.text,
        status: 'complete',
        at: now,
      });
      deps.record({ type: 'task.started', actor: `task:${p.taskId}`, payload: { taskId: p.taskId, session: session.number, intent: task.intent, size: task.size, workers: team.map((r) => r.name) } });
    };

    const steps: Step[] = [];
    const previous: Array<{ worker: string; text: string }> = [];
    let failure: TaskResult['failure'];
    for (const [index, role] of team.entries()) {
      const step = index + 1;
      const done = await this.runStep(step, role, previous, session.id);
      steps.push(done.step);
      if (done.failure) {
        failure = done.failure;
        break;
      }
      previous.push({ worker: role.name, text: done.text });
    }
    this.recordStart?.();
    const result = this.result(ref, steps, failure);
    deps.record({
      type: 'task.finished',
      actor: `task:${p.taskId}`,
      payload: { taskId: p.taskId, session: session.number, costMicros: result.costMicros, steps: steps.length, ...(failure ? { failure: failure.code } : {}) },
    });
    return result;
  }

  private result(session: TaskResult['session'], steps: Step[], failure?: TaskResult['failure']): TaskResult {
    const costMicros = steps.reduce((sum, s) => sum + (s.costMicros ?? 0), this.compactionMicros);
    return { taskId: this.p.taskId, session, steps, lastSeq: this.seq, costMicros, ...(failure ? { failure } : {}) };
  }

  private send(message: DistributiveOmit<TaskMessage, 'seq'>): void {
    const sequenced = { ...message, seq: ++this.seq } as TaskMessage;
    this.log.add(sequenced);
    this.deps.publish(this.topic, sequenced);
  }

  private cancelledFailure(): NonNullable<TaskResult['failure']> {
    return { code: 'E_CANCELLED', message: 'cancelled; what the call had used is recorded' };
  }

  /** One worker's turn: candidates in the router's order until one answers. */
  private async runStep(
    step: number,
    role: WorkerRole,
    previous: ReadonlyArray<{ worker: string; text: string }>,
    sessionId: string,
  ): Promise<{ step: Step; text: string; failure?: TaskResult['failure'] }> {
    const { deps, p } = this;
    const [instructions, ...request] = stepMessages(role, p.text, p.context, previous);
    const messages = [instructions!, ...(this.context?.messages ?? []), ...request];
    const inputTokens = countTokens(messages);
    const models = this.usableModels();
    const excluded = new Set<string>();
    const failures: string[] = [];
    let refusal: { message: string; hint: string } | undefined;
    /**
     * Once a limit refuses the cheapest metered candidate, every later one (dearer, by the
     * router's order) would be refused too: only free ones are left to try.
     */
    let meteredAllowed = true;
    /** Calls that ran and failed, as opposed to candidates the budget refused. */
    let callFailures = 0;
    const empty: Step = { worker: role.name, chars: 0, finish: 'error' };

    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (this.cancelled) return { step: { ...empty, finish: 'cancelled' }, text: '', failure: this.cancelledFailure() };
      const { decision, pick, model, provider } = this.route(role, models, inputTokens, p.options, excluded, meteredAllowed);
      if (attempt === 1) this.send({ kind: 'route', step, decision });
      if (!pick || !model || !provider) {
        return { step: empty, text: '', failure: this.noCandidate(models.length, failures, callFailures, refusal, decision.candidates.filter((c) => !c.kept).map((c) => `${c.provider}/${c.model}: ${c.why}`)) };
      }
      const key = `${pick.provider}/${pick.model}`;
      const estimate = callEstimate(model, inputTokens);

      if (p.options.confirm) {
        const yes = await this.ask(step, { worker: role.name, provider: pick.provider, model: pick.model, inputTokens, ...(estimate !== undefined ? { estimateMicros: estimate } : {}) });
        if (!yes) {
          const failure = this.cancelled ? this.cancelledFailure() : { code: 'E_CANCELLED', message: `declined: ${role.name} on ${key} was not run` };
          return { step: { ...empty, finish: 'cancelled' }, text: '', failure };
        }
      }

      const callId = randomUUID();
      const reserved = this.reserve(callId, role, pick, model, inputTokens);
      if (!reserved.ok) {
        deps.budgetEvent({ type: 'budget.refused', callId, taskId: p.taskId, refusal: reserved.refusal, message: reserved.message });
        // The cheapest candidate's refusal is the one to report: raising the limit to fit it is the fix.
        refusal ??= { message: reserved.message, hint: reserved.hint };
        if (reserved.refusal.limit === 'unpriced') excluded.add(key);
        else meteredAllowed = false;
        failures.push(`${key}: ${reserved.message}`);
        continue;
      }
      deps.budgetEvent({ type: 'budget.reserved', callId, taskId: p.taskId, warnings: reserved.warnings });
      for (const text of reserved.warnings) this.send({ kind: 'warning', text });

      this.send({ kind: 'call', step, worker: role.name, provider: pick.provider, model: pick.model, attempt });
      const spec = buildCallSpec({ provider, model: pick.model, messages, env: p.env, cwd: p.cwd, routing: deps.config.routing });
      let text = '';
      const running = deps.pool.run(spec, (events) => (text += this.forward(step, events)));
      this.current = running;
      // A cancel that came while the call was being set up reaches it now.
      if (this.cancelled) running.abort();
      this.recordStart?.();
      const outcome = await running.outcome;
      this.current = undefined;
      const cost = actualCost(model, outcome.usage ?? this.guessUsage(outcome, inputTokens, text));
      const stepBase: Step = {
        worker: role.name,
        provider: pick.provider,
        model: pick.model,
        chars: text.length,
        finish: outcome.finish,
        ...(cost !== undefined ? { costMicros: cost } : {}),
        ...(outcome.usage ? { usage: outcome.usage } : {}),
      };

      if (!outcome.failure && outcome.finish !== 'cancelled') {
        deps.guard.commit(callId, { ...(cost !== undefined ? { costMicros: cost } : {}), ...(outcome.usage ? { usage: outcome.usage } : {}) });
        deps.providers.report(pick.provider, { type: 'call.succeeded' });
        // What this call's actual cost crossed (80 % of a limit), for the user and the log.
        for (const warning of deps.guard.pendingWarnings(p.taskId)) {
          deps.guard.note('budget.warning', { callId, taskId: p.taskId, text: warning });
          this.send({ kind: 'warning', text: warning });
        }
        const stored = this.store(sessionId, role, pick, text, outcome, cost, 'complete');
        this.send({ kind: 'step-done', step, worker: role.name, provider: pick.provider, model: pick.model, ...(cost !== undefined ? { costMicros: cost } : {}), ...(outcome.usage ? { usage: outcome.usage } : {}) });
        return { step: { ...stepBase, messageId: stored.id }, text };
      }

      deps.guard.release(callId, cost ?? 0, outcome.usage);
      if (outcome.finish === 'cancelled' || this.cancelled) {
        const stored = text ? this.store(sessionId, role, pick, text, outcome, cost, 'partial') : undefined;
        return { step: { ...stepBase, finish: 'cancelled', ...(stored ? { messageId: stored.id } : {}) }, text, failure: this.cancelledFailure() };
      }
      const failed = outcome.failure!;
      deps.providers.report(pick.provider, { type: 'call.failed', failure: failed, at: deps.clock.now() });
      this.recordLimit(pick.provider, outcome);
      failures.push(failureLine(key, failed));
      callFailures++;
      if (!failed.moveOn) {
        return { step: { ...stepBase, failure: failed }, text, failure: { code: 'E_PROVIDERS_FAILED', message: failureLine(pick.provider, failed), ...(failed.hint ? { hint: failed.hint } : {}) } };
      }
      excluded.add(key);
      this.send({ kind: 'moved-on', step, provider: pick.provider, failure: failed });
    }
    return { step: empty, text: '', failure: { code: 'E_PROVIDERS_FAILED', message: `no answer after ${MAX_ATTEMPTS} attempts: ${failures.join('; ')}` } };
  }

  /** Why there is nobody (left) to call, as the task's one-line error. */
  private noCandidate(models: number, failures: string[], callFailures: number, refusal: { message: string; hint: string } | undefined, dropped: string[]): NonNullable<TaskResult['failure']> {
    if (models === 0) {
      return { code: 'E_NO_PROVIDER', message: 'no provider found: no API key, local model or agent CLI', hint: 'relay providers shows what was looked for and how to add one' };
    }
    if (refusal && callFailures === 0) return { code: 'E_BUDGET', message: refusal.message, hint: refusal.hint };
    if (failures.length > 0) {
      return { code: 'E_PROVIDERS_FAILED', message: `every provider failed: ${failures.join('; ')}`, hint: refusal ? refusal.hint : 'relay providers shows their state' };
    }
    return { code: 'E_NO_PROVIDER', message: `no provider can take this now: ${dropped.slice(0, 4).join('; ')}`, hint: 'relay providers shows their state; --explain shows why each was dropped' };
  }

  /** A call that ended without usage (cut off mid-stream): what it must at least have used. */
  private guessUsage(outcome: CallOutcome, inputTokens: number, text: string): TokenUsage | undefined {
    if (outcome.chars === 0 && text === '' && outcome.failure && outcome.failure.status !== undefined && outcome.failure.status !== 200) return undefined;
    if (outcome.failure?.kind === 'network' || outcome.failure?.kind === 'first_byte_timeout') return undefined;
    return { inputTokens, outputTokens: Math.ceil(text.length / 4) };
  }

  /** Stream events → the topic; returns the answer text they carried. */
  private forward(step: number, events: StreamEvent[]): string {
    let text = '';
    for (const e of events) {
      if (e.type === 'delta') text += e.text;
      else if (e.type === 'warning') this.send({ kind: 'warning', text: e.text });
    }
    if (text) this.send({ kind: 'delta', step, text });
    return text;
  }

  private store(sessionId: string, role: WorkerRole, pick: { provider: string; model: string }, text: string, outcome: CallOutcome, cost: number | undefined, status: 'complete' | 'partial'): StoredMessage {
    return this.deps.conversations.append({
      sessionId,
      role: 'assistant',
      content: text,
      worker: role.name,
      provider: pick.provider,
      model: pick.model,
      ...(outcome.usage ? { inputTokens: outcome.usage.inputTokens, outputTokens: outcome.usage.outputTokens } : {}),
      ...(cost !== undefined ? { costMicros: cost } : {}),
      status,
      at: this.deps.clock.now(),
    });
  }

  private usableModels(): ModelInfo[] {
    return this.deps.detection.providers.filter((d) => d.usable).flatMap((d) => d.models);
  }

  /** The router's decision for one call, with the model and provider it picked (none when it picked nobody). */
  private route(role: WorkerRole, models: readonly ModelInfo[], inputTokens: number, options: TaskOptions, excluded: ReadonlySet<string>, meteredAllowed: boolean) {
    const { deps } = this;
    const decision = routeCall({
      worker: role,
      models,
      health: (name) => deps.providers.health(name),
      inputTokens,
      maxOutputTokens: MAX_OUTPUT_TOKENS,
      estimate: (m) => callEstimate(m, inputTokens),
      options,
      excluded,
      meteredAllowed,
      now: deps.clock.now(),
    });
    const pick = decision.pick;
    const model = pick && models.find((m) => m.provider === pick.provider && m.model === pick.model);
    const provider = pick && deps.detection.providers.find((d) => d.name === pick.provider);
    return { decision, pick, model, provider };
  }

  /** Hold the call's estimate against the limits: one row in the one ledger. */
  private reserve(callId: string, role: WorkerRole, pick: { provider: string; model: string }, model: ModelInfo, inputTokens: number): ReturnType<BudgetGuard['reserve']> {
    const estimate = callEstimate(model, inputTokens);
    return this.deps.guard.reserve({
      callId,
      taskId: this.p.taskId,
      provider: pick.provider,
      model: pick.model,
      worker: role.name,
      billing: model.billing,
      ...(estimate !== undefined ? { estimateMicros: estimate } : {}),
      ...(model.billing === 'metered' && model.price ? { inputEstimateMicros: estimateMicros(model.price, inputTokens, 0) } : {}),
    });
  }

  private assemble(sessionId: string): ContextAssembly {
    const { deps } = this;
    return assembleContext({ repo: deps.conversations, summaries: deps.summaries, index: deps.chains, sessionId, budgetTokens: CONTEXT_TOKENS, facts: deps.facts });
  }

  /**
   * Summarise the older turns that no longer fit with the cheapest model that can, under the
   * budget, in one call, and store the summary for every later call. Not in edit mode (it would
   * be a call the user did not see coming). Any failure leaves the turns out with the marker:
   * a summary is an improvement, never a reason for a task to fail. Says what it did on stderr.
   */
  private async compact(todo: Compaction): Promise<boolean> {
    const { deps, p } = this;
    const role = deps.roles.find((r) => r.name === 'summarizer');
    if (!role || this.cancelled) return false;
    const messages: ChatMessage[] = [{ role: 'system', content: role.systemPrompt }, ...summaryRequest(todo)];
    const inputTokens = countTokens(messages);
    const { pick, model, provider } = this.route(role, this.usableModels(), inputTokens, { ...p.options, premium: false }, new Set(), true);
    if (!pick || !model || !provider) return false;
    const callId = randomUUID();
    const reserved = this.reserve(callId, role, pick, model, inputTokens);
    if (!reserved.ok) {
      this.send({ kind: 'warning', text: `${todo.turns.length} older turns left out, not summarised: ${reserved.message}` });
      return false;
    }
    let text = '';
    const running = deps.pool.run(buildCallSpec({ provider, model: pick.model, messages, env: p.env, cwd: p.cwd, routing: deps.config.routing }), (events) => {
      for (const e of events) if (e.type === 'delta') text += e.text;
    });
    this.current = running;
    if (this.cancelled) running.abort();
    const outcome = await running.outcome;
    this.current = undefined;
    const cost = actualCost(model, outcome.usage ?? this.guessUsage(outcome, inputTokens, text));
    const summary = text.trim();
    const tokens = countTokens([{ role: 'system', content: summary }]);
    if (outcome.failure || outcome.finish === 'cancelled' || this.cancelled || summary === '' || tokens > CONTEXT_TOKENS * MAX_SUMMARY_SHARE) {
      deps.guard.release(callId, cost ?? 0, outcome.usage);
      this.compactionMicros += cost ?? 0;
      if (outcome.failure) {
        deps.providers.report(pick.provider, { type: 'call.failed', failure: outcome.failure, at: deps.clock.now() });
        this.recordLimit(pick.provider, outcome);
      }
      if (!this.cancelled) {
        const why = summary === '' || outcome.failure ? 'failed' : `gave ${tokens} tokens, too long to use`;
        this.send({ kind: 'warning', text: `${todo.turns.length} older turns left out: summarising them on ${pick.provider}/${pick.model} ${why}` });
      }
      return false;
    }
    deps.guard.commit(callId, { ...(cost !== undefined ? { costMicros: cost } : {}), ...(outcome.usage ? { usage: outcome.usage } : {}) });
    deps.providers.report(pick.provider, { type: 'call.succeeded' });
    this.compactionMicros += cost ?? 0;
    deps.summaries.put({
      throughMessage: todo.throughMessageId,
      covers: todo.covers,
      content: summary,
      tokens,
      model: `${pick.provider}/${pick.model}`,
      createdAt: deps.clock.now(),
    });
    this.send({
      kind: 'note',
      text: `summarised ${todo.covers} older turns of this conversation with ${pick.provider}/${pick.model}; later calls reuse the summary`,
      key: 'summarised',
      vars: { count: todo.covers, model: `${pick.provider}/${pick.model}` },
    });
    return true;
  }

  /** A provider's limit is the same normalized `rate_limited` event every other source raises. */
  private recordLimit(provider: string, outcome: CallOutcome): void {
    const f = outcome.failure;
    if (!f || (f.kind !== 'rate_limited' && f.kind !== 'quota')) return;
    const payload: RateLimited = {
      source: 'provider',
      agent: `provider:${provider}`,
      severity: 'limit',
      rule: `provider.${f.kind}`,
      matched: f.message,
      ...(f.resetAt !== undefined ? { resetAt: f.resetAt } : {}),
      ...(outcome.agentSession ? { agentSession: outcome.agentSession } : {}),
      at: this.deps.clock.now(),
    };
    this.deps.record({ type: 'rate_limited', actor: `provider:${provider}`, payload: { ...payload } });
  }

  private ask(step: number, plan: Extract<TaskMessage, { kind: 'confirm' }>['plan']): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = this.deps.clock.setTimeout(() => answer(false), CONFIRM_TIMEOUT_MS);
      const answer = (yes: boolean): void => {
        this.deps.clock.clearTimeout(timer);
        this.confirms.delete(step);
        resolve(yes);
      };
      this.confirms.set(step, answer);
      this.send({ kind: 'confirm', step, plan });
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
