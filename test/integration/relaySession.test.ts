import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { AgentControl, AgentStart } from '../../src/actors/agent/agentControl.js';
import type { AgentExitReason, AgentInfo } from '../../src/protocol/agentProtocol.js';
import type { Turn } from '../../src/adapters/agentDescriptor.js';
import { binariesOfName, descriptorOf, kindOfName, type AgentKind } from '../../src/adapters/registry.js';
import type { QuotaLow } from '../../src/protocol/proxyProtocol.js';
import type { RateLimited } from '../../src/protocol/rateLimited.js';
import type { SuccessorGap } from '../../src/protocol/relayProtocol.js';
import { ManualClock } from '../../src/platform/clock.js';
import { defaultConfig, type RelayConfig } from '../../src/config/relayConfig.js';
import { desktopNotify } from '../../src/platform/desktopNotify.js';
import { RelayError } from '../../src/platform/errors.js';
import { findOnPath } from '../../src/platform/findOnPath.js';
import { Listeners } from '../../src/platform/listeners.js';
import { relayPaths, type RelayPaths } from '../../src/platform/paths.js';
import { snapshotId, writeSnapshot } from '../../src/snapshots/snapshotWriter.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import type { NewEvent } from '../../src/protocol/eventRecord.js';
import { RelayRepo } from '../../src/store/relayRepo.js';
import { SnapshotsRepo } from '../../src/store/snapshotsRepo.js';
import { relayHandlers } from '../../src/supervisor/handlers/relayHandlers.js';
import { rotation } from '../../src/supervisor/relay/relaySessionMachine.js';
import { RelaySessions } from '../../src/supervisor/relay/relaySessions.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

/** 2026-11-21 11:00:00 UTC. */
const T0 = Date.UTC(2026, 10, 21, 11, 0, 0);
const HOUR = 3_600_000;
const SECRET = 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

/** A start as the fake recorded it: the request, and the command line its real descriptor builds. */
type Started = AgentStart & { command: string; args: string[] };

/** An in-memory AgentControl: starts are recorded, limits and exits are emitted by the test. */
class FakeAgents implements AgentControl {
  readonly infos = new Map<string, AgentInfo>();
  readonly starts: Started[] = [];
  readonly parked: string[] = [];
  readonly stopped: Array<[string, AgentExitReason]> = [];
  readonly screens = new Map<string, string[]>();
  /** Kinds whose start fails, as a spawn of a broken install would. */
  readonly failing = new Set<AgentKind>();
  private readonly limitListeners = new Listeners<[RateLimited]>();
  private readonly exitListeners = new Listeners<[AgentInfo]>();
  private readonly lineListeners = new Listeners<[agentId: string, line: string]>();
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly clock: ManualClock,
    /** Where the fake CLIs are "installed". */
    private readonly path: string,
  ) {}

  async start(req: AgentStart): Promise<AgentInfo> {
    const kind = kindOfName(req.name);
    const userArgs = kind === 'cli' ? [...binariesOfName(req.name)] : undefined;
    const spec = descriptorOf(kind).launch({ cwd: req.cwd, ...(req.prompt !== undefined ? { prompt: req.prompt } : {}), ...(userArgs ? { userArgs } : {}) });
    if (this.failing.has(kind)) throw new RelayError('E_USAGE', `command not found: ${spec.command}`);
    const name = req.name;
    const stem = name.replace(/^cli:/, '');
    const n = (this.counters.get(stem) ?? 0) + 1;
    this.counters.set(stem, n);
    const info: AgentInfo = {
      id: `${stem}-${n}`,
      kind,
      name,
      command: spec.command,
      args: spec.args,
      cwd: req.cwd,
      pid: 1000 + this.starts.length,
      state: 'running',
      relaySession: req.relaySession ?? null,
      attached: 0,
      startedAt: this.clock.now(),
      exit: null,
    };
    this.infos.set(info.id, info);
    this.starts.push({ ...req, command: spec.command, args: spec.args });
    return info;
  }

  unavailable(name: string, env?: Record<string, string>): SuccessorGap | null {
    const path = env ? (env.PATH ?? '') : this.path;
    return binariesOfName(name).some((b) => findOnPath(b, path) !== null) ? null : { name, why: 'not_installed' };
  }

  get(id: string): AgentInfo | undefined {
    return this.infos.get(id);
  }

  list(): AgentInfo[] {
    return [...this.infos.values()];
  }

  park(id: string): void {
    const info = this.infos.get(id);
    if (!info) throw new Error(`no agent ${id}`);
    info.state = 'parked';
    this.parked.push(id);
  }

  async stop(id: string, reason: AgentExitReason): Promise<void> {
    this.stopped.push([id, reason]);
    // The real exit arrives later, after SIGTERM: not inside the caller's step.
    await Promise.resolve();
    this.exit(id, reason);
  }

  visibleText(id: string): string[] {
    return this.screens.get(id) ?? [];
  }

  onLimit(listener: (e: RateLimited) => void): () => void {
    return this.limitListeners.add(listener);
  }

  onExit(listener: (info: AgentInfo) => void): () => void {
    return this.exitListeners.add(listener);
  }

  onFirstLine(listener: (agentId: string, line: string) => void): () => void {
    return this.lineListeners.add(listener);
  }

  /** The user typed the first line of `agent`'s session. */
  typed(agent: string, line: string): void {
    this.lineListeners.emit(agent, line);
  }

  /** The detector of `agent` saw a limit. */
  limit(agent: string, extra: Partial<RateLimited> = {}): void {
    const e: RateLimited = {
      source: 'pty',
      agent,
      severity: 'limit',
      rule: `${this.infos.get(agent)?.name ?? 'x'}.usage_limit`,
      matched: "You've hit your session limit · resets 2pm (UTC)",
      at: this.clock.now(),
      ...extra,
    };
    this.limitListeners.emit(e);
  }

  exit(id: string, reason: AgentExitReason, code: number | null = null): void {
    const info = this.infos.get(id);
    if (!info) throw new Error(`no agent ${id}`);
    info.state = reason === 'crashed' ? 'crashed' : 'exited';
    info.exit = { reason, code, signal: null };
    this.exitListeners.emit({ ...info });
  }

  /** Starts after the first agent's, i.e. handoffs that launched someone. */
  get launched(): Started[] {
    return this.starts.slice(1);
  }
}

interface World {
  root: string;
  work: string;
  paths: RelayPaths;
  db: Database;
  clock: ManualClock;
  agents: FakeAgents;
  sessions: RelaySessions;
  events: NewEvent[];
  notified: string[];
  transcripts: Map<AgentKind, Turn[]>;
  ofType(type: string): NewEvent[];
}

interface WorldOptions {
  installed?: string[];
  transcriptWaitMs?: number;
  readTranscript?: (kind: AgentKind) => Promise<Turn[]>;
  config?: (c: RelayConfig) => void;
}


function world(t: TestContext, opts: WorldOptions = {}): World {
  const root = makeTempDir('rs');
  const bin = join(root, 'bin');
  const work = join(root, 'work');
  mkdirSync(bin);
  mkdirSync(work);
  mkdirSync(join(root, 'home'));
  for (const name of opts.installed ?? ['claude', 'codex', 'gemini']) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  const git = findOnPath('git');
  // Only the fake CLIs and git: a real claude on this machine's PATH must not count as installed.
  const env = { PATH: [bin, ...(git ? [dirname(git)] : [])].join(delimiter), HOME: join(root, 'home') };
  const paths = relayPaths(join(root, 'rh'));
  mkdirSync(paths.home, { mode: 0o700 });
  const db = openDatabase(paths.db);
  const clock = new ManualClock(T0);
  const agents = new FakeAgents(clock, env.PATH);
  const config = defaultConfig();
  opts.config?.(config);
  const events: NewEvent[] = [];
  const notified: string[] = [];
  const transcripts = new Map<AgentKind, Turn[]>();
  const sessions = new RelaySessions({
    agents,
    db,
    paths,
    clock,
    config,
    record: (e) => events.push(e),
    readTranscript: opts.readTranscript ?? (async (kind) => transcripts.get(kind) ?? []),
    transcriptWaitMs: opts.transcriptWaitMs ?? 0,
    env,
    notify: (title, body) => notified.push(`${title}: ${body}`),
  });
  t.after(async () => {
    await sessions.close();
    db.close();
    removeTempDir(root);
  });
  return {
    root, work, paths, db, clock, agents, sessions, events, notified, transcripts,
    ofType: (type) => events.filter((e) => e.type === type),
  };
}

/** Start the first agent and a session around it. */
async function begin(w: World, order: string[], task: string | null = 'Add a --json flag to the report command') {
  const first = await w.agents.start({ name: order[0]!, cwd: w.work, size: { cols: 100, rows: 30 } });
  const info = w.sessions.create({ order, first, cwd: w.work, task, size: { cols: 100, rows: 30 } });
  return { id: info.id, first };
}

/** The prompt a launched agent received. */
function promptOf(req: Started): string {
  return req.prompt ?? '';
}

test('rotation: the names after the current one, wrapping around; the current one last only when asked', () => {
  assert.deepEqual(rotation(['claude', 'codex', 'gemini'], 'codex', false), ['gemini', 'claude']);
  assert.deepEqual(rotation(['claude', 'codex', 'gemini'], 'gemini', true), ['claude', 'codex', 'gemini']);
  assert.deepEqual(rotation(['claude', 'codex'], 'opencode', false), ['claude', 'codex']);
});

test('chain claude → codex → gemini → stranded → resumed at the earliest reset with the snapshot', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);

  w.agents.limit('claude-1', { resetAt: T0 + 3 * HOUR });
  let info = await w.sessions.settled(id);
  assert.equal(info.state, 'running');
  assert.equal(info.activeAgent, 'codex-1');
  const toCodex = w.agents.launched[0]!;
  assert.equal(toCodex.command, 'codex');
  assert.deepEqual([toCodex.size?.cols, toCodex.size?.rows, toCodex.relaySession], [100, 30, id], 'same size, same session');
  const snap1 = new SnapshotsRepo(w.db).list({ relaySession: id })[0]!;
  assert.equal(promptOf(toCodex), readFileSync(snap1.path, 'utf8'), 'codex receives the snapshot as its first prompt');
  assert.equal(snap1.toAgent, 'codex-1');
  assert.equal(snap1.limitedUntil, T0 + 3 * HOUR);
  assert.match(promptOf(toCodex), /You are codex, taking over this task from claude/);
  assert.deepEqual(w.agents.parked, ['claude-1'], 'parked by default, not stopped');

  w.clock.advance(60_000);
  w.agents.limit('codex-1', { resetAt: T0 + HOUR });
  info = await w.sessions.settled(id);
  assert.equal(info.activeAgent, 'gemini-1');
  assert.deepEqual(w.agents.launched.at(-1)!.args.slice(0, 1), ['-i'], "gemini's real first-prompt flag");

  w.clock.advance(60_000);
  w.agents.limit('gemini-1', { resetAt: T0 + 2 * HOUR });
  info = await w.sessions.settled(id);
  assert.equal(info.state, 'stranded');
  assert.equal(info.resumeAt, T0 + HOUR, "codex's reset is the earliest");
  assert.equal(w.agents.launched.length, 2, 'nobody started: all three are limited');
  assert.deepEqual(w.ofType('handoff.stranded').map((e) => e.payload.resumeAt), [T0 + HOUR]);
  const row = new RelayRepo(w.db).get(id)!;
  assert.deepEqual([row.state, row.resumeAt, row.activeAgent], ['stranded', T0 + HOUR, 'gemini-1']);
  const stranded = new SnapshotsRepo(w.db).list({ relaySession: id })[0]!;
  assert.equal(stranded.toAgent, null);

  w.clock.advance(T0 + HOUR - 1 - w.clock.now());
  assert.equal(w.sessions.get(id)!.state, 'stranded', 'one millisecond before the reset: still waiting');
  assert.equal(w.agents.launched.length, 2);

  w.clock.advance(1);
  info = await w.sessions.settled(id);
  assert.equal(info.state, 'running');
  assert.equal(info.activeAgent, 'codex-2', 'the agent whose limit lifted first resumes');
  assert.equal(promptOf(w.agents.launched.at(-1)!), readFileSync(stranded.path, 'utf8'), 'it gets the stranded snapshot');
  assert.equal(new SnapshotsRepo(w.db).get(stranded.id)!.toAgent, 'codex-2');
  assert.equal(w.ofType('handoff.resumed').length, 1);
  assert.deepEqual(
    w.ofType('handoff.completed').map((e) => [e.payload.from, e.payload.to, e.payload.toAgent]),
    [['claude-1', 'codex', 'codex-1'], ['codex-1', 'gemini', 'gemini-1'], ['gemini-1', 'codex', 'codex-2']],
  );
  assert.ok(w.ofType('handoff.completed').every((e) => e.actor === `relay:${id}` && typeof e.payload.snapshot === 'string'));
  assert.equal(new RelayRepo(w.db).get(id)!.state, 'running');
  assert.equal(w.notified.length, 4, 'three handoffs and one stranding notified');
});

test('a storm of 1,000 limit events in one tick causes exactly one handoff', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);
  for (let i = 0; i < 1000; i++) w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.equal(w.agents.launched.length, 1);
  assert.equal(w.ofType('handoff.started').length, 1);
  assert.equal(w.ofType('handoff.completed').length, 1);
  assert.equal(new SnapshotsRepo(w.db).list().length, 1);
  // The storm goes on after the handoff: claude-1 is no longer active, so nothing more happens.
  for (let i = 0; i < 1000; i++) w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.equal(w.agents.launched.length, 1);
  assert.equal(w.sessions.get(id)!.activeAgent, 'codex-1');
});

test('handoff.started carries the limit that set it going', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR, agentSession: 'uuid-1', source: 'hook:claude' });
  await w.sessions.settled(id);
  const [e] = w.ofType('handoff.started');
  assert.equal(e?.actor, `relay:${id}`);
  assert.deepEqual(e?.payload, {
    relaySession: id, from: 'claude-1', fromName: 'claude', trigger: 'limit', rule: 'claude.usage_limit',
    source: 'hook:claude', severity: 'limit', matched: "You've hit your session limit · resets 2pm (UTC)",
    resetAt: T0 + HOUR, limitAt: T0,
  });
  assert.equal(w.ofType('rate_limited').length, 0, 'the agent manager logs rate_limited, not the session');
});

test('limits of agents that are not the active one are ignored', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);
  const stray = await w.agents.start({ name: 'codex', cwd: w.work, size: { cols: 80, rows: 24 } });
  w.agents.limit(stray.id, { relaySession: id });
  w.agents.limit('gemini-7', { relaySession: id });
  await w.sessions.settled(id);
  assert.equal(w.ofType('handoff.started').length, 0);
  assert.equal(w.sessions.get(id)!.activeAgent, 'claude-1');
  assert.equal(w.agents.starts.length, 2, 'only the two agents the test started');
});

test('a handoff never goes to an agent the ledger says is limited, even one limited by another session', async (t) => {
  const w = world(t);
  // A codex outside any session hits the account's limit: every codex is limited.
  const other = await w.agents.start({ name: 'codex', cwd: w.work, size: { cols: 80, rows: 24 } });
  w.agents.limit(other.id, { resetAt: T0 + 2 * HOUR });
  assert.equal(w.sessions.limits.limitedUntil('codex', w.clock.now()), T0 + 2 * HOUR);
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  const info = await w.sessions.settled(id);
  assert.equal(info.activeAgent, 'gemini-1', 'codex skipped');
  assert.ok(w.agents.launched.every((r) => r.command !== 'codex' || r === w.agents.starts[0]));
  assert.equal(w.agents.starts.filter((r) => r.command === 'codex').length, 1, 'only the one the test started');
});

test('an agent that is not installed is skipped', async (t) => {
  const w = world(t, { installed: ['claude', 'gemini'] });
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);
  w.agents.limit('claude-1');
  assert.equal((await w.sessions.settled(id)).activeAgent, 'gemini-1');
});

test('with only the same CLI left, the session waits for its reset and resumes with a fresh one', async (t) => {
  const w = world(t, { installed: ['claude'] });
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  let info = await w.sessions.settled(id);
  assert.deepEqual([info.state, info.resumeAt], ['stranded', T0 + HOUR]);
  w.clock.advance(HOUR);
  info = await w.sessions.settled(id);
  assert.deepEqual([info.state, info.activeAgent], ['running', 'claude-2']);
});

test('a limit without a reset time counts for the default cooldown', async (t) => {
  const w = world(t, { installed: ['claude'] });
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1');
  const info = await w.sessions.settled(id);
  assert.equal(info.resumeAt, T0 + 15 * 60_000);
  assert.match(readFileSync(new SnapshotsRepo(w.db).list()[0]!.path, 'utf8'), /no reset time, so this is Relay's default cooldown/);
});

test("warnings hand off by default, and not when the config says so", async (t) => {
  const acting = world(t);
  const a = await begin(acting, ['claude', 'codex']);
  acting.agents.limit('claude-1', { severity: 'warning', rule: 'claude.api_retry', resetAt: T0 + 2_000 });
  assert.equal((await acting.sessions.settled(a.id)).activeAgent, 'codex-1');
  assert.equal(acting.sessions.limits.limitedUntil('claude', T0), T0 + 15 * 60_000, 'a retry time is not a reset time');

  const waiting = world(t, { config: (c) => (c.handoff.actOnWarnings = false) });
  const b = await begin(waiting, ['claude', 'codex']);
  waiting.agents.limit('claude-1', { severity: 'warning', rule: 'claude.api_retry' });
  assert.equal((await waiting.sessions.settled(b.id)).activeAgent, 'claude-1');
  assert.equal(waiting.sessions.limits.limitedUntil('claude', T0), null, 'a warning alone does not mark the account limited');
});

test('a failed handoff is reported, and repeated limits inside the debounce window do not retry it', async (t) => {
  const w = world(t);
  w.agents.failing.add('codex');
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  let info = await w.sessions.settled(id);
  assert.deepEqual([info.state, info.activeAgent], ['running', 'claude-1']);
  assert.match(String(w.ofType('handoff.failed')[0]?.payload.reason), /command not found: codex/);

  w.agents.failing.delete('codex');
  w.clock.advance(9_999);
  w.agents.limit('claude-1', { rule: 'claude.other' });
  info = await w.sessions.settled(id);
  assert.equal(w.ofType('handoff.started').length, 1, 'debounced');
  w.clock.advance(1);
  w.agents.limit('claude-1', { rule: 'claude.other' });
  info = await w.sessions.settled(id);
  assert.equal(info.activeAgent, 'codex-1', 'after the window it acts again');
});

test('onLimit: stop stops the limited agent, and its exit does not end the session', async (t) => {
  const w = world(t, { config: (c) => (c.handoff.onLimit = 'stop') });
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.deepEqual(w.agents.stopped, [['claude-1', 'rate_limited']]);
  assert.deepEqual(w.agents.parked, []);
  // The stop's exit event is delivered after stop() returns.
  await waitFor(() => w.agents.get('claude-1')!.state === 'exited', "claude-1's exit after the stop");
  const info = w.sessions.get(id)!;
  assert.deepEqual([info.state, info.activeAgent], ['running', 'codex-1']);
});

test('a crash of the active agent ends the session and is reported, not handed off', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.exit('claude-1', 'crashed', 139);
  const info = w.sessions.get(id)!;
  assert.equal(info.state, 'ended');
  assert.equal(w.agents.launched.length, 0);
  assert.equal(w.ofType('handoff.started').length, 0);
  assert.deepEqual(w.ofType('relay.ended').map((e) => [e.payload.reason, e.payload.code]), [['crashed', 139]]);
  assert.equal(new RelayRepo(w.db).get(id)!.state, 'ended');
  // A limit after the end does nothing.
  w.agents.limit('claude-1');
  assert.equal(w.ofType('handoff.started').length, 0);
});

test('a first agent that exited before its session was created ends the session at once', async (t) => {
  const w = world(t);
  const first = await w.agents.start({ name: 'claude', cwd: w.work, size: { cols: 80, rows: 24 } });
  w.agents.exit(first.id, 'error', 2);
  const info = w.sessions.create({ order: ['claude', 'codex'], first, cwd: w.work });
  assert.equal(info.state, 'ended');
  assert.equal(w.agents.launched.length, 0);
});

test('an active agent that exits because of its limit is handed off', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.exit('claude-1', 'rate_limited', 1);
  const info = await w.sessions.settled(id);
  assert.equal(info.activeAgent, 'codex-1');
  assert.deepEqual(w.agents.parked, [], 'an exited agent is not parked');
});

test('manual handoff: to the next agent, to a named one, and the errors a user can act on', async (t) => {
  const w = world(t);
  await assert.rejects(w.sessions.handoff({}), (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE' && /no relay session/.test(e.message));
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);

  const r1 = await w.sessions.handoff({});
  assert.deepEqual([r1.relaySession, r1.from, r1.to, r1.toName, r1.stranded], [id, 'claude-1', 'codex-1', 'codex', false]);
  assert.equal(r1.snapshot.reason, 'manual');
  assert.equal(r1.snapshot.limitedUntil, null);
  assert.equal(w.sessions.limits.limitedUntil('claude', w.clock.now()), null, 'a manual handoff records no limit');
  assert.deepEqual(w.agents.parked, ['claude-1']);
  assert.match(readFileSync(r1.snapshot.path, 'utf8'), /the user handed the task on/);

  const r2 = await relayHandlers(w.sessions)['relay.handoff']({ agent: 'codex-1', to: 'gemini' }, {} as never);
  assert.deepEqual([r2.from, r2.to], ['codex-1', 'gemini-1']);
  const listed = await relayHandlers(w.sessions)['relay.list']({}, {} as never);
  assert.deepEqual(listed.sessions.map((s) => [s.id, s.activeAgent, s.activeName]), [[id, 'gemini-1', 'gemini']]);

  const usage = (re: RegExp) => (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE' && re.test(e.message);
  // A request that conflicts with the session's state has its own code (and exit code), not a usage error.
  const conflict = (re: RegExp) => (e: unknown) => e instanceof RelayError && e.code === 'E_CONFLICT' && re.test(e.message);
  await assert.rejects(w.sessions.handoff({ to: 'gemini' }), conflict(/already the active agent/));
  await assert.rejects(w.sessions.handoff({ to: 'opencode' }), usage(/opencode: not on PATH/));
  await assert.rejects(w.sessions.handoff({ to: 'cluade' }), usage(/not an agent name/));
  await assert.rejects(w.sessions.handoff({ agent: 'nobody-1' }), usage(/no open relay session for "nobody-1"/));
});

test('a manual handoff with nobody available changes nothing and says why', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex', 'opencode']);
  w.sessions.limits.record('codex', T0 + HOUR, 'pty', 'codex.usage_limit');
  await assert.rejects(
    w.sessions.handoff({ agent: id }),
    (e: unknown) => e instanceof RelayError && e.code === 'E_CONFLICT' && /codex: limited until \d{1,2}:\d\d.*opencode: not on PATH/.test(e.message),
  );
  const info = w.sessions.get(id)!;
  assert.deepEqual([info.state, info.activeAgent], ['running', 'claude-1']);
  assert.deepEqual(w.agents.parked, []);
  // An explicit name overrides the ledger: the user may know the limit has lifted.
  const r = await w.sessions.handoff({ to: 'codex' });
  assert.equal(r.to, 'codex-1');
});

test('closing stops the sessions and their timers', async (t) => {
  const w = world(t, { installed: ['claude'] });
  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.ok(w.clock.pending > 0, 'the resume timer is set');
  w.sessions.close();
  assert.equal(w.clock.pending, 0);
  w.clock.advance(2 * HOUR);
  assert.equal(w.agents.launched.length, 0);
});

test('closing during a handoff lets it finish without writing or starting anything', async (t) => {
  const w = world(t);
  await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  assert.equal(w.ofType('handoff.started').length, 1, 'the handoff is under way');
  await w.sessions.close();
  assert.equal(w.agents.launched.length, 0);
  assert.equal(existsSync(w.paths.snapshots) ? readdirSync(w.paths.snapshots).length : 0, 0);
  assert.deepEqual(new SnapshotsRepo(w.db).list(), []);
});

test('a new RelaySessions ends the sessions a previous daemon left open', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex']);
  assert.equal(new RelayRepo(w.db).get(id)!.state, 'running');
  const again = new RelaySessions({
    agents: new FakeAgents(w.clock, ''), db: w.db, paths: w.paths, clock: w.clock, config: defaultConfig(),
    record: () => undefined, env: {}, notify: () => undefined,
  });
  again.close();
  assert.equal(new RelayRepo(w.db).get(id)!.state, 'ended');
});

/** A real repository: one commit on a branch, then a modified and an untracked file. */
function gitRepo(dir: string): { sha: string } {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Relay Test', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_SYSTEM: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  git('init', '-q', '-b', 'feature/json-report');
  writeFileSync(join(dir, 'report.ts'), 'export const report = 1;\n');
  git('add', 'report.ts');
  git('commit', '-q', '-m', 'Report command skeleton');
  writeFileSync(join(dir, 'report.ts'), 'export const report = 2;\nexport const json = true;\n');
  writeFileSync(join(dir, 'notes.md'), 'todo\n');
  return { sha: git('rev-parse', '--short', 'HEAD').trim() };
}

test('the snapshot says task, where (git), last turns, why and until when, and what next — redacted, 0600, atomic', async (t) => {
  const w = world(t);
  const { sha } = gitRepo(w.work);
  w.transcripts.set('claude', [
    { role: 'user', text: 'Add a --json flag to the report command', at: T0 - 60_000 },
    { role: 'assistant', text: `I will use the key ${SECRET} to call the API.\n\`\`\`ts\nexport const json = true;\n\`\`\``, at: T0 - 30_000 },
  ]);
  const { id } = await begin(w, ['claude', 'codex'], 'Add a --json flag to the report command');
  w.agents.limit('claude-1', { resetAt: T0 + HOUR, matched: `You've hit your session limit · resets 12pm (UTC) ${SECRET}` });
  await w.sessions.settled(id);
  const row = new SnapshotsRepo(w.db).list()[0]!;
  const md = readFileSync(row.path, 'utf8');

  assert.match(row.id, /^20261121-110000-claude-[0-9a-f]{4}$/);
  assert.equal(row.path, join(w.paths.snapshots, `${row.id}.md`));
  assert.equal(statSync(row.path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(w.paths.snapshots), [`${row.id}.md`], 'no temporary file left');

  const section = (name: string) => {
    const m = md.match(new RegExp(`## ${name}\\n([\\s\\S]*?)(?=\\n## |$)`));
    assert.ok(m, `section ${name} missing:\n${md}`);
    return m[1]!;
  };
  assert.match(section('Task'), /Add a --json flag to the report command/);
  const where = section('Where');
  assert.ok(where.includes(w.work), 'cwd');
  assert.match(where, /Git branch: `feature\/json-report`/);
  assert.ok(where.includes(`${sha} Report command skeleton`), 'HEAD short sha and subject');
  assert.match(where, / M report\.ts/);
  assert.match(where, /\?\? notes\.md/);
  assert.match(where, /report\.ts \| 3 \+\+-/, 'diff stat');
  const turns = section('Last turns');
  assert.match(turns, /### user[\s\S]*### assistant/);
  assert.match(turns, /````text\n[\s\S]*```ts[\s\S]*\n````/, "a fence longer than the turn's own");
  const why = section('Why');
  assert.match(why, /claude \(`claude-1`\)/);
  assert.match(why, /claude\.usage_limit/);
  assert.match(why, /You've hit your session limit/);
  assert.match(why, /Limited until: 2026-11-21T12:00:00\.000Z \(in 1h 0m\)/);
  const next = section('What to do next');
  assert.match(next, /You are codex/);
  assert.match(next, /git status/);
  assert.match(next, /Do not redo finished work/);

  assert.ok(!md.includes('sk-ant-'), 'the key is redacted');
  assert.match(md, /\[redacted\]/);
  assert.ok(!promptOf(w.agents.launched[0]!).includes('sk-ant-'), 'and not handed to the next agent either');
});

test('without a transcript the snapshot carries the screen; outside a repository it says so', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex'], null);
  w.agents.screens.set('claude-1', ['> refactor the parser', '', '', '', 'Working… step 3 of 5   ', '', '']);
  w.agents.limit('claude-1');
  await w.sessions.settled(id);
  const md = readFileSync(new SnapshotsRepo(w.db).list()[0]!.path, 'utf8');
  assert.match(md, /this is its screen when it stopped:\n\n```text\n> refactor the parser\n\nWorking… step 3 of 5\n```/);
  assert.match(md, /Not a git repository/);
  assert.match(md, /## Task\n\nNot recorded/);
});

test('writeSnapshot caps the turns: the newest kept, long ones cut in the middle', async (t) => {
  const w = world(t);
  const turns: Turn[] = Array.from({ length: 30 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', text: `turn ${i} ${'x'.repeat(i === 29 ? 50_000 : 10)} end ${i}` }));
  const first = await w.agents.start({ name: 'claude', cwd: w.work, size: { cols: 80, rows: 24 } });
  const { markdown } = await writeSnapshot({
    paths: w.paths, id: snapshotId(T0, 'cli:my agent', '0000'), relaySession: 'r1', fromAgent: first, task: 't', cwd: w.work, turns,
    reason: { kind: 'manual' }, nextAgent: null, now: T0, env: { PATH: process.env.PATH ?? '' },
  });
  assert.ok(markdown.length < 30_000, `snapshot is ${markdown.length} chars`);
  assert.match(markdown, /20 earlier turns not shown/);
  assert.ok(!markdown.includes('turn 19 '), 'older turns dropped');
  assert.match(markdown, /turn 20 /);
  assert.match(markdown, /end 29/, 'the end of the last turn is kept');
  assert.match(markdown, /characters cut/);
  assert.ok(existsSync(join(w.paths.snapshots, '20261121-110000-cli-my-agent-0000.md')));
  await assert.rejects(
    writeSnapshot({
      paths: w.paths, id: '../escape', relaySession: 'r1', fromAgent: first, task: null, cwd: w.work, turns: [],
      reason: { kind: 'manual' }, nextAgent: null, now: T0,
    }),
    /not a valid snapshot id/,
  );
});

test('relay snapshots and relay snapshots show read what a handoff wrote', async (t) => {
  const w = world(t);
  const { snapshotsList, snapshotsShow } = await import('../../src/cli/commands/snapshots.js');
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const saved = process.env.RELAY_HOME;
  const run = async (fn: () => Promise<number>): Promise<{ code: number; text: string }> => {
    out.length = 0;
    process.env.RELAY_HOME = w.paths.home;
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      const code = await fn();
      return { code, text: out.join('') };
    } finally {
      process.stdout.write = write;
      if (saved === undefined) delete process.env.RELAY_HOME;
      else process.env.RELAY_HOME = saved;
    }
  };
  assert.deepEqual(JSON.parse((await run(() => snapshotsList({ json: true }))).text), { snapshots: [] });

  const { id } = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  const row = new SnapshotsRepo(w.db).list()[0]!;

  const list = await run(() => snapshotsList({}));
  assert.equal(list.code, 0);
  assert.match(list.text, new RegExp(`^${row.id}  claude-1 → codex-1  claude\\.usage_limit  limited until 2026-11-21T12:00:00\\.000Z`));
  const shown = await run(() => snapshotsShow(row.id.slice(0, 22), { json: true }));
  const parsed = JSON.parse(shown.text) as { snapshot: { id: string }; markdown: string };
  assert.equal(parsed.snapshot.id, row.id);
  assert.equal(parsed.markdown, readFileSync(row.path, 'utf8'));
  const missing = await run(() => snapshotsShow('nope', { json: true }));
  assert.equal(missing.code, 2);
  assert.equal((JSON.parse(missing.text) as { error: { code: string } }).error.code, 'E_USAGE');
});

test('the desktop notification is fire-and-forget: skipped without a display or notify-send, never awaited', async (t) => {
  const w = world(t);
  const bin = join(w.root, 'notify-bin');
  const out = join(w.root, 'notified.txt');
  mkdirSync(bin);
  // Written aside and renamed, so the test never reads half of it.
  writeFileSync(join(bin, 'notify-send'), `#!/bin/sh\nPATH=/usr/bin:/bin\nprintf '%s|' "$@" > '${out}.tmp' && mv '${out}.tmp' '${out}'\n`, { mode: 0o755 });
  assert.equal(desktopNotify('Relay', 'hi', { PATH: bin }), false, 'no display: nobody to see it');
  assert.equal(desktopNotify('Relay', 'hi', { PATH: w.root, DISPLAY: ':0' }), false, 'no notify-send');
  assert.equal(desktopNotify('Relay: handoff', 'claude stopped; codex continues', { PATH: bin, DISPLAY: ':0' }), true);
  const text = await waitFor(() => existsSync(out) && readFileSync(out, 'utf8'), 'notify-send to run');
  assert.equal(text, '--app-name=Relay|Relay: handoff|claude stopped; codex continues|');
});

test('with no --order and no configured order, a known CLI hands off to the other known CLIs installed here', async (t) => {
  const w = world(t, { installed: ['claude', 'gemini'] });
  const id = w.sessions.allocate(undefined, 'claude');
  assert.ok(id, 'a session is opened');
  const first = await w.agents.start({ name: 'claude', cwd: w.work, size: { cols: 100, rows: 30 } });
  w.sessions.bind(id, first.id, w.work);
  assert.deepEqual(w.sessions.get(id)?.order, ['claude', 'gemini'], 'codex and opencode are not installed');
  assert.equal(w.sessions.allocate(undefined, 'cli:bash'), null, 'an unknown program gets no inferred order');
});

test("the daemon's PATH does not decide who takes over: the next agent is found on the PATH of the shell that started the session", async (t) => {
  // The daemon was started from a shell without the CLIs (npm's PATH, a desktop session); the
  // user's shell, which ran `relay wrap`, has them.
  const w = world(t);
  const daemonBlind = new FakeAgents(w.clock, '');
  const homesRead: string[] = [];
  const sessions = new RelaySessions({
    agents: daemonBlind, db: w.db, paths: w.paths, clock: w.clock, config: defaultConfig(),
    record: () => undefined, transcriptWaitMs: 0, env: { PATH: '', HOME: '/daemon-home' }, notify: () => undefined,
    readTranscript: async (_kind, q) => (homesRead.push(q.home), []),
  });
  t.after(() => sessions.close());
  const userEnv = { PATH: join(w.root, 'bin'), HOME: join(w.root, 'home'), CODEX_HOME: join(w.root, 'codex-home') };
  const id = sessions.allocate(undefined, 'claude', userEnv);
  assert.ok(id, "the default order is read on the user's PATH: codex and gemini are installed there");
  const first = await daemonBlind.start({ name: 'claude', cwd: w.work, size: { cols: 100, rows: 30 } });
  sessions.bind(id, first.id, w.work, { env: userEnv, task: 'fix the login bug' });
  assert.deepEqual(sessions.get(id)?.order, ['claude', 'codex', 'gemini']);
  daemonBlind.limit('claude-1', { resetAt: T0 + HOUR });
  const info = await sessions.settled(id);
  assert.deepEqual([info.state, info.activeAgent], ['running', 'codex-1']);
  assert.deepEqual(daemonBlind.launched[0]!.env, userEnv, "codex runs with the user's environment (PATH, HOME, CODEX_HOME)");
  assert.deepEqual(homesRead, [userEnv.HOME], "claude's transcript is looked for in the user's HOME, not the daemon's");
});

test('a stranded session says which agents were missing and why, not that every agent is limited', async (t) => {
  const w = world(t, { installed: ['claude', 'gemini'] });
  const { id } = await begin(w, ['claude', 'codex', 'gemini']);
  w.sessions.limits.record('gemini', T0 + 2 * HOUR, 'pty', 'gemini.quota');
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  const info = await w.sessions.settled(id);
  assert.equal(info.state, 'stranded');
  const [stranded] = w.ofType('handoff.stranded');
  const gaps = stranded!.payload.unavailable as SuccessorGap[];
  assert.deepEqual(
    gaps.map((g) => [g.name, g.why, g.until ?? null]),
    [['codex', 'not_installed', null], ['gemini', 'limited', T0 + 2 * HOUR], ['claude', 'limited', T0 + HOUR]],
  );
  assert.match(w.notified.at(-1)!, /codex: not on PATH; gemini: limited until \d{1,2}:\d\d.*; claude: limited until/);
});

test('the task of the command line is recorded with the session and reaches the snapshot and the next agent', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex'], 'fix the login bug');
  assert.equal(w.sessions.get(id)?.task, 'fix the login bug');
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.match(promptOf(w.agents.launched[0]!), /fix the login bug/);
  assert.doesNotMatch(promptOf(w.agents.launched[0]!), /Not recorded/);
});

test('a session started without a task takes the first line typed into its agent, and only that one', async (t) => {
  const w = world(t);
  const { id } = await begin(w, ['claude', 'codex'], null);
  assert.equal(w.sessions.get(id)?.task, null);
  w.agents.typed('claude-1', 'fix the login bug');
  w.agents.typed('claude-1', 'and then the logout one');
  assert.equal(w.sessions.get(id)?.task, 'fix the login bug');
  assert.equal(new RelayRepo(w.db).get(id)!.task, 'fix the login bug', 'persisted with the session row');
  assert.deepEqual(w.ofType('relay.task_recorded').map((e) => e.payload), [{ relaySession: id, source: 'typed' }], 'the log says where it came from, not what it says');
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.match(promptOf(w.agents.launched[0]!), /fix the login bug/);
});

test("a handoff right after the start waits briefly for the transcript the CLI is still creating, when no task is known", async (t) => {
  let reads = 0;
  const turns: Turn[] = [{ role: 'user', text: 'please fix the login bug' }, { role: 'assistant', text: 'Looking at auth.ts' }];
  // The file appears on the third look, as Claude's did 145 ms after its limit showed.
  const w = world(t, { transcriptWaitMs: 1_000, readTranscript: async () => (++reads >= 3 ? turns : []) });
  // Neither the command line nor a typed line gave the task: the transcript is all there is.
  const { id } = await begin(w, ['claude', 'codex'], null);
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  const settled = w.sessions.settled(id);
  await waitFor(() => {
    w.clock.advance(100);
    return w.agents.launched.length === 1;
  }, 'the handoff to finish once the transcript appeared');
  await settled;
  assert.equal(reads, 3);
  assert.match(promptOf(w.agents.launched[0]!), /Looking at auth\.ts/);
});

test('with the task known a handoff does not wait for a transcript that is not there', async (t) => {
  let reads = 0;
  const w = world(t, { transcriptWaitMs: 1_000, readTranscript: async () => (++reads, []) });
  const { id } = await begin(w, ['claude', 'codex'], 'fix the login bug');
  w.agents.limit('claude-1', { resetAt: T0 + HOUR });
  await w.sessions.settled(id);
  assert.equal(reads, 1);
  assert.equal(w.agents.launched.length, 1);
});

function quotaLow(agent: string, over: Partial<QuotaLow> = {}): QuotaLow {
  return {
    source: 'proxy', agent, route: 'anthropic', window: 'requests', remaining: 8, limit: 100, share: 0.08, threshold: 0.1,
    resetAt: T0 + HOUR, at: T0, ...over,
  };
}

test('reportQuotaLow by CLI name: every session whose active agent is claude plans a successor; the turn end hands off once', async (t) => {
  const w = world(t);
  const a = await begin(w, ['claude', 'codex', 'gemini']);
  const b = await begin(w, ['claude', 'gemini']);
  const c = await begin(w, ['codex', 'claude']);
  const handedTo = () => w.agents.starts.slice(3);
  // codex is limited on this account: the plan skips it, as a handoff would.
  w.agents.limit('codex', { resetAt: T0 + 2 * HOUR });
  for (let i = 0; i < 3; i++) w.sessions.reportQuotaLow(quotaLow('claude'));
  const planned = w.ofType('handoff.planned');
  assert.deepEqual(planned.map((e) => [e.payload.relaySession, e.payload.to]).sort(), [[a.id, 'gemini'], [b.id, 'gemini']].sort());
  assert.deepEqual(planned.find((e) => e.payload.relaySession === a.id)?.payload.unavailable, [{ name: 'codex', why: 'limited', until: T0 + 2 * HOUR }]);
  assert.equal(handedTo().length, 0, 'nothing starts before the turn ends');

  w.clock.advance(60_000);
  w.sessions.turnEnded(a.first.id, w.clock.now());
  w.sessions.turnEnded(a.first.id, w.clock.now());
  const info = await w.sessions.settled(a.id);
  assert.equal(info.activeAgent, 'gemini-1');
  assert.equal(handedTo().length, 1, 'one handoff, for the session whose agent ended its turn');
  assert.equal(w.sessions.get(b.id)!.activeAgent, b.first.id, "the other claude's turn has not ended");
  assert.equal(w.sessions.get(c.id)!.activeAgent, c.first.id, 'a session of codex is not concerned');
  const snap = new SnapshotsRepo(w.db).list({ relaySession: a.id })[0]!;
  assert.deepEqual([snap.reason, snap.toAgent, snap.limitedUntil], ['quota_low', 'gemini-1', null]);
  const prompt = promptOf(handedTo()[0]!);
  assert.match(prompt, /quota was running low \(quota_low requests 8% left, resets /);
  assert.deepEqual(w.agents.parked, [a.first.id]);
  const [started] = w.ofType('handoff.started');
  assert.equal(started?.payload.trigger, 'quota_low');
  assert.match(String(started?.payload.reason), /^quota_low requests 8% left, resets /);

  // A CLI Relay does not run reports its turn end by name: the waiting claude session goes too.
  w.sessions.turnEnded('claude', w.clock.now());
  assert.equal((await w.sessions.settled(b.id)).activeAgent, 'gemini-2');
  assert.equal(w.ofType('handoff.started').length, 2);
});
