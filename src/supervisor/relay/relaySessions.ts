/**
 * The daemon's relay sessions: one {@link createRelaySessionMachine} actor per session, the
 * routing of the agents' limits, exits, turn ends and the proxy's low quotas to the sessions
 * they concern, and the session rows,
 * persisted as they change. The work of a handoff is handoff.ts; this file decides nothing
 * about it beyond wiring the parts together.
 */
import { randomBytes } from 'node:crypto';
import { createActor, waitFor, type Actor, type InspectionEvent, type Subscription } from 'xstate';
import type { AgentControl } from '../../actors/agent/agentControl.js';
import type { TranscriptQuery, Turn } from '../../adapters/agentDescriptor.js';
import { AGENT_NAMES_HINT, descriptorOf, isAgentName, isKnownKind, KNOWN_KINDS, type AgentKind } from '../../adapters/registry.js';
import type { RelayConfig } from '../../config/relayConfig.js';
import { LimitLedger } from '../../limits/limitLedger.js';
import type { AgentInfo, TerminalSize } from '../../protocol/agentProtocol.js';
import type { NewEvent } from '../../protocol/eventRecord.js';
import type { QuotaLow } from '../../protocol/proxyProtocol.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import { describeGaps, type HandoffResult, type RelaySessionInfo, type RelayState } from '../../protocol/relayProtocol.js';
import type { Clock } from '../../platform/clock.js';
import { desktopNotify } from '../../platform/desktopNotify.js';
import { redactText } from '../../platform/redact.js';
import { RelayError, toRelayError } from '../../platform/errors.js';
import type { RelayPaths } from '../../platform/paths.js';
import { ConversationRepo } from '../../store/conversationRepo.js';
import type { Database } from '../../store/database.js';
import { LimitsRepo } from '../../store/limitsRepo.js';
import { RelayRepo } from '../../store/relayRepo.js';
import { SnapshotsRepo } from '../../store/snapshotsRepo.js';
import { chooseSuccessor, limitUntil, performHandoff, type AfterHandoff, type HandoffParts, type SuccessorVeto } from './handoff.js';
import { HandoffLineage, type WrapConversationStore } from './handoffLineage.js';
import { createRelaySessionMachine, hasNextAgent, relaySystemId, type RelaySessionMachine } from './relaySessionMachine.js';

export interface RelaySessionsDeps {
  agents: AgentControl;
  db: Database;
  paths: RelayPaths;
  /** Also the actors' clock: stranded sessions resume on it. */
  clock: Clock;
  config: RelayConfig;
  record: (e: NewEvent) => void;
  /** The daemon's environment: HOME and PATH for transcripts and git. */
  env: NodeJS.ProcessEnv;
  /** Desktop notification; best effort, never awaited. Defaults to notify-send. */
  notify?: (title: string, body: string) => void;
  /** xstate inspection for the event log (actor.transition records). */
  inspect?: (ev: InspectionEvent) => void;
  /** A kind's transcript reader; its descriptor's unless given (tests give their own). */
  readTranscript?: (kind: AgentKind, q: TranscriptQuery) => Promise<Turn[]>;
  /** May refuse a successor (a budget guard). */
  vetoes?: readonly SuccessorVeto[];
  /** Run once a successor took over, after the conversation graph's own step. */
  afterHandoff?: readonly AfterHandoff[];
  /** Where each agent run and each handoff is recorded as conversations and edges; a repo on `db` when absent. */
  conversations?: WrapConversationStore;
  /** How long a handoff waits for a young agent's transcript to appear; {@link TRANSCRIPT_WAIT_MS} when absent. */
  transcriptWaitMs?: number;
}

/** Long enough for a CLI to write the file of the turn it just failed; short against any handoff goal. */
export const TRANSCRIPT_WAIT_MS = 1_000;

export interface CreateRelaySession {
  /** From {@link RelaySessions.allocate}; a new id when absent. */
  id?: string;
  /** Agent names; the config's order when empty. `first`'s name goes in front when missing. */
  order: readonly string[];
  first: AgentInfo;
  cwd: string;
  task?: string | null;
  /** The terminal size for agents it starts (the first agent's when known). */
  size?: TerminalSize;
  /** The environment of the shell that started it (kept in memory only: it may hold keys). */
  env?: Record<string, string>;
}

/** Size of a started agent when nobody said; an attached client resizes it at once. */
const DEFAULT_SIZE: TerminalSize = { cols: 120, rows: 40 };

interface Session {
  id: string;
  actor: Actor<RelaySessionMachine>;
  subscription?: Subscription;
  createdAt: number;
  updatedAt: number;
  /** The size of agents it starts. */
  size: TerminalSize;
  /**
   * The environment of the shell that started it: its agents are looked up on that PATH and
   * run with it. Never persisted or logged (it may hold API keys); absent for a session the
   * daemon did not get one for.
   */
  env?: Record<string, string>;
  /** state|activeAgent|resumeAt as last persisted: rows are written only on change. */
  persistedKey: string;
}

/** A relay session id: sortable by time, unique enough for one user. */
export function newRelaySessionId(now: number): string {
  return `r${now.toString(36)}${randomBytes(2).toString('hex')}`;
}

/** The top-level state name of a session actor's snapshot. */
function topState(value: unknown): RelayState {
  const top = typeof value === 'string' ? value : Object.keys(value as object)[0];
  return (top ?? 'running') as RelayState;
}

/** The fallback order: names deduplicated, `firstName` in front unless already in it. */
export function normalizeOrder(order: readonly string[], firstName: string): string[] {
  const unique = [...new Set(order)];
  return unique.includes(firstName) ? unique : [firstName, ...unique];
}

export class RelaySessions {
  private readonly sessions = new Map<string, Session>();
  /** Allocated by {@link allocate}, waiting for {@link bind}. */
  private readonly allocated = new Map<string, string[]>();
  /** Every agent a session has had → that session. */
  private readonly sessionOfAgent = new Map<string, string>();
  /** Last known info per agent, kept after the agent manager forgets an exited one. */
  private readonly known = new Map<string, AgentInfo>();
  private readonly relayRepo: RelayRepo;
  private readonly ledger: LimitLedger;
  private readonly parts: HandoffParts;
  private readonly lineage: HandoffLineage;
  private readonly machine: RelaySessionMachine;
  private readonly unsubscribe: Array<() => void> = [];
  /** Handoffs running now, so {@link close} can wait for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly deps: RelaySessionsDeps) {
    this.relayRepo = new RelayRepo(deps.db);
    this.ledger = new LimitLedger(new LimitsRepo(deps.db), deps.clock);
    this.lineage = new HandoffLineage({
      conversations: deps.conversations ?? new ConversationRepo(deps.db),
      clock: deps.clock,
      atomically: (work) => deps.db.transaction(work)(),
      failed: (relaySession, err) =>
        deps.record({
          type: 'relay.lineage_failed',
          actor: relaySystemId(relaySession),
          payload: { relaySession, reason: err instanceof Error ? err.message : String(err) },
        }),
    });
    this.parts = {
      agents: deps.agents,
      ledger: this.ledger,
      snapshots: new SnapshotsRepo(deps.db),
      paths: deps.paths,
      clock: deps.clock,
      handoff: deps.config.handoff,
      env: deps.env,
      notify: deps.notify ?? ((title, body) => desktopNotify(title, body, deps.env)),
      readTranscript: deps.readTranscript ?? ((kind, q) => descriptorOf(kind).readTranscript(q)),
      vetoes: deps.vetoes ?? [],
      afterHandoff: [this.lineage.afterHandoff, ...(deps.afterHandoff ?? [])],
      assertOpen: () => {
        if (this.closed) throw new RelayError('E_INTERNAL', 'relay sessions closed during a handoff');
      },
      knownAgent: (id) => this.known.get(id),
      transcriptWaitMs: deps.transcriptWaitMs ?? TRANSCRIPT_WAIT_MS,
    };
    // A new daemon has no agents: sessions its predecessor left open describe nobody's work.
    this.relayRepo.endAllOpen(deps.clock.now());
    const h = deps.config.handoff;
    this.machine = createRelaySessionMachine({
      clock: deps.clock,
      debounceMs: h.debounceMs,
      actOnWarnings: h.actOnWarnings,
      retryMs: h.defaultCooldownMs,
      performHandoff: (req) => {
        const s = this.sessions.get(req.relaySession);
        if (!s) return Promise.reject(new RelayError('E_INTERNAL', `no relay session ${req.relaySession}`));
        const launched = (agent: AgentInfo): void => {
          this.remember(agent);
          this.sessionOfAgent.set(agent.id, s.id);
        };
        return this.track(performHandoff(this.parts, { size: s.size, launched, ...(s.env ? { env: s.env } : {}) }, req));
      },
      chooseSuccessor: (req) => {
        const s = this.sessions.get(req.relaySession);
        // `launched` is never called: choosing starts nothing.
        return chooseSuccessor(this.parts, { size: s?.size ?? DEFAULT_SIZE, launched: () => undefined, ...(s?.env ? { env: s.env } : {}) }, req);
      },
      record: deps.record,
    });
    this.unsubscribe.push(
      deps.agents.onLimit((e) => this.onLimit(e)),
      deps.agents.onExit((info) => this.onExit(info)),
      deps.agents.onFirstLine((agentId, line) => this.onFirstLine(agentId, line)),
    );
  }

  /** The limit ledger the sessions consult (shared with anything else that learns of limits). */
  get limits(): LimitLedger {
    return this.ledger;
  }

  /**
   * Reserve a session id for an agent about to start, when its order has somewhere to hand off
   * to; null when it does not. The order is `order`, else the config's, else — for a known agent
   * CLI — the other known CLIs installed here, so wrapping `claude` hands off to an installed
   * `codex` without any set-up.
   */
  allocate(order: readonly string[] | undefined, firstName: string, env?: Record<string, string>): string | null {
    const configured = this.deps.config.handoff.order;
    const wanted =
      order && order.length > 0
        ? order
        : configured.length > 0
          ? configured
          : isKnownKind(firstName)
            ? KNOWN_KINDS.filter((k) => k === firstName || this.deps.agents.unavailable(k, env) === null)
            : [];
    const full = normalizeOrder(wanted, firstName);
    this.assertNames(full);
    if (!hasNextAgent(full, firstName)) return null;
    const id = newRelaySessionId(this.deps.clock.now());
    this.allocated.set(id, full);
    return id;
  }

  /** Start the session allocated as `sessionId` with the agent that was started for it. */
  bind(sessionId: string, agentId: string, cwd: string, opts: { size?: TerminalSize; env?: Record<string, string>; task?: string | null } = {}): void {
    const order = this.allocated.get(sessionId);
    const first = this.deps.agents.get(agentId);
    this.allocated.delete(sessionId);
    if (!order || !first) {
      throw new RelayError('E_INTERNAL', `cannot bind relay session ${sessionId} to agent ${agentId}: unknown ${order ? 'agent' : 'session'}`);
    }
    this.create({ id: sessionId, order, first, cwd, ...opts });
  }

  /** Start a session whose first agent already runs. */
  create(req: CreateRelaySession): RelaySessionInfo {
    if (this.closed) throw new RelayError('E_INTERNAL', 'relay sessions are closed');
    const now = this.deps.clock.now();
    const id = req.id ?? newRelaySessionId(now);
    if (this.sessions.has(id)) throw new RelayError('E_INTERNAL', `relay session ${id} exists already`);
    const wanted = req.order.length > 0 ? req.order : this.deps.config.handoff.order;
    const order = normalizeOrder(wanted, req.first.name);
    this.assertNames(order);
    this.remember(req.first);
    this.sessionOfAgent.set(req.first.id, id);

    const actor = createActor(this.machine, {
      input: { id, order, first: { id: req.first.id, name: req.first.name }, cwd: req.cwd, task: req.task ?? null },
      systemId: relaySystemId(id),
      clock: this.deps.clock,
      ...(this.deps.inspect ? { inspect: this.deps.inspect } : {}),
    });
    const session: Session = {
      id,
      actor,
      createdAt: now,
      updatedAt: now,
      size: req.size ?? DEFAULT_SIZE,
      ...(req.env ? { env: req.env } : {}),
      persistedKey: '',
    };
    // The error observer is required: in xstate 5 an unobserved actor failure is thrown globally.
    session.subscription = actor.subscribe({
      next: () => this.onTransition(session),
      error: (err) =>
        this.deps.record({
          type: 'relay.failed',
          actor: relaySystemId(id),
          payload: { relaySession: id, reason: err instanceof Error ? err.message : String(err) },
        }),
    });
    this.sessions.set(id, session);
    actor.start();
    this.persist(session, true);
    this.deps.record({
      type: 'relay.started',
      actor: relaySystemId(id),
      payload: { relaySession: id, order, agent: req.first.id, cwd: req.cwd },
    });
    this.lineage.started(id, req.first, req.cwd);
    // It may have exited before the session existed to hear it (a command that fails at once).
    const exited = this.deps.agents.get(req.first.id) ?? req.first;
    if (exited.exit) actor.send({ type: 'agent.exited', agent: exited });
    return this.info(session);
  }

  /** Every session this daemon runs or ran, the newest first. */
  list(): RelaySessionInfo[] {
    return [...this.sessions.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((s) => this.info(s));
  }

  get(id: string): RelaySessionInfo | undefined {
    const s = this.sessions.get(id);
    return s && this.info(s);
  }

  /** Resolves once session `id` is not in the middle of a handoff. */
  async settled(id: string): Promise<RelaySessionInfo> {
    const s = this.sessions.get(id);
    if (!s) throw new RelayError('E_USAGE', `no relay session ${id}`);
    await waitFor(s.actor, (snap) => !snap.matches('handingOff') || snap.status !== 'active');
    return this.info(s);
  }

  /**
   * Hand a session on now (`relay handoff`). `agent` picks the session (an agent id, an agent
   * name or a session id; the most recent open session when absent); `to` names the next
   * agent, otherwise the next available one in the order is taken. An explicit `to` is started
   * even if the ledger says it is limited: the user may know better (a new plan, a reset).
   */
  async handoff(req: { agent?: string; to?: string }): Promise<HandoffResult> {
    const s = this.findSession(req.agent);
    const snap = s.actor.getSnapshot();
    const ctx = snap.context;
    const state = topState(snap.value);
    if (state === 'handingOff') {
      throw new RelayError('E_CONFLICT', `relay session ${s.id} is already handing off`, { hint: 'wait a moment and check with relay ps' });
    }
    if (req.to !== undefined) {
      if (!isAgentName(req.to)) {
        throw new RelayError('E_USAGE', `"${req.to}" is not an agent name`, { hint: `use ${AGENT_NAMES_HINT}` });
      }
      if (req.to === ctx.activeName && state === 'running') {
        throw new RelayError('E_CONFLICT', `${req.to} is already the active agent of relay session ${s.id}`);
      }
      const missing = this.deps.agents.unavailable(req.to, s.env);
      if (missing) {
        throw new RelayError('E_USAGE', `${describeGaps([missing], this.deps.clock.now())} (the PATH of the shell that started relay session ${s.id})`, {
          hint: missing.why === 'not_executable' ? `chmod +x ${missing.detail ?? 'it'}` : `install ${req.to}, or name another agent`,
        });
      }
    } else if (!hasNextAgent(ctx.order, ctx.activeName)) {
      throw new RelayError('E_CONFLICT', `relay session ${s.id} has no other agent in its order (${ctx.order.join(', ')})`, {
        hint: 'name one: relay handoff --to codex',
      });
    }
    const before = ctx.attempts;
    s.actor.send({ type: 'relay.handoff', ...(req.to ? { to: req.to } : {}) });
    if (s.actor.getSnapshot().context.attempts === before) {
      throw new RelayError('E_CONFLICT', `relay session ${s.id} cannot hand off now (${topState(s.actor.getSnapshot().value)})`);
    }
    await this.settled(s.id);
    const last = s.actor.getSnapshot().context.lastAttempt;
    if (!last || last.attempt !== before + 1) {
      throw new RelayError('E_INTERNAL', `relay session ${s.id} lost track of its handoff`);
    }
    if (!last.ok) throw toRelayError(last.error);
    const out = last.outcome;
    return {
      relaySession: s.id,
      from: last.from,
      to: out.kind === 'handedOff' ? out.agent.id : null,
      toName: out.kind === 'handedOff' ? out.agent.name : null,
      snapshot: out.snapshot,
      stranded: out.kind === 'stranded',
      resumeAt: out.kind === 'stranded' ? out.resumeAt : null,
      unavailable: out.kind === 'stranded' ? out.unavailable : [],
    };
  }

  /**
   * Stop every session actor and its timers at once (rows keep their last state). A handoff
   * already running starts no agent after this; the promise settles when such handoffs have
   * ended, for a caller that wants nothing left running (it never rejects).
   */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      for (const off of this.unsubscribe.splice(0)) off();
      for (const s of this.sessions.values()) {
        s.subscription?.unsubscribe();
        s.actor.stop();
      }
    }
    return Promise.allSettled([...this.inFlight]).then(() => undefined);
  }

  // ---- agents' signals ------------------------------------------------------------------

  /**
   * The proxy saw an account's quota fall under its threshold. `q.agent` names an agent id or a
   * CLI name; the account is the CLI's, so every open session whose active agent it names
   * chooses a successor now and hands off when that agent's turn ends. The `quota_low` event
   * itself is the proxy's to log; each session logs only what it decided.
   */
  reportQuotaLow(q: QuotaLow): void {
    if (this.closed) return;
    for (const s of this.activeSessionsOf(q.agent)) s.actor.send({ type: 'quota.low', quota: q });
  }

  /**
   * An agent finished its turn (a turn-end hook, or its screen went quiet). `agent` is an agent
   * id, or a CLI name for a hook of a CLI Relay did not start; only a session waiting for that
   * turn to end does anything with it.
   */
  turnEnded(agent: string, at: number): void {
    if (this.closed) return;
    for (const s of this.activeSessionsOf(agent)) s.actor.send({ type: 'turn.ended', agent, at });
  }

  /** Open sessions whose active agent is `agent` (an id) or is called `agent` (a CLI name). */
  private activeSessionsOf(agent: string): Session[] {
    return [...this.sessions.values()].filter((s) => {
      const snap = s.actor.getSnapshot();
      return snap.status === 'active' && (snap.context.activeAgent === agent || snap.context.activeName === agent);
    });
  }

  private onLimit(e: RateLimited): void {
    if (this.closed) return;
    // The `rate_limited` event itself is logged by the agent manager, where every limit starts.
    const now = this.deps.clock.now();
    // Limits are the account's: record them even for agents in no session, so no session hands to them.
    // A hook of a CLI Relay does not run names the CLI itself (`claude`), not an agent id.
    const name = this.known.get(e.agent)?.name ?? this.deps.agents.get(e.agent)?.name ?? (isAgentName(e.agent) ? e.agent : undefined);
    if (name && e.severity === 'limit') {
      const { until } = limitUntil(e, now, this.deps.config.handoff.defaultCooldownMs);
      this.ledger.record(name, until, e.source, e.rule);
    }
    const sessionId = this.sessionOfAgent.get(e.agent) ?? e.relaySession;
    const s = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    s?.actor.send({ type: 'limit.reported', limit: e });
  }

  private onExit(info: AgentInfo): void {
    if (this.closed) return;
    this.remember(info);
    const sessionId = this.sessionOfAgent.get(info.id);
    const s = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    s?.actor.send({ type: 'agent.exited', agent: info });
  }

  /** A session started without a task takes the first line typed into its first agent. */
  private onFirstLine(agentId: string, line: string): void {
    if (this.closed) return;
    const sessionId = this.sessionOfAgent.get(agentId);
    const s = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    // A key pasted at a CLI's login prompt must not reach the session row or the next prompt.
    s?.actor.send({ type: 'task.recorded', task: redactText(line), source: 'typed' });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }


  // ---- bookkeeping ----------------------------------------------------------------------

  private remember(info: AgentInfo): void {
    this.known.set(info.id, info);
  }

  private assertNames(order: readonly string[]): void {
    const bad = order.filter((n) => !isAgentName(n));
    if (bad.length > 0) {
      throw new RelayError('E_USAGE', `not an agent name in the order: ${bad.join(', ')}`, {
        hint: `use ${AGENT_NAMES_HINT}`,
      });
    }
  }

  private findSession(agent: string | undefined): Session {
    const open = [...this.sessions.values()].filter((s) => topState(s.actor.getSnapshot().value) !== 'ended');
    const newest = (list: Session[]) => list.sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt)[0];
    let found: Session | undefined;
    if (agent === undefined) {
      found = newest(open);
      if (!found) {
        throw new RelayError('E_USAGE', 'no relay session is running', {
          hint: 'start one with relay wrap --order claude,codex -- claude',
        });
      }
      return found;
    }
    const byId = this.sessions.get(agent) ?? this.sessions.get(this.sessionOfAgent.get(agent) ?? '');
    found =
      (byId && open.includes(byId) ? byId : undefined) ??
      newest(open.filter((s) => s.actor.getSnapshot().context.activeName === agent));
    if (!found) {
      throw new RelayError('E_USAGE', byId ? `relay session ${byId.id} has ended` : `no open relay session for "${agent}"`, {
        hint: 'relay ps lists agents; relay handoff without an argument picks the most recent session',
      });
    }
    return found;
  }

  private onTransition(s: Session): void {
    const snap = s.actor.getSnapshot();
    this.persist(s, false);
    // The new agent may have exited while the handoff was still running, when nobody listened.
    const active = snap.context.activeAgent;
    const exited = this.known.get(active)?.exit ? this.known.get(active) : undefined;
    if (exited && topState(snap.value) === 'running') {
      queueMicrotask(() => {
        if (!this.closed && s.actor.getSnapshot().context.activeAgent === active) s.actor.send({ type: 'agent.exited', agent: exited });
      });
    }
  }

  private persist(s: Session, force: boolean): void {
    const snap = s.actor.getSnapshot();
    const ctx = snap.context;
    const state = topState(snap.value);
    const key = `${state}|${ctx.activeAgent}|${ctx.resumeAt ?? ''}|${ctx.task === null ? 0 : 1}`;
    if (!force && key === s.persistedKey) return;
    s.persistedKey = key;
    s.updatedAt = this.deps.clock.now();
    this.relayRepo.upsert({
      id: s.id,
      order: ctx.order,
      state,
      activeAgent: ctx.activeAgent,
      resumeAt: state === 'stranded' ? ctx.resumeAt : null,
      cwd: ctx.cwd,
      task: ctx.task,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    });
  }

  private info(s: Session): RelaySessionInfo {
    const snap = s.actor.getSnapshot();
    const ctx = snap.context;
    const state = topState(snap.value);
    return {
      id: s.id,
      order: [...ctx.order],
      state,
      activeAgent: ctx.activeAgent,
      activeName: ctx.activeName,
      resumeAt: state === 'stranded' ? ctx.resumeAt : null,
      cwd: ctx.cwd,
      task: ctx.task,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }
}
