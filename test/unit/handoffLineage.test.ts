/**
 * The conversation graph of `relay wrap`: a relay session's handoffs, run by the real
 * RelaySessions over a real relay.db (fake agents, a manual clock), become conversations and
 * `handoff` edges a user reads back with `relay session log`.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { AgentControl, AgentStart } from '../../src/actors/agent/agentControl.js';
import type { Turn } from '../../src/adapters/agentDescriptor.js';
import { kindOfName, type AgentKind } from '../../src/adapters/registry.js';
import { defaultConfig } from '../../src/config/relayConfig.js';
import type { AgentExitReason, AgentInfo } from '../../src/protocol/agentProtocol.js';
import type { NewEvent } from '../../src/protocol/eventRecord.js';
import type { RateLimited } from '../../src/protocol/rateLimited.js';
import type { SnapshotInfo, SuccessorGap } from '../../src/protocol/relayProtocol.js';
import { ManualClock } from '../../src/platform/clock.js';
import { formatClockTime } from '../../src/platform/duration.js';
import { findOnPath } from '../../src/platform/findOnPath.js';
import { Listeners } from '../../src/platform/listeners.js';
import { relayPaths } from '../../src/platform/paths.js';
import { ConversationRepo, type Conversation } from '../../src/store/conversationRepo.js';
import type { Database } from '../../src/store/database.js';
import { HandoffLineage, handoffNote, type WrapConversationStore } from '../../src/supervisor/relay/handoffLineage.js';
import type { HandoffRequest } from '../../src/supervisor/relay/relaySessionMachine.js';
import { RelaySessions } from '../../src/supervisor/relay/relaySessions.js';
import { tempDatabase } from '../helpers/tempDatabase.js';

/** 2026-11-21 09:00:00 UTC. */
const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const HOUR = 3_600_000;
const TASK = 'Add a --json flag to the report command';

/** Agents that start at once; the test reports their limits. */
class FakeAgents implements AgentControl {
  readonly infos = new Map<string, AgentInfo>();
  readonly starts: AgentStart[] = [];
  readonly installed = new Set(['claude', 'codex', 'gemini']);
  private readonly limits = new Listeners<[RateLimited]>();
  private readonly exits = new Listeners<[AgentInfo]>();
  private readonly lines = new Listeners<[string, string]>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly clock: ManualClock) {}

  async start(req: AgentStart): Promise<AgentInfo> {
    const n = (this.counters.get(req.name) ?? 0) + 1;
    this.counters.set(req.name, n);
    const info: AgentInfo = {
      id: `${req.name}-${n}`,
      kind: kindOfName(req.name),
      name: req.name,
      command: req.name,
      args: [],
      cwd: req.cwd,
      pid: 1000 + this.starts.length,
      state: 'running',
      relaySession: req.relaySession ?? null,
      attached: 0,
      startedAt: this.clock.now(),
      exit: null,
    };
    this.infos.set(info.id, info);
    this.starts.push(req);
    return info;
  }

  unavailable(name: string): SuccessorGap | null {
    return this.installed.has(name) ? null : { name, why: 'not_installed' };
  }

  get(id: string): AgentInfo | undefined {
    return this.infos.get(id);
  }

  list(): AgentInfo[] {
    return [...this.infos.values()];
  }

  park(id: string): void {
    this.infos.get(id)!.state = 'parked';
  }

  async stop(_id: string, _reason: AgentExitReason): Promise<void> {}

  visibleText(): string[] {
    return [];
  }

  onLimit(l: (e: RateLimited) => void): () => void {
    return this.limits.add(l);
  }

  onExit(l: (info: AgentInfo) => void): () => void {
    return this.exits.add(l);
  }

  onFirstLine(l: (agentId: string, line: string) => void): () => void {
    return this.lines.add(l);
  }

  /** The agent's detector saw its limit. */
  limit(agent: string, resetAt?: number): void {
    this.limits.emit({
      source: 'pty',
      agent,
      severity: 'limit',
      rule: 'claude.usage_limit',
      matched: "You've hit your session limit",
      ...(resetAt !== undefined ? { resetAt } : {}),
      at: this.clock.now(),
    });
  }

  /** The prompt the agent with this id was started with. */
  promptOf(id: string): string {
    const i = [...this.infos.keys()].indexOf(id);
    return this.starts[i]?.prompt ?? '';
  }
}

interface World {
  db: Database;
  repo: ConversationRepo;
  clock: ManualClock;
  agents: FakeAgents;
  sessions: RelaySessions;
  events: NewEvent[];
  transcripts: Map<AgentKind, Turn[]>;
  cwd: string;
}

function world(t: TestContext, conversations?: WrapConversationStore): World {
  const tmp = tempDatabase(t, 'lineage');
  const db = tmp.open();
  const cwd = join(tmp.dir, 'api');
  mkdirSync(cwd);
  const paths = relayPaths(join(tmp.dir, 'rh'));
  mkdirSync(paths.home, { mode: 0o700 });
  const clock = new ManualClock(T0);
  const agents = new FakeAgents(clock);
  const events: NewEvent[] = [];
  const transcripts = new Map<AgentKind, Turn[]>();
  const git = findOnPath('git');
  const sessions = new RelaySessions({
    agents,
    db,
    paths,
    clock,
    config: defaultConfig(),
    record: (e) => events.push(e),
    readTranscript: async (kind) => transcripts.get(kind) ?? [],
    transcriptWaitMs: 0,
    env: { PATH: git ? dirname(git) : '', HOME: tmp.dir },
    notify: () => undefined,
    ...(conversations ? { conversations } : {}),
  });
  // Its actors and their timers stop with the test.
  t.after(() => sessions.close());
  return { db, repo: new ConversationRepo(db), clock, agents, sessions, events, transcripts, cwd };
}

async function begin(w: World, order: string[]): Promise<string> {
  const first = await w.agents.start({ name: order[0]!, cwd: w.cwd, prompt: TASK });
  return w.sessions.create({ order, first, cwd: w.cwd, task: TASK }).id;
}

/** The conversations `relay wrap` recorded, oldest first. */
const wrapConversations = (repo: ConversationRepo): Conversation[] =>
  repo.list().filter((c) => c.origin === 'wrap').sort((a, b) => a.number - b.number);

const texts = (repo: ConversationRepo, c: Conversation): Array<[string, string]> => repo.history(c.id).map((m) => [m.role, m.content]);

test('a limit handoff claude → codex is a handoff edge with the reset time, and the manual one after it says so', async (t) => {
  const w = world(t);
  w.transcripts.set('claude', [
    { role: 'user', text: TASK },
    { role: 'assistant', text: 'I added the flag to report.ts; the tests are next.' },
  ]);
  const id = await begin(w, ['claude', 'codex', 'gemini']);
  assert.deepEqual(wrapConversations(w.repo).map((c) => c.name), ['claude in api'], 'the first agent has its conversation from the start');

  const resetAt = T0 + 2 * HOUR - 3 * 60_000;
  w.agents.limit('claude-1', resetAt);
  assert.equal((await w.sessions.settled(id)).activeAgent, 'codex-1');

  const [claude, codex] = wrapConversations(w.repo);
  assert.ok(claude && codex, 'two conversations');
  assert.equal(codex.name, 'codex in api');
  assert.deepEqual(texts(w.repo, claude), [
    ['user', TASK],
    ['assistant', 'I added the flag to report.ts; the tests are next.'],
  ]);
  const prompt = w.agents.promptOf('codex-1');
  assert.match(prompt, /taking over this task from claude/);
  assert.deepEqual(texts(w.repo, codex), [['user', prompt]], "codex's conversation begins with the handoff prompt it was started with");

  const [edge, ...more] = w.repo.edges(codex.id).parents;
  assert.equal(more.length, 0);
  const note = `limit, resets ${formatClockTime(resetAt, T0)}`;
  assert.match(note, /^limit, resets \d{1,2}:\d{2}/);
  assert.deepEqual([edge?.kind, edge?.parent, edge?.atMessage, edge?.note], ['handoff', claude.id, claude.headId, note], "at claude's last message");
  assert.equal(w.repo.lineage(codex.id), `handoff from #${claude.number} (${note})`);
  assert.equal(w.repo.latest(), undefined, 'the one-liner does not continue an agent conversation');

  // codex's transcript starts with the prompt already stored: it is not stored twice.
  w.transcripts.set('codex', [
    { role: 'user', text: `${prompt}\n` },
    { role: 'assistant', text: 'Tests written; two fail on the date format.' },
  ]);
  w.clock.advance(60_000);
  const r = await w.sessions.handoff({});
  assert.equal(r.toName, 'gemini');
  const [, codexAfter, gemini] = wrapConversations(w.repo);
  assert.ok(codexAfter && gemini);
  assert.deepEqual(texts(w.repo, codexAfter), [
    ['user', prompt],
    ['assistant', 'Tests written; two fail on the date format.'],
  ]);
  assert.equal(w.repo.lineage(gemini.id), `handoff from #${codex.number} (manual)`);
  assert.deepEqual(
    [gemini, codex].map((c) => w.repo.edges(c.id).parents.map((e) => e.parent)),
    [[codex.id], [claude.id]],
    'a chain of edges: gemini ← codex ← claude',
  );
  assert.equal(w.events.filter((e) => e.type === 'relay.lineage_failed').length, 0);
});

test('a store error while recording never stops the handoff; it is logged, and nothing is half-written', async (t) => {
  const w = world(t);
  w.transcripts.set('claude', [{ role: 'assistant', text: 'Halfway there.' }]);
  const id = await begin(w, ['claude', 'codex', 'gemini']);
  // The disk fills up just as the edge is written: the turns and codex's conversation roll back with it.
  w.db.exec("CREATE TRIGGER no_edges BEFORE INSERT ON edges BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  w.agents.limit('claude-1', T0 + HOUR);
  const info = await w.sessions.settled(id);
  assert.deepEqual([info.state, info.activeAgent], ['running', 'codex-1'], 'the handoff went on');
  assert.equal(w.events.filter((e) => e.type === 'handoff.completed').length, 1);
  const failed = w.events.filter((e) => e.type === 'relay.lineage_failed');
  assert.deepEqual(failed.map((e) => [e.actor, e.payload.relaySession]), [[`relay:${id}`, id]]);
  assert.match(String(failed[0]?.payload.reason), /disk is full/);
  const [claude, ...others] = wrapConversations(w.repo);
  assert.deepEqual([others.length, claude?.headId], [0, undefined], 'only the empty conversation of the start');

  // The store is back: the next handoff is recorded, codex's conversation made on the way.
  w.db.exec('DROP TRIGGER no_edges');
  w.transcripts.set('codex', [{ role: 'assistant', text: 'Done with the flag.' }]);
  w.clock.advance(60_000);
  await w.sessions.handoff({});
  const [, codex, gemini] = wrapConversations(w.repo);
  assert.deepEqual(texts(w.repo, codex!), [['assistant', 'Done with the flag.']]);
  assert.equal(w.repo.lineage(gemini!.id), `handoff from #${codex!.number} (manual)`);
});

test('a conversation store that refuses everything leaves sessions and handoffs as they were', async (t) => {
  const broken = (): never => {
    throw new Error('SQLITE_IOERR: disk I/O error');
  };
  const w = world(t, { create: broken, append: broken, addEdge: broken });
  const id = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', T0 + HOUR);
  assert.equal((await w.sessions.settled(id)).activeAgent, 'codex-1');
  assert.equal(w.agents.starts.length, 2);
  assert.deepEqual(
    w.events.filter((e) => e.type === 'relay.lineage_failed').map((e) => e.payload.reason),
    ['SQLITE_IOERR: disk I/O error', 'SQLITE_IOERR: disk I/O error'],
    'the start and the handoff, each reported once',
  );
});

test('a stranded session that resumes at the reset joins the new run to the one that stopped, with its turns', async (t) => {
  const w = world(t);
  w.agents.installed.delete('codex');
  w.transcripts.set('claude', [{ role: 'assistant', text: 'Migrated half the tables.' }]);
  const id = await begin(w, ['claude', 'codex']);
  w.agents.limit('claude-1', T0 + HOUR);
  assert.equal((await w.sessions.settled(id)).state, 'stranded');
  assert.equal(wrapConversations(w.repo).length, 1, 'nobody took over yet: no edge');

  w.transcripts.delete('claude');
  w.clock.advance(HOUR);
  assert.equal((await w.sessions.settled(id)).activeAgent, 'claude-2');
  const [first, second] = wrapConversations(w.repo);
  assert.deepEqual(texts(w.repo, first!), [['assistant', 'Migrated half the tables.']], 'the turns read when it stopped');
  assert.equal(w.repo.lineage(second!.id), `handoff from #${first!.number} (limit, resumed ${formatClockTime(T0 + HOUR, T0 + HOUR)})`);
});

test('handoffNote: manual, a limit with and without a reset time, a retry warning', () => {
  const snapshot = { reason: 'claude.usage_limit' } as SnapshotInfo;
  const req = (trigger: HandoffRequest['trigger']): HandoffRequest => ({
    relaySession: 'r1', order: ['claude', 'codex'], fromAgent: 'claude-1', fromName: 'claude', cwd: '/w', task: null, trigger, pending: null,
  });
  const limit = (extra: Partial<RateLimited>): HandoffRequest['trigger'] => ({
    kind: 'limit',
    limit: { source: 'pty', agent: 'claude-1', severity: 'limit', rule: 'claude.usage_limit', matched: 'limit', at: T0, ...extra },
  });
  assert.equal(handoffNote(req({ kind: 'manual', to: 'codex' }), snapshot, T0), 'manual');
  assert.equal(handoffNote(req(limit({ resetAt: T0 + HOUR })), snapshot, T0), `limit, resets ${formatClockTime(T0 + HOUR, T0)}`);
  assert.equal(handoffNote(req(limit({})), snapshot, T0), 'limit');
  assert.equal(handoffNote(req(limit({ severity: 'warning', resetAt: T0 + 2_000 })), snapshot, T0), 'limit warning');
});

test('recording a handoff with ten long turns and a 20 KB prompt takes milliseconds', (t) => {
  const db = tempDatabase(t, 'lineage-time').open();
  const lineage = new HandoffLineage({
    conversations: new ConversationRepo(db),
    clock: { now: () => T0 },
    atomically: (work) => db.transaction(work)(),
    failed: (_s, e) => assert.fail(String(e)),
  });
  const agent = (id: string, name: string): AgentInfo => ({
    id, kind: kindOfName(name), name, command: name, args: [], cwd: '/w/api', pid: 1, state: 'running', relaySession: 'r1', attached: 0, startedAt: T0, exit: null,
  });
  const turns: Turn[] = Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', text: `turn ${i} `.repeat(400) }));
  const runs = 50;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    lineage.started('r1', agent(`claude-${i}`, 'claude'), '/w/api');
    lineage.afterHandoff(
      { kind: 'handedOff', agent: agent(`codex-${i}`, 'codex'), snapshot: { reason: 'manual' } as SnapshotInfo, markdown: 'x'.repeat(20_000), turns },
      { relaySession: 'r1', order: ['claude', 'codex'], fromAgent: `claude-${i}`, fromName: 'claude', cwd: '/w/api', task: null, trigger: { kind: 'manual' }, pending: null },
    );
  }
  const perHandoff = (performance.now() - started) / runs;
  t.diagnostic(`one handoff recorded in ${perHandoff.toFixed(2)} ms (10 turns of 3.6 KB, a 20 KB prompt, one edge)`);
  assert.equal(db.prepare("SELECT count(*) FROM edges WHERE kind = 'handoff'").pluck().get(), runs);
  assert.ok(perHandoff < 50, `${perHandoff} ms per handoff`);
});
