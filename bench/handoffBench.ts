/**
 * Figure 6: limit line printed → next agent process spawned, over many handoffs in one daemon.
 *
 * Each round starts a relay session the way `relay wrap --order claude,codex -- claude` does
 * (`agent.start` with an order, from this process: a `relay wrap` process per round would only
 * add a Node start-up to every round and CPU load to the measurement). The first agent is
 * bench/fixtures/handoff/claude, which waits for one typed line (sent once the session is bound),
 * notes the time and prints Claude's real limit line; the handoff starts `codex`, a fixture whose
 * first instruction notes the time. Both note wall-clock µs from bash's EPOCHREALTIME (no fork)
 * in a marks file, so the figure is from the limit byte written to the moment the next agent
 * runs its first instruction. The daemon's own events (`rate_limited`, `handoff.started`,
 * `agent.started`, ms) split it into legs. Rounds run one at a time; the limited agent (parked
 * by the handoff, as by default) is stopped between rounds so nothing piles up.
 *
 * The work dir is a small git repository, as a real one is: the snapshot reads git state.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BusClient } from '../src/bus/busClient.js';
import { openDatabase } from '../src/store/database.js';
import type { EventRecord } from '../src/protocol/eventRecord.js';
import { EventsRepo } from '../src/store/eventsRepo.js';
import { SnapshotsRepo } from '../src/store/snapshotsRepo.js';
import type { BenchHome } from './benchHome.js';
import { relay } from './relayCli.js';
import { percentileOfSorted, round, sorted } from './stats.js';
import { waitFor } from './waitFor.js';

/** One leg of the path, in ms: median and tail over the measured handoffs. */
export interface Leg {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface HandoffLatency {
  handoffs: number;
  /** Handoffs before the measured ones (the daemon's first handoff loads code and warms the JIT). */
  warm_up: number;
  /** The first handoff of a fresh daemon, not in the percentiles. */
  first_handoff_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /**
   * Where the time goes: limit printed → `rate_limited` recorded (PTY read, detector), →
   * `handoff.started` (relay session machine), → `agent.started` for the next agent (snapshot,
   * park, spawn under the supervisor), → its first instruction (exec, bash start-up). Event
   * times are whole ms, so the legs need not add up to the total exactly.
   */
  split: {
    printed_to_rate_limited: Leg;
    rate_limited_to_handoff_started: Leg;
    handoff_started_to_agent_started: Leg;
    agent_started_to_first_instruction: Leg;
  };
  /**
   * Inside handoff.started → agent.started, from the snapshot file as inotify shows it to this
   * process (sub-ms, plus this process's wake-up): transcript and git state read and the
   * Markdown rendered (its temp file appears), written and renamed into place, then the limited
   * agent parked and the next one spawned until `agent.started` is recorded.
   */
  snapshot_split: {
    handoff_started_to_snapshot_temp_created: Leg;
    snapshot_temp_created_to_renamed: Leg;
    snapshot_renamed_to_agent_started: Leg;
  };
}

const FIXTURES = fileURLToPath(new URL('./fixtures/handoff/', import.meta.url));
/** One handoff is tens of ms; past this one is lost, and the bench fails rather than waits. */
const ROUND_TIMEOUT_MS = 10_000;
/** Polling the marks file: coarse on purpose, the times come from the fixtures, not from here. */
const POLL_MS = 5;

interface Marks {
  limit?: number;
  spawn?: number;
}

/** `limit|spawn <relay session> <epoch s with µs>` lines → wall-clock ms per relay session. */
function readMarks(file: string): Map<string, Marks> {
  const out = new Map<string, Marks>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [kind, session, time] = line.trim().split(' ');
    if ((kind !== 'limit' && kind !== 'spawn') || !session || !time) continue;
    // EPOCHREALTIME uses the locale's decimal separator.
    const ms = Number(time.replace(',', '.')) * 1000;
    const m = out.get(session) ?? {};
    m[kind] = ms;
    out.set(session, m);
  }
  return out;
}

function makeGitRepo(dir: string, env: NodeJS.ProcessEnv): void {
  mkdirSync(dir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env, stdio: 'ignore' });
  git('init', '-q');
  writeFileSync(join(dir, 'README.md'), '# bench\n');
  writeFileSync(join(dir, 'main.ts'), 'export const answer = 42;\n');
  git('add', '.');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@example.invalid', 'commit', '-q', '-m', 'Initial commit');
  // Uncommitted work, as an agent leaves it: status and diff stat have something to say.
  writeFileSync(join(dir, 'main.ts'), 'export const answer = 43;\n');
}

function leg(values: number[]): Leg {
  const asc = sorted(values);
  return {
    p50_ms: round(percentileOfSorted(asc, 50), 2),
    p99_ms: round(percentileOfSorted(asc, 99), 2),
    max_ms: round(asc[asc.length - 1]!, 2),
  };
}

/** The first event of `type` for `session`, optionally also matching `when`. */
function atOf(events: EventRecord[], type: string, session: string, when: (p: Record<string, unknown>) => boolean = () => true): number {
  const e = events.find((x) => {
    const p = x.payload as Record<string, unknown>;
    return x.type === type && p.relaySession === session && when(p);
  });
  if (!e) throw new Error(`no ${type} event for relay session ${session}`);
  return e.at;
}

/** Run `rounds` handoffs one after another; each round's relay session id goes into `sessions`. */
async function runRounds(home: BenchHome, env: NodeJS.ProcessEnv, work: string, marksFile: string, rounds: number, sessions: string[]): Promise<void> {
  const client = new BusClient(home.paths, 'bench:handoff');
  const agentEnv = Object.fromEntries(Object.entries(env).filter((kv): kv is [string, string] => kv[1] !== undefined));
  try {
    for (let i = 0; i < rounds; i++) {
      const { agent, relaySession } = await client.request('agent.start', {
        command: 'claude',
        args: [],
        cwd: work,
        env: agentEnv,
        cols: 120,
        rows: 40,
        order: ['claude', 'codex'],
      });
      if (!relaySession) throw new Error('agent.start opened no relay session for order claude,codex');
      sessions.push(relaySession);
      // The session is bound before agent.start answers: now the limit has somewhere to go.
      await client.request('agent.input', { id: agent.id, data: 'go\r' });
      const done = await waitFor(() => readMarks(marksFile).get(relaySession)?.spawn !== undefined, ROUND_TIMEOUT_MS, POLL_MS);
      if (!done) throw new Error(`handoff ${i + 1} (relay session ${relaySession}) started no next agent within ${ROUND_TIMEOUT_MS} ms`);
      // The limited agent was parked, as the default config does; it waits like the real CLI.
      await client.request('agent.stop', { id: agent.id }, ROUND_TIMEOUT_MS);
    }
  } finally {
    await client.close();
  }
}

/** The daemon's events of the types the split needs, and each relay session's snapshot id. */
function readLog(home: BenchHome): { events: EventRecord[]; snapshotOf: Map<string, string> } {
  const db = openDatabase(home.paths.db, { readonly: true });
  try {
    const repo = new EventsRepo(db);
    const events = ['rate_limited', 'handoff.started', 'agent.started'].flatMap((t) => repo.since(0, { typePrefix: t }));
    const snapshotOf = new Map<string, string>();
    for (const row of new SnapshotsRepo(db).list()) snapshotOf.set(row.relaySession, row.id);
    return { events, snapshotOf };
  } finally {
    db.close();
  }
}

export async function measureHandoff(home: BenchHome, handoffs: number, warmUp: number): Promise<HandoffLatency> {
  for (const f of ['claude', 'codex']) chmodSync(join(FIXTURES, f), 0o755);
  const marksFile = join(home.root, 'marks.txt');
  const work = join(home.root, 'work');
  const env: NodeJS.ProcessEnv = {
    ...home.env,
    // The fixtures go first: the daemon looks for the next agent's CLI on its own PATH.
    PATH: `${FIXTURES}${delimiter}${home.env.PATH ?? ''}`,
    RELAY_BENCH_MARKS: marksFile,
  };
  makeGitRepo(work, env);
  mkdirSync(home.paths.snapshots, { recursive: true, mode: 0o700 });
  // Handoffs come back to back: the 10 s debounce per agent name would suppress all but one.
  writeFileSync(home.paths.config, 'handoff:\n  debounceMs: 0\n', { mode: 0o600 });

  // First sight of each file in snapshots/ (the temp file, then the renamed snapshot).
  const seenAt = new Map<string, number>();
  const watcher = watch(home.paths.snapshots, (_event, name) => {
    const at = performance.timeOrigin + performance.now();
    if (name && !seenAt.has(name)) seenAt.set(name, at);
  });
  const sessions: string[] = [];
  try {
    relay(['daemon', 'start'], env);
    await runRounds(home, env, work, marksFile, warmUp + handoffs, sessions);
  } finally {
    watcher.close();
  }
  // Stopping the daemon commits every queued event before the log is read.
  relay(['daemon', 'stop'], env);
  const { events, snapshotOf } = readLog(home);

  const marks = readMarks(marksFile);
  const seen = (name: string): number => {
    const at = seenAt.get(name);
    if (at === undefined) throw new Error(`inotify never showed snapshots/${name}`);
    return at;
  };
  const legs = { total: [] as number[], limited: [] as number[], started: [] as number[], agent: [] as number[], first: [] as number[] };
  const snap = { temp: [] as number[], renamed: [] as number[], spawned: [] as number[] };
  let first = NaN;
  sessions.forEach((s, i) => {
    const m = marks.get(s);
    if (m?.limit === undefined || m.spawn === undefined) throw new Error(`relay session ${s} has no marks`);
    if (i === 0) first = m.spawn - m.limit;
    if (i < warmUp) return;
    const limited = atOf(events, 'rate_limited', s);
    const started = atOf(events, 'handoff.started', s);
    const next = atOf(events, 'agent.started', s, (p) => p.name === 'codex');
    legs.total.push(m.spawn - m.limit);
    legs.limited.push(limited - m.limit);
    legs.started.push(started - limited);
    legs.agent.push(next - started);
    legs.first.push(m.spawn - next);
    const id = snapshotOf.get(s);
    if (id === undefined) throw new Error(`relay session ${s} has no snapshot`);
    const tempName = [...seenAt.keys()].find((n) => n.startsWith(`.${id}.md.`));
    if (tempName === undefined) throw new Error(`inotify never showed the temp file of snapshot ${id}`);
    const temp = seen(tempName);
    const renamed = seen(`${id}.md`);
    snap.temp.push(temp - started);
    snap.renamed.push(renamed - temp);
    snap.spawned.push(next - renamed);
  });
  return {
    handoffs,
    warm_up: warmUp,
    first_handoff_ms: round(first, 2),
    ...leg(legs.total),
    split: {
      printed_to_rate_limited: leg(legs.limited),
      rate_limited_to_handoff_started: leg(legs.started),
      handoff_started_to_agent_started: leg(legs.agent),
      agent_started_to_first_instruction: leg(legs.first),
    },
    snapshot_split: {
      handoff_started_to_snapshot_temp_created: leg(snap.temp),
      snapshot_temp_created_to_renamed: leg(snap.renamed),
      snapshot_renamed_to_agent_started: leg(snap.spawned),
    },
  };
}
