/**
 * The daemon's workspace engine: what `relay "task"`, `relay providers|models|workers`,
 * `relay budget` and `relay cost` talk to. It detects providers from the asking client's
 * environment (keys live in the user's shell, not in a daemon started at login), keeps one
 * health actor per provider, and runs each task as a {@link TaskRun}.
 *
 * config.yaml is read again whenever it changed (checked per request with one stat), so an
 * edited provider or price applies to the next task without a daemon restart, and a broken edit
 * is that request's E_CONFIG, not a dead daemon.
 */
import { statSync } from 'node:fs';
import { loadConfig, type RelayConfig } from '../../config/relayConfig.js';
import type { Clock } from '../../platform/clock.js';
import { RelayError } from '../../platform/errors.js';
import type { RelayPaths } from '../../platform/paths.js';
import type { NewEvent } from '../../protocol/eventRecord.js';
import type { LiveTask, ProviderRequests } from '../../protocol/providerProtocol.js';
import type { CallPool } from '../../actors/provider/callPool.js';
import type { BudgetGuard, BudgetGuardEvent } from '../../actors/budget/budgetGuard.js';
import { detectProviders, toProviderInfo, type Detection } from '../../providers/detectProviders.js';
import { withPriceOverrides } from '../../providers/priceCatalog.js';
import { probeOllama } from '../../providers/probeOllama.js';
import { countTokens } from '../../providers/tokenEstimate.js';
import { classifyTask } from '../../routing/classifyTask.js';
import { planTeam, stepMessages } from '../../routing/teamPlan.js';
import { routeCall } from '../../routing/router.js';
import { toWorkerInfo, workerRoles } from '../../routing/workerRoles.js';
import type { Database } from '../../store/database.js';
import { ConversationRepo } from '../../store/conversationRepo.js';
import { SummaryRepo } from '../../store/summaryRepo.js';
import { ChainIndex } from '../../conversation/chainIndex.js';
import { assembleContext } from '../../conversation/contextAssembly.js';
import { importTranscript } from '../../conversation/importTranscript.js';
import type { SessionWork } from '../handlers/sessionHandlers.js';
import { KnowledgeRepo } from '../../store/knowledgeRepo.js';
import { callEstimate, TaskRun } from './taskRun.js';
import { MAX_OUTPUT_TOKENS } from './callSpecs.js';
import type { ProviderActors } from './providerActors.js';
import type { WorkspaceService } from './workspaceService.js';

type Payload<T extends keyof ProviderRequests> = ProviderRequests[T]['payload'];
type Result<T extends keyof ProviderRequests> = ProviderRequests[T]['result'];
type ProbeResult = Awaited<ReturnType<typeof probeOllama>>;

/** Remembered facts put in front of a task: the most relevant few, not the whole store. */
const FACTS_PER_TASK = 5;

/** A local model server's answer is reused this long: tasks in a row do not each wait on a probe. */
const PROBE_TTL_MS = 30_000;

export interface WorkspaceOptions {
  paths: Pick<RelayPaths, 'config'>;
  clock: Clock;
  db: Database;
  guard: BudgetGuard;
  budgetEvent: (e: BudgetGuardEvent) => void;
  pool: CallPool;
  providers: ProviderActors;
  publish: (topic: string, value: unknown) => void;
  record: (e: NewEvent) => void;
  /** How a local model server is probed; the real HTTP probe unless a test gives another. */
  probeLocal?: (baseUrl: string) => Promise<ProbeResult>;
}

export class Workspace implements WorkspaceService {
  private readonly tasks = new Map<string, TaskRun>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly probes = new Map<string, { at: number; result: Promise<ProbeResult> }>();
  private readonly conversations: ConversationRepo;
  private readonly knowledge: KnowledgeRepo;
  private readonly summaries: SummaryRepo;
  private readonly chains: ChainIndex;
  private closed = false;
  private configCache: { key: string; config: RelayConfig } | undefined;

  constructor(private readonly opts: WorkspaceOptions) {
    this.conversations = new ConversationRepo(opts.db);
    this.knowledge = new KnowledgeRepo(opts.db);
    this.summaries = new SummaryRepo(opts.db);
    this.chains = new ChainIndex(opts.db);
  }

  private probe = (baseUrl: string): Promise<ProbeResult> => {
    const now = this.opts.clock.now();
    const cached = this.probes.get(baseUrl);
    if (cached && now - cached.at < PROBE_TTL_MS) return cached.result;
    const result = (this.opts.probeLocal ?? probeOllama)(baseUrl);
    this.probes.set(baseUrl, { at: now, result });
    return result;
  };

  /** The config as the file says now; parsed again only when its inode, size or mtime moved. */
  private config(): RelayConfig {
    let key = 'absent';
    try {
      const st = statSync(this.opts.paths.config);
      key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // No file: the defaults (loadConfig says so itself).
    }
    if (this.configCache?.key === key) return this.configCache.config;
    const config = loadConfig(this.opts.paths);
    this.configCache = { key, config };
    this.opts.guard.configure(config.budget);
    return config;
  }

  private async detect(env: Record<string, string>): Promise<{ config: RelayConfig; detection: Detection }> {
    const config = this.config();
    const detection = await detectProviders({ env, config, modelFacts: withPriceOverrides(config), probeLocal: this.probe });
    await this.opts.providers.ensure(
      detection.providers.filter((d) => d.usable).map((d) => d.name),
      config.routing,
    );
    return { config, detection };
  }

  async providers(env: Record<string, string>): Promise<Result<'providers.list'>> {
    const { detection } = await this.detect(env);
    return {
      providers: detection.providers.map((d) => toProviderInfo(d, d.usable ? this.opts.providers.health(d.name) : undefined)),
      lookedFor: detection.lookedFor,
    };
  }

  async models(env: Record<string, string>): Promise<Result<'models.list'>> {
    const { detection } = await this.detect(env);
    return { models: detection.providers.filter((d) => d.usable).flatMap((d) => d.models) };
  }

  workers(): Result<'workers.list'> {
    return { workers: workerRoles(this.config()).map(toWorkerInfo) };
  }

  async plan(p: Payload<'task.plan'>): Promise<Result<'task.plan'>> {
    const { config, detection } = await this.detect(p.env);
    const task = classifyTask(p.text);
    const team = planTeam(task.intent, workerRoles(config), p.options.worker);
    const models = detection.providers.filter((d) => d.usable).flatMap((d) => d.models);
    const previous: Array<{ worker: string; text: string }> = [];
    const steps = team.map((role) => {
      const inputTokens = countTokens(stepMessages(role, p.text, undefined, previous));
      // A later worker's request holds an earlier one's answer, not known yet: its size is not counted.
      previous.push({ worker: role.name, text: '' });
      return routeCall({
        worker: role,
        models,
        health: (name) => this.opts.providers.health(name),
        inputTokens,
        maxOutputTokens: MAX_OUTPUT_TOKENS,
        estimate: (m) => callEstimate(m, inputTokens),
        options: p.options,
        now: this.opts.clock.now(),
      });
    });
    return { intent: task.intent, size: task.size, steps };
  }

  async run(p: Payload<'task.run'>): Promise<Result<'task.run'>> {
    if (this.closed) throw new RelayError('E_DAEMON_UNAVAILABLE', 'the daemon is stopping', { hint: 'run the task again once it has restarted' });
    if (this.tasks.has(p.taskId)) throw new RelayError('E_CONFLICT', `task ${p.taskId} is already running`);
    const { config, detection } = await this.detect(p.env);
    const run = new TaskRun(
      {
        clock: this.opts.clock,
        config,
        detection,
        roles: workerRoles(config),
        guard: this.opts.guard,
        budgetEvent: this.opts.budgetEvent,
        pool: this.opts.pool,
        providers: this.opts.providers,
        conversations: this.conversations,
        summaries: this.summaries,
        chains: this.chains,
        facts: this.knowledge.recall({ query: p.text, cwd: p.cwd, limit: FACTS_PER_TASK }).map((f) => f.text),
        publish: this.opts.publish,
        record: this.opts.record,
      },
      p,
    );
    this.tasks.set(p.taskId, run);
    const done = run.run();
    this.running.add(done);
    try {
      return await done;
    } finally {
      this.running.delete(done);
      this.tasks.delete(p.taskId);
    }
  }

  /** What the `session.*` handlers need beyond the graph store: facts, context, import. */
  sessionWork(): SessionWork {
    return {
      facts: (request, cwd) => this.knowledge.recall({ query: request, cwd, limit: FACTS_PER_TASK }).map((f) => f.text),
      context: (sessionId, budgetTokens, facts, request) =>
        assembleContext({ repo: this.conversations, summaries: this.summaries, index: this.chains, sessionId, budgetTokens, facts, ...(request ? { request } : {}) }).plan,
      importTranscript: (q, at) => importTranscript(this.conversations, q, at),
    };
  }

  /** The graph store the daemon's `session.*` handlers share with the tasks. */
  get conversationRepo(): ConversationRepo {
    return this.conversations;
  }

  confirm(p: Payload<'task.confirm'>): Result<'task.confirm'> {
    const run = this.tasks.get(p.taskId);
    if (!run?.confirm(p.step, p.yes)) throw new RelayError('E_CONFLICT', `task ${p.taskId} is not waiting for an answer on step ${p.step}`);
    return { ok: true };
  }

  cancel(p: Payload<'task.cancel'>): Result<'task.cancel'> {
    return { cancelled: this.tasks.get(p.taskId)?.cancel() ?? false };
  }

  /** Running tasks that have announced themselves, oldest first; one conversation's when asked. */
  list(p: Payload<'task.list'>): Result<'task.list'> {
    const tasks: LiveTask[] = [];
    for (const run of this.tasks.values()) {
      const live = run.snapshot();
      if (live && (p.session === undefined || live.session?.id === p.session)) tasks.push(live);
    }
    return { tasks };
  }

  budgetShow(): Result<'budget.show'> {
    return this.opts.guard.state();
  }

  budgetSet(limits: Payload<'budget.set'>): Result<'budget.set'> {
    return this.opts.guard.set(limits);
  }

  budgetClear(scopes: Payload<'budget.clear'>['scopes']): Result<'budget.clear'> {
    return this.opts.guard.clear(scopes);
  }

  costReport(days: number | undefined): Result<'cost.report'> {
    return this.opts.guard.report(days);
  }

  /** Cancel every running task and wait for each to settle its ledger (the daemon is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    for (const run of this.tasks.values()) run.cancel();
    await Promise.allSettled([...this.running]);
  }
}
