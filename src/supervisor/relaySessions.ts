/**
 * The daemon's relay sessions: one {@link createRelaySessionMachine} actor per session, fed
 * with the agents' limits and exits, and the work a handoff does (ledger, snapshot, park or
 * stop, pick, launch). Session rows are persisted as they change.
 */
import { randomBytes } from 'node:crypto';
import { createActor, waitFor, type Actor, type InspectionEvent, type Subscription } from 'xstate';
import type { AgentControl, AgentInfo } from '../actors/agent/agentControl.js';
import type { AgentAdapter, Turn } from '../adapters/agentAdapter.js';
import { KNOWN_KINDS } from '../adapters/registry.js';
import type { HandoffResult, RelaySessionInfo, RelayState } from '../bus/relayProtocol.js';
import { LimitLedger } from '../limits/limitLedger.js';
import type { RateLimited } from '../limits/rateLimited.js';
import type { Clock } from '../platform/clock.js';
import { isAgentName, type RelayConfig } from '../platform/config.js';
import { desktopNotify } from '../platform/desktopNotify.js';
import { RelayError, toRelayError } from '../platform/errors.js';
import { findOnPath } from '../platform/findOnPath.js';
import type { RelayPaths } from '../platform/paths.js';
import { snapshotId, writeSnapshot, MAX_TURNS, type SnapshotReason } from '../snapshots/snapshotWriter.js';
import type { AgentKind } from '../store/agentsRepo.js';
import type { Database } from '../store/database.js';
import type { NewEvent } from '../store/eventRecord.js';
import { LimitsRepo } from '../store/limitsRepo.js';
import { RelayRepo } from '../store/relayRepo.js';
import { SnapshotsRepo, type SnapshotRow } from '../store/snapshotsRepo.js';
import {
  createRelaySessionMachine,
  hasNextAgent,
  relaySystemId,
  rotation,
  type HandoffOutcome,
  type HandoffRequest,
  type PendingSnapshot,
  type RelaySessionMachine,
} from './relaySessionMachine.js';

export interface RelaySessionsDeps {
  agents: AgentControl;
  db: Database;
  paths: RelayPaths;
  /** Also the actors' clock: stranded sessions resume on it. */
  clock: Clock;
  config: RelayConfig;
  record: (e: NewEvent) => void;
  adapterFor: (kind: AgentKind) => AgentAdapter;
  /** The daemon's environment: PATH to find the next agent's CLI, HOME for transcripts. */
  env: NodeJS.ProcessEnv;
  /** Desktop notification; best effort, never awaited. Defaults to notify-send. */
  notify?: (title: string, body: string) => void;
  /** xstate inspection for the event log (actor.transition records). */
  inspect?: (ev: InspectionEvent) => void;
}

export interface CreateRelaySession {
  /** From {@link RelaySessions.allocate}; a new id when absent. */
  id?: string;
  /** Agent names; the config's order when empty. `first`'s name goes in front when missing. */
  order: readonly string[];
  first: AgentInfo;
  cwd: string;
  task?: string | null;
  /** The terminal size for agents it starts (the first agent's when known). */
  cols?: number;
  rows?: number;
}

/** Size of a started agent when nobody said; an attached client resizes it at once. */
const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 40;
/** Reading a transcript must not hold up a handoff: the screen text is the fallback. */
const TRANSCRIPT_TIMEOUT_MS = 2_000;

interface Session {
  id: string;
  actor: Actor<RelaySessionMachine>;
  subscription?: Subscription;
  createdAt: number;
  updatedAt: number;
  cols: number;
  rows: number;
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

/** `cli:aider` → `cli`; the four known names are their own kind. */
export function kindOfName(name: string): AgentKind {
  if (name === 'claude' || name === 'codex' || name === 'gemini' || name === 'opencode') return name;
  return 'cli';
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
  private readonly snapshotsRepo: SnapshotsRepo;
  private readonly ledger: LimitLedger;
  private readonly machine: RelaySessionMachine;
  private readonly unsubscribe: Array<() => void> = [];
  /** Handoffs running now, so {@link close} can wait for them. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly deps: RelaySessionsDeps) {
    this.relayRepo = new RelayRepo(deps.db);
    this.snapshotsRepo = new SnapshotsRepo(deps.db);
    this.ledger = new LimitLedger(new LimitsRepo(deps.db), deps.clock);
    // A new daemon has no agents: sessions its predecessor left open describe nobody's work.
    this.relayRepo.endAllOpen(deps.clock.now());
    const h = deps.config.handoff;
    this.machine = createRelaySessionMachine({
      clock: deps.clock,
      debounceMs: h.debounceMs,
      actOnWarnings: h.actOnWarnings,
      retryMs: h.defaultCooldownMs,
      performHandoff: (req) => this.track(this.performHandoff(req)),
      record: deps.record,
    });
    this.unsubscribe.push(
      deps.agents.onLimit((e) => this.onLimit(e)),
      deps.agents.onExit((info) => this.onExit(info)),
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
  allocate(order: readonly string[] | undefined, firstName: string): string | null {
    const configured = this.deps.config.handoff.order;
    const wanted =
      order && order.length > 0
        ? order
        : configured.length > 0
          ? configured
          : (KNOWN_KINDS as readonly string[]).includes(firstName)
            ? KNOWN_KINDS.filter((k) => k === firstName || this.isInstalled(k))
            : [];
    const full = normalizeOrder(wanted, firstName);
    this.assertNames(full);
    if (!hasNextAgent(full, firstName)) return null;
    const id = newRelaySessionId(this.deps.clock.now());
    this.allocated.set(id, full);
    return id;
  }

  /** Start the session allocated as `sessionId` with the agent that was started for it. */
  bind(sessionId: string, agentId: string, cwd: string, size?: { cols: number; rows: number }): void {
    const order = this.allocated.get(sessionId);
    const first = this.deps.agents.get(agentId);
    this.allocated.delete(sessionId);
    if (!order || !first) {
      throw new RelayError('E_INTERNAL', `cannot bind relay session ${sessionId} to agent ${agentId}: unknown ${order ? 'agent' : 'session'}`);
    }
    this.create({ id: sessionId, order, first, cwd, ...(size ?? {}) });
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

    // AgentInfo has no size today; read it if a later version carries one.
    const size = req.first as Partial<{ cols: number; rows: number }>;
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
      cols: req.cols ?? size.cols ?? DEFAULT_COLS,
      rows: req.rows ?? size.rows ?? DEFAULT_ROWS,
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
      throw new RelayError('E_USAGE', `relay session ${s.id} is already handing off`, { hint: 'wait a moment and check with relay ps' });
    }
    if (req.to !== undefined) {
      if (!isAgentName(req.to)) {
        throw new RelayError('E_USAGE', `"${req.to}" is not an agent name`, { hint: 'use claude, codex, gemini, opencode or cli:<program>' });
      }
      if (req.to === ctx.activeName && state === 'running') {
        throw new RelayError('E_USAGE', `${req.to} is already the active agent of relay session ${s.id}`);
      }
      if (!this.isInstalled(req.to)) {
        throw new RelayError('E_USAGE', `${req.to} is not installed: no ${this.binariesOf(req.to).join(' or ')} on the daemon's PATH`, {
          hint: 'install it, or restart the daemon from a shell whose PATH has it',
        });
      }
    } else if (!hasNextAgent(ctx.order, ctx.activeName)) {
      throw new RelayError('E_USAGE', `relay session ${s.id} has no other agent in its order (${ctx.order.join(', ')})`, {
        hint: 'name one: relay handoff --to codex',
      });
    }
    const before = ctx.attempts;
    s.actor.send({ type: 'relay.handoff', ...(req.to ? { to: req.to } : {}) });
    if (s.actor.getSnapshot().context.attempts === before) {
      throw new RelayError('E_USAGE', `relay session ${s.id} cannot hand off now (${topState(s.actor.getSnapshot().value)})`);
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

  private onLimit(e: RateLimited): void {
    if (this.closed) return;
    // The `rate_limited` event itself is logged by the agent manager, where every limit starts.
    const now = this.deps.clock.now();
    // Limits are the account's: record them even for agents in no session, so no session hands to them.
    // A hook of a CLI Relay does not run names the CLI itself (`claude`), not an agent id.
    const name = this.known.get(e.agent)?.name ?? this.deps.agents.get(e.agent)?.name ?? (isAgentName(e.agent) ? e.agent : undefined);
    if (name && e.severity === 'limit') {
      const { until } = this.limitUntil(e, now);
      this.ledger.record(name, until, e.source, e.rule);
    }
    const sessionId = this.sessionOfAgent.get(e.agent) ?? e.relaySession;
    const s = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    s?.actor.send({ type: 'rate_limited', limit: e });
  }

  private onExit(info: AgentInfo): void {
    if (this.closed) return;
    this.remember(info);
    const sessionId = this.sessionOfAgent.get(info.id);
    const s = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    s?.actor.send({ type: 'agent.exited', agent: info });
  }

  // ---- the work of a handoff ------------------------------------------------------------

  /** When a limit lifts, and whether that is a guess (no reset time given, or only a retry warning). */
  private limitUntil(e: RateLimited, now: number): { until: number; guessed: boolean } {
    const cooldown = now + this.deps.config.handoff.defaultCooldownMs;
    // A warning's time is the CLI's next retry, not when the limit lifts: at least the cooldown.
    if (e.severity === 'warning') return { until: Math.max(e.resetAt ?? 0, cooldown), guessed: true };
    if (e.resetAt !== undefined && e.resetAt > now) return { until: e.resetAt, guessed: false };
    return { until: cooldown, guessed: true };
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const done = () => this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  /** Between the steps of a handoff: once closed (the daemon stops), nothing more is started or written. */
  private assertOpen(): void {
    if (this.closed) throw new RelayError('E_INTERNAL', 'relay sessions closed during a handoff');
  }

  private async performHandoff(req: HandoffRequest): Promise<HandoffOutcome> {
    const s = this.sessions.get(req.relaySession);
    if (!s) throw new RelayError('E_INTERNAL', `no relay session ${req.relaySession}`);
    const now = this.deps.clock.now();
    const t = req.trigger;
    if (req.pending) {
      // Stranded: the snapshot is written and the agent retired; only someone to take it is missing.
      if (t.kind === 'manual' && t.to) return this.startNext(s, req, req.pending, [t.to]);
      const candidates = this.available(rotation(req.order, req.fromName, true), now, false);
      if (t.kind === 'manual' && candidates.length === 0) throw this.nobodyAvailable(req, now);
      return this.startNext(s, req, req.pending, candidates);
    }

    const from = this.agentInfo(req);
    let reason: SnapshotReason;
    let limitedUntil: number | null = null;
    if (t.kind === 'limit') {
      const { until, guessed } = this.limitUntil(t.limit, now);
      limitedUntil = this.ledger.record(req.fromName, until, t.limit.source, t.limit.rule).until;
      reason = { kind: 'limit', limit: t.limit, until: limitedUntil, guessed: guessed && limitedUntil === until };
    } else {
      reason = { kind: 'manual', ...(t.kind === 'manual' && t.to ? { requestedTo: t.to } : {}) };
    }

    let candidates: string[];
    if (t.kind === 'manual') {
      candidates = t.to ? [t.to] : this.available(rotation(req.order, req.fromName, false), now, false);
      // The user asked for a move, not a wait: with nobody to take over, nothing changes.
      if (candidates.length === 0) throw this.nobodyAvailable(req, now);
    } else {
      // Limits go around the whole order, back to the same CLI last once its limit lifts.
      candidates = this.available(rotation(req.order, req.fromName, true), now, false);
    }

    const agentSession = t.kind === 'limit' ? t.limit.agentSession : undefined;
    const turns = await this.readTurns(from, req.cwd, agentSession);
    const screen = turns.length > 0 ? undefined : this.screenOf(from.id);
    const id = snapshotId(now, req.fromName);
    this.assertOpen();
    const written = await writeSnapshot({
      paths: this.deps.paths,
      id,
      relaySession: req.relaySession,
      fromAgent: from,
      task: req.task,
      cwd: req.cwd,
      turns,
      ...(screen ? { screen } : {}),
      reason,
      nextAgent: candidates[0] ?? null,
      now,
      env: this.deps.env,
    });
    const row: SnapshotRow = {
      id,
      relaySession: req.relaySession,
      fromAgent: from.id,
      toAgent: null,
      reason: t.kind === 'limit' ? t.limit.rule : 'manual',
      limitedUntil,
      path: written.path,
      createdAt: now,
    };
    this.assertOpen();
    this.snapshotsRepo.insert(row);
    this.retire(from, t.kind === 'limit' ? this.deps.config.handoff.onLimit : 'park');
    return this.startNext(s, req, { row, markdown: written.markdown }, candidates);
  }

  /** Start the first candidate that starts; stranded (until the earliest reset) when none is left. */
  private async startNext(s: Session, req: HandoffRequest, snap: PendingSnapshot, candidates: string[]): Promise<HandoffOutcome> {
    let firstError: unknown;
    for (const name of candidates) {
      this.assertOpen();
      try {
        const agent = await this.launch(s, name, req.cwd, snap.markdown);
        this.snapshotsRepo.setToAgent(snap.row.id, agent.id);
        const row = { ...snap.row, toAgent: agent.id };
        this.notify('Relay: handoff', `${req.fromName} stopped; ${agent.name} (${agent.id}) continues. Snapshot ${row.id}`);
        return { kind: 'handedOff', agent, snapshot: row, markdown: snap.markdown };
      } catch (e) {
        firstError ??= e;
      }
    }
    if (firstError !== undefined) throw firstError;
    const now = this.deps.clock.now();
    const resumeAt = this.ledger.earliestReset([...new Set([...req.order, req.fromName])], now);
    this.notify(
      'Relay: no agent available',
      resumeAt === null
        ? `Relay session ${s.id} is waiting: no agent of ${req.order.join(', ')} can take over`
        : `Relay session ${s.id} resumes at ${new Date(resumeAt).toLocaleTimeString()}`,
    );
    return { kind: 'stranded', resumeAt, snapshot: snap.row, markdown: snap.markdown };
  }

  private async launch(s: Session, name: string, cwd: string, prompt: string): Promise<AgentInfo> {
    const kind = kindOfName(name);
    const adapter = this.deps.adapterFor(kind);
    // An unknown CLI is run as its program name; its adapter types the prompt once it is ready.
    const spec = adapter.launch({ prompt, cwd, ...(kind === 'cli' ? { userArgs: [name.slice('cli:'.length)] } : {}) });
    const agent = await this.deps.agents.start({
      kind,
      command: spec.command,
      args: spec.args,
      cwd,
      env: spec.env,
      cols: s.cols,
      rows: s.rows,
      relaySession: s.id,
      ...(spec.typePrompt ? { typePrompt: prompt } : {}),
    });
    this.remember(agent);
    this.sessionOfAgent.set(agent.id, s.id);
    return agent;
  }

  /** Park or stop the agent that handed off; never waits for a stop (its exit is ignored later). */
  private retire(from: AgentInfo, how: 'park' | 'stop'): void {
    const live = this.deps.agents.get(from.id);
    if (!live || live.exit || live.state === 'exited' || live.state === 'crashed') return;
    try {
      if (how === 'stop') void this.deps.agents.stop(from.id, 'rate_limited').catch(() => undefined);
      else this.deps.agents.park(from.id);
    } catch {
      // It exited between the check and the call: nothing left to retire.
    }
  }

  private available(names: readonly string[], now: number, ignoreLedger: boolean): string[] {
    return names.filter((n) => this.isInstalled(n) && (ignoreLedger || this.ledger.limitedUntil(n, now) === null));
  }

  private nobodyAvailable(req: HandoffRequest, now: number): RelayError {
    const why = rotation(req.order, req.fromName, false).map((n) => {
      if (!this.isInstalled(n)) return `${n} is not installed`;
      const until = this.ledger.limitedUntil(n, now);
      return until === null ? `${n} is available` : `${n} is limited until ${new Date(until).toISOString()}`;
    });
    return new RelayError('E_USAGE', `no other agent can take over relay session ${req.relaySession}: ${why.join('; ')}`, {
      hint: 'name one explicitly with --to, or wait for a limit to lift',
    });
  }

  private binariesOf(name: string): string[] {
    const kind = kindOfName(name);
    return kind === 'cli' ? [name.slice('cli:'.length)] : [...this.deps.adapterFor(kind).binaries];
  }

  private isInstalled(name: string): boolean {
    const path = this.deps.env.PATH ?? '';
    return this.binariesOf(name).some((b) => findOnPath(b, path) !== null);
  }

  private async readTurns(from: AgentInfo, cwd: string, agentSession: string | undefined): Promise<Turn[]> {
    const adapter = this.deps.adapterFor(from.kind);
    let timer: unknown;
    const timeout = new Promise<Turn[]>((resolve) => {
      timer = this.deps.clock.setTimeout(() => resolve([]), TRANSCRIPT_TIMEOUT_MS);
    });
    try {
      const read = adapter.readTranscript({
        cwd,
        home: this.deps.env.HOME ?? '',
        env: this.deps.env,
        ...(agentSession ? { agentSession } : {}),
        since: from.startedAt,
        limit: MAX_TURNS,
      });
      return await Promise.race([read, timeout]);
    } catch {
      // A transcript in a format this version does not know: the screen text will do.
      return [];
    } finally {
      this.deps.clock.clearTimeout(timer);
    }
  }

  private screenOf(agentId: string): string[] {
    try {
      return this.deps.agents.screenText(agentId);
    } catch {
      return [];
    }
  }

  private agentInfo(req: HandoffRequest): AgentInfo {
    const info = this.deps.agents.get(req.fromAgent) ?? this.known.get(req.fromAgent);
    if (info) return info;
    // Forgotten by the agent manager and never seen here: enough for the snapshot's header.
    return {
      id: req.fromAgent,
      kind: kindOfName(req.fromName),
      name: req.fromName,
      command: req.fromName,
      args: [],
      cwd: req.cwd,
      pid: null,
      state: 'exited',
      relaySession: req.relaySession,
      attached: 0,
      startedAt: 0,
      exit: null,
    };
  }

  private notify(title: string, body: string): void {
    try {
      if (this.deps.notify) this.deps.notify(title, body);
      else desktopNotify(title, body, this.deps.env);
    } catch {
      // A notification is a courtesy; it never fails a handoff.
    }
  }

  // ---- bookkeeping ----------------------------------------------------------------------

  private remember(info: AgentInfo): void {
    this.known.set(info.id, info);
  }

  private assertNames(order: readonly string[]): void {
    const bad = order.filter((n) => !isAgentName(n));
    if (bad.length > 0) {
      throw new RelayError('E_USAGE', `not an agent name in the order: ${bad.join(', ')}`, {
        hint: 'use claude, codex, gemini, opencode or cli:<program>',
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
    const key = `${state}|${ctx.activeAgent}|${ctx.resumeAt ?? ''}`;
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
