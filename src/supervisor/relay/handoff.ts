/**
 * The work of one handoff, as small steps over injected parts: record the limit in the ledger,
 * pick who can take over, write the snapshot, park or stop the agent that stopped, launch the
 * next one, and tell the user. The relay-session machine decides when a handoff happens
 * (relaySessionMachine.ts); {@link performHandoff} is what it invokes.
 *
 * Two seams for what comes later: {@link HandoffParts.vetoes} may refuse a successor (the budget
 * guard refusing a paid agent over its limit), and {@link HandoffParts.afterHandoff} steps run
 * once a successor took over (the conversation graph's `handoff` edge).
 */
import type { AgentControl } from '../../actors/agent/agentControl.js';
import type { TranscriptQuery, Turn } from '../../adapters/agentDescriptor.js';
import { kindOfName, type AgentKind } from '../../adapters/registry.js';
import type { RelayConfig } from '../../config/relayConfig.js';
import type { LimitLedger } from '../../limits/limitLedger.js';
import type { AgentInfo, TerminalSize } from '../../protocol/agentProtocol.js';
import type { RateLimited } from '../../protocol/rateLimited.js';
import { describeGaps, type SnapshotInfo, type SuccessorGap } from '../../protocol/relayProtocol.js';
import type { Clock } from '../../platform/clock.js';
import { formatClockTime } from '../../platform/duration.js';
import { RelayError } from '../../platform/errors.js';
import type { RelayPaths } from '../../platform/paths.js';
import { MAX_TURNS, snapshotId, writeSnapshot, type SnapshotReason } from '../../snapshots/snapshotWriter.js';
import { quotaReason, rotation, type HandoffOutcome, type SuccessorChoice, type HandoffRequest, type PendingSnapshot } from './relaySessionMachine.js';

/** Reading a transcript must not hold up a handoff: the screen text is the fallback. */
const TRANSCRIPT_TIMEOUT_MS = 2_000;

/**
 * An agent this young may not have written its transcript yet (Claude wrote its session file
 * 145 ms after its limit showed): when no task is known, its reader is asked again, every
 * {@link TRANSCRIPT_POLL_MS}, for up to {@link HandoffParts.transcriptWaitMs}.
 */
const FRESH_AGENT_MS = 10_000;
const TRANSCRIPT_POLL_MS = 100;

/** Where snapshot rows are kept (the `snapshots` table). */
export interface SnapshotIndex {
  insert(row: SnapshotInfo): void;
  setToAgent(id: string, toAgent: string | null): boolean;
}

/** May refuse a candidate successor: a reason to skip it, or null to let it take over. */
export type SuccessorVeto = (candidate: string, req: HandoffRequest) => string | null;

/** Runs once a successor took over, before the session moves on. */
export type AfterHandoff = (outcome: Extract<HandoffOutcome, { kind: 'handedOff' }>, req: HandoffRequest) => void;

/** What a handoff works with; shared by every session of a daemon. */
export interface HandoffParts {
  agents: AgentControl;
  ledger: LimitLedger;
  snapshots: SnapshotIndex;
  paths: Pick<RelayPaths, 'snapshots'>;
  clock: Clock;
  handoff: Pick<RelayConfig['handoff'], 'onLimit' | 'defaultCooldownMs'>;
  /** The daemon's environment: HOME and PATH for transcripts and git. */
  env: NodeJS.ProcessEnv;
  /** Best effort, never awaited; a failure never fails a handoff. */
  notify: (title: string, body: string) => void;
  vetoes: readonly SuccessorVeto[];
  afterHandoff: readonly AfterHandoff[];
  /** Between steps: throws once the daemon is stopping, so nothing more is started or written. */
  assertOpen: () => void;
  /** Last known info of an agent the agent manager may have forgotten. */
  knownAgent: (id: string) => AgentInfo | undefined;
  /** A kind's transcript reader (its descriptor's). */
  readTranscript: (kind: AgentKind, q: TranscriptQuery) => Promise<Turn[]>;
  /** How long to wait for the transcript of an agent that started moments ago (0: do not). */
  transcriptWaitMs: number;
}

/** The session a handoff runs for: its size and environment for the next agent, and who to tell about a launch. */
export interface HandoffSession {
  size: TerminalSize;
  /**
   * The environment of the shell that started the session, when known: the next agent is looked
   * up on its PATH and runs with it (absent: the daemon's, e.g. a session restored after a restart).
   */
  env?: Record<string, string>;
  /** Called as soon as the next agent runs, before anything else can happen to it. */
  launched: (agent: AgentInfo) => void;
}

/** When a limit lifts, and whether that is a guess (no reset time given, or only a retry warning). */
export function limitUntil(e: RateLimited, now: number, cooldownMs: number): { until: number; guessed: boolean } {
  const cooldown = now + cooldownMs;
  // A warning's time is the CLI's next retry, not when the limit lifts: at least the cooldown.
  if (e.severity === 'warning') return { until: Math.max(e.resetAt ?? 0, cooldown), guessed: true };
  if (e.resetAt !== undefined && e.resetAt > now) return { until: e.resetAt, guessed: false };
  return { until: cooldown, guessed: true };
}

/** Why the agent handed off, with its limit recorded in the ledger. */
function recordReason(parts: HandoffParts, req: HandoffRequest, now: number): { reason: SnapshotReason; limitedUntil: number | null } {
  const t = req.trigger;
  // Not limited yet: the ledger learns of the limit when (if) it comes.
  if (t.kind === 'quota_low') return { reason: { kind: 'quota_low', detail: quotaReason(t.quota, now, formatClockTime) }, limitedUntil: null };
  if (t.kind !== 'limit') {
    return { reason: { kind: 'manual', ...(t.kind === 'manual' && t.to ? { requestedTo: t.to } : {}) }, limitedUntil: null };
  }
  const { until, guessed } = limitUntil(t.limit, now, parts.handoff.defaultCooldownMs);
  const limitedUntil = parts.ledger.record(req.fromName, until, t.limit.source, t.limit.rule).until;
  return { reason: { kind: 'limit', limit: t.limit, until: limitedUntil, guessed: guessed && limitedUntil === until }, limitedUntil };
}

/** Why `name` cannot take over now, or null when it can. Checked at handoff time, every time. */
function whyNot(parts: HandoffParts, session: HandoffSession, name: string, req: HandoffRequest, now: number): SuccessorGap | null {
  // A limit first: for the agent that just stopped it is the news, and it lifts on its own.
  const until = parts.ledger.limitedUntil(name, now);
  if (until !== null) return { name, why: 'limited', until };
  const missing = parts.agents.unavailable(name, session.env);
  if (missing) return missing;
  for (const veto of parts.vetoes) {
    const no = veto(name, req);
    if (no) return { name, why: 'refused', detail: no };
  }
  return null;
}

/** Who may take over, in order (the names after the agent that stopped, each available now), and why the others may not. */
export interface Candidates {
  names: string[];
  gaps: SuccessorGap[];
}

export function pickCandidates(parts: HandoffParts, session: HandoffSession, req: HandoffRequest, includeCurrent: boolean, now: number): Candidates {
  const names: string[] = [];
  const gaps: SuccessorGap[] = [];
  for (const n of rotation(req.order, req.fromName, includeCurrent)) {
    const gap = whyNot(parts, session, n, req, now);
    if (gap) gaps.push(gap);
    else names.push(n);
  }
  // The successor a quota_low chose goes first while it is still available (a limit that beat the turn's end).
  const first = req.preferred !== undefined ? names.indexOf(req.preferred) : -1;
  if (first > 0) names.unshift(...names.splice(first, 1));
  return { names, gaps };
}

/**
 * Who would take over `req`'s session now, by the same candidates as a handoff (the names after
 * the active agent, each installed, not limited and not vetoed), without doing anything. The
 * active agent itself is not a candidate: its quota is the one running low.
 */
export function chooseSuccessor(parts: HandoffParts, session: HandoffSession, req: HandoffRequest): SuccessorChoice {
  const { names, gaps } = pickCandidates(parts, session, req, false, parts.clock.now());
  const name = names[0];
  return name !== undefined ? { name, gaps } : { name: null, gaps };
}

/** The error for a manual handoff nobody can take: each other agent and why not. */
function nobodyAvailable(req: HandoffRequest, gaps: readonly SuccessorGap[], now: number): RelayError {
  const why = gaps.length > 0 ? describeGaps(gaps, now) : `its order has no other agent (${req.order.join(', ')})`;
  return new RelayError('E_CONFLICT', `no other agent can take over relay session ${req.relaySession}: ${why}`, {
    hint: 'name one explicitly with --to, or wait for a limit to lift',
  });
}

/** The environment a session's work sees: the daemon's, under that of the shell that started it. */
function sessionEnv(parts: HandoffParts, session: HandoffSession): NodeJS.ProcessEnv {
  return session.env ? { ...parts.env, ...session.env } : parts.env;
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** One read of the agent's transcript, within a bounded time; [] when none. */
async function readTurnsOnce(parts: HandoffParts, env: NodeJS.ProcessEnv, from: AgentInfo, cwd: string, agentSession: string | undefined): Promise<Turn[]> {
  let timer: unknown;
  const timeout = new Promise<Turn[]>((resolve) => {
    timer = parts.clock.setTimeout(() => resolve([]), TRANSCRIPT_TIMEOUT_MS);
  });
  try {
    const read = parts.readTranscript(kindOfName(from.name), {
      cwd,
      home: env.HOME ?? '',
      env,
      ...(agentSession ? { agentSession } : {}),
      since: from.startedAt,
      limit: MAX_TURNS,
    });
    return await Promise.race([read, timeout]);
  } catch {
    // A transcript in a format this version does not know: the screen text will do.
    return [];
  } finally {
    parts.clock.clearTimeout(timer);
  }
}

/**
 * The last turns from the agent's own transcript. When the session's task is not known either
 * (none on the command line, none typed yet) and the agent is young, its CLI may still be
 * writing the file of the turn it just failed: wait briefly for it, or the next agent would get
 * no task at all. With a task known the snapshot carries it, and a handoff does not wait.
 */
async function readTurns(parts: HandoffParts, env: NodeJS.ProcessEnv, req: HandoffRequest, from: AgentInfo, agentSession: string | undefined): Promise<Turn[]> {
  const start = parts.clock.now();
  let turns = await readTurnsOnce(parts, env, from, req.cwd, agentSession);
  const mayAppear = req.task === null && start - from.startedAt < FRESH_AGENT_MS && kindOfName(from.name) !== 'cli';
  while (turns.length === 0 && mayAppear && parts.clock.now() - start < parts.transcriptWaitMs) {
    await sleep(parts.clock, TRANSCRIPT_POLL_MS);
    parts.assertOpen();
    turns = await readTurnsOnce(parts, env, from, req.cwd, agentSession);
  }
  return turns;
}

function visibleText(parts: HandoffParts, agentId: string): string[] {
  try {
    return parts.agents.visibleText(agentId);
  } catch {
    return [];
  }
}

/** The agent that stopped, as well as the manager or the session still knows it. */
function fromAgent(parts: HandoffParts, req: HandoffRequest): AgentInfo {
  const info = parts.agents.get(req.fromAgent) ?? parts.knownAgent(req.fromAgent);
  if (info) return info;
  // Forgotten by the agent manager and never seen by the session: enough for the snapshot's header.
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

/** Write the snapshot file and its row: the task, where the work stands, the last turns, why. */
async function writeHandoffSnapshot(
  parts: HandoffParts,
  session: HandoffSession,
  req: HandoffRequest,
  from: AgentInfo,
  why: { reason: SnapshotReason; limitedUntil: number | null },
  nextAgent: string | null,
  now: number,
): Promise<PendingSnapshot> {
  const t = req.trigger;
  // The user's HOME and CLI config dirs (CLAUDE_CONFIG_DIR, CODEX_HOME) find the transcript; git runs with them too.
  const env = sessionEnv(parts, session);
  const turns = await readTurns(parts, env, req, from, t.kind === 'limit' ? t.limit.agentSession : undefined);
  const screen = turns.length > 0 ? undefined : visibleText(parts, from.id);
  const id = snapshotId(now, req.fromName);
  parts.assertOpen();
  const written = await writeSnapshot({
    paths: parts.paths,
    id,
    relaySession: req.relaySession,
    fromAgent: from,
    task: req.task,
    cwd: req.cwd,
    turns,
    ...(screen ? { screen } : {}),
    reason: why.reason,
    nextAgent,
    now,
    env,
  });
  const row: SnapshotInfo = {
    id,
    relaySession: req.relaySession,
    fromAgent: from.id,
    toAgent: null,
    reason: t.kind === 'limit' ? t.limit.rule : t.kind === 'quota_low' ? 'quota_low' : 'manual',
    limitedUntil: why.limitedUntil,
    path: written.path,
    createdAt: now,
  };
  parts.assertOpen();
  parts.snapshots.insert(row);
  return { row, markdown: written.markdown, turns };
}

/** Park or stop the agent that handed off; never waits for a stop (its exit is ignored later). */
function retire(parts: HandoffParts, from: AgentInfo, how: 'park' | 'stop'): void {
  const live = parts.agents.get(from.id);
  if (!live || live.exit || live.state === 'exited' || live.state === 'crashed') return;
  try {
    if (how === 'stop') void parts.agents.stop(from.id, 'rate_limited').catch(() => undefined);
    else parts.agents.park(from.id);
  } catch {
    // It exited between the check and the call: nothing left to retire.
  }
}

function notify(parts: HandoffParts, title: string, body: string): void {
  try {
    parts.notify(title, body);
  } catch {
    // A notification is a courtesy; it never fails a handoff.
  }
}

/** Start the first candidate that starts; stranded (until the earliest reset) when none is left. */
async function launchNext(
  parts: HandoffParts,
  session: HandoffSession,
  req: HandoffRequest,
  snap: PendingSnapshot,
  candidates: Candidates,
): Promise<HandoffOutcome> {
  let firstError: unknown;
  for (const name of candidates.names) {
    parts.assertOpen();
    let agent: AgentInfo;
    try {
      agent = await parts.agents.start({
        name,
        prompt: snap.markdown,
        cwd: req.cwd,
        relaySession: req.relaySession,
        size: session.size,
        ...(session.env ? { env: session.env } : {}),
      });
    } catch (e) {
      firstError ??= e;
      continue;
    }
    session.launched(agent);
    parts.snapshots.setToAgent(snap.row.id, agent.id);
    const outcome = { kind: 'handedOff' as const, agent, snapshot: { ...snap.row, toAgent: agent.id }, markdown: snap.markdown, turns: snap.turns };
    for (const step of parts.afterHandoff) step(outcome, req);
    notify(parts, 'Relay: handoff', `${req.fromName} stopped; ${agent.name} (${agent.id}) continues. Snapshot ${snap.row.id}`);
    return outcome;
  }
  if (firstError !== undefined) throw firstError;
  const now = parts.clock.now();
  const resumeAt = parts.ledger.earliestReset([...new Set([...req.order, req.fromName])], now);
  const gaps = candidates.gaps;
  const why = gaps.length > 0 ? describeGaps(gaps, now) : 'nobody else in its order';
  notify(
    parts,
    'Relay: no agent available',
    resumeAt === null
      ? `Relay session ${req.relaySession} is waiting: ${why}`
      : `Relay session ${req.relaySession} resumes at ${formatClockTime(resumeAt, now)}: ${why}`,
  );
  return { kind: 'stranded', resumeAt, snapshot: snap.row, markdown: snap.markdown, turns: snap.turns, unavailable: gaps };
}

/**
 * One handoff of `req`'s session. A manual handoff with nobody to take over fails and changes
 * nothing (the user asked for a move, not a wait); a limit with nobody to take over strands the
 * session until the earliest reset.
 */
export async function performHandoff(parts: HandoffParts, session: HandoffSession, req: HandoffRequest): Promise<HandoffOutcome> {
  const now = parts.clock.now();
  const t = req.trigger;
  if (req.pending) {
    // Stranded: the snapshot is written and the agent retired; only someone to take it is missing.
    if (t.kind === 'manual' && t.to) return launchNext(parts, session, req, req.pending, { names: [t.to], gaps: [] });
    const candidates = pickCandidates(parts, session, req, true, now);
    if (t.kind === 'manual' && candidates.names.length === 0) throw nobodyAvailable(req, candidates.gaps, now);
    return launchNext(parts, session, req, req.pending, candidates);
  }

  const from = fromAgent(parts, req);
  const why = recordReason(parts, req, now);
  let candidates: Candidates;
  if (t.kind === 'manual') {
    // An explicit `to` is started even if the ledger says it is limited: the user may know better.
    candidates = t.to ? { names: [t.to], gaps: [] } : pickCandidates(parts, session, req, false, now);
    if (candidates.names.length === 0) throw nobodyAvailable(req, candidates.gaps, now);
  } else if (t.kind === 'quota_low') {
    // Its quota is low, not gone: going back to it would only wait for the limit again.
    candidates = pickCandidates(parts, session, req, false, now);
  } else {
    // Limits go around the whole order, back to the same CLI last once its limit lifts.
    candidates = pickCandidates(parts, session, req, true, now);
  }
  const snap = await writeHandoffSnapshot(parts, session, req, from, why, candidates.names[0] ?? null, now);
  retire(parts, from, t.kind === 'limit' ? parts.handoff.onLimit : 'park');
  return launchNext(parts, session, req, snap, candidates);
}
