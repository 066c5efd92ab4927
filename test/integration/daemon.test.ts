import { after, test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { BusClient } from '../../src/bus/busClient.js';
import { openDatabase } from '../../src/store/database.js';
import { EventsRepo } from '../../src/store/eventsRepo.js';
import { readPidFile } from '../../src/platform/pidFile.js';
import type { AgentInfo } from '../../src/protocol/agentProtocol.js';
import { processesMentioning } from '../helpers/leaks.js';
import { makeTempHome, type TempHome } from '../helpers/tempHome.js';
import { alive, plain, startRelay } from '../helpers/relayWorld.js';
import { waitFor } from '../helpers/waitFor.js';

const homes: TempHome[] = [];
function home(): TempHome {
  const h = makeTempHome();
  homes.push(h);
  return h;
}
after(async () => {
  for (const h of homes) await h.cleanup();
});

function daemonPids(h: TempHome): number[] {
  return processesMentioning(h.root).filter((pid) =>
    readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemonMain'),
  );
}

test('start, status, stop: a private home and a daemon that stops cleanly', async () => {
  const h = home();
  const start = await h.relay(['daemon', 'start', '--json']);
  assert.equal(start.code, 0, start.stderr);
  const { pid, started } = JSON.parse(start.stdout);
  assert.equal(started, true);

  const status = await h.relay(['daemon', 'status', '--json']);
  assert.equal(status.code, 0);
  const s = JSON.parse(status.stdout);
  assert.equal(s.running, true);
  assert.equal(s.pid, pid);
  assert.ok(s.uptimeMs >= 0);

  for (const dir of [h.home, h.paths.run, h.paths.logs, h.paths.snapshots, h.paths.spool]) {
    assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
  }
  for (const file of [h.paths.db, h.paths.busSocket, h.paths.eventsSocket, h.paths.pidFile, h.paths.daemonLog]) {
    assert.equal(statSync(file).mode & 0o077, 0, `${file} is readable by others`);
  }

  const stop = await h.relay(['daemon', 'stop']);
  assert.equal(stop.code, 0);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}\\)`));
  assert.deepEqual(daemonPids(h), []);
  assert.equal(existsSync(h.paths.busSocket), false, 'socket removed on stop');

  const after = await h.relay(['daemon', 'status']);
  assert.equal(after.code, 3, 'status of a stopped daemon exits 3');
  assert.match(after.stdout, /not running/);
});

test('concurrent daemon starts yield one daemon', async () => {
  const h = home();
  const results = await Promise.all([1, 2, 3, 4].map(() => h.relay(['daemon', 'start', '--json'])));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const pids = new Set(results.map((r) => JSON.parse(r.stdout).pid));
  assert.equal(pids.size, 1, `every start reports the same daemon: ${[...pids].join(', ')}`);
  assert.equal(results.filter((r) => JSON.parse(r.stdout).started).length, 1, 'exactly one start started it');
  // The losers' daemons found the lock held and are exiting; wait for them, then one remains.
  const [winner] = pids;
  await waitFor(() => daemonPids(h).every((p) => p === winner), 'losing daemons to exit');
  assert.deepEqual(daemonPids(h), [winner]);
});

test('kill -9 of the daemon, then start, recovers; an acknowledged event survives', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const client = new BusClient(h.paths);
  let seq: number;
  try {
    ({ seq } = await client.request('events.emit', { type: 'test.acked', actor: 'test', payload: { n: 42 } }));
  } finally {
    await client.close();
  }
  const pid = readPidFile(h.paths.pidFile)!.pid;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => daemonPids(h).length === 0, 'the killed daemon to disappear');
  assert.ok(existsSync(h.paths.busSocket), 'kill -9 leaves a stale socket behind');

  const status = await h.relay(['daemon', 'status']);
  assert.equal(status.code, 3, 'a stale pid file is not taken for a running daemon');

  const restart = await h.relay(['daemon', 'start', '--json']);
  assert.equal(restart.code, 0, restart.stderr);
  assert.notEqual(JSON.parse(restart.stdout).pid, pid);
  assert.equal((await h.relay(['daemon', 'status'])).code, 0);

  const tail = await h.relay(['daemon', 'tail', '--no-follow', '--json', '--since', '0', '--type', 'test.']);
  const events = tail.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    events.map((e) => [e.seq, e.type, e.payload.n]),
    [[seq, 'test.acked', 42]],
  );
});

test('tail across the replay/live seam misses nothing and repeats nothing', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const client = new BusClient(h.paths);
  const TOTAL = 3_000;
  let emitted = 0;
  // A steady stream of events runs while tail starts, replays, and switches to live.
  const producer = (async () => {
    while (emitted < TOTAL) {
      const batch = [];
      for (let i = 0; i < 20 && emitted < TOTAL; i++) {
        batch.push(client.request('events.emit', { type: 'test.seam', actor: 'test', payload: { i: emitted++ } }));
      }
      await Promise.all(batch);
    }
  })();
  await waitFor(() => emitted > 500, 'some events before tail starts');
  const tail = h.spawnRelay(['daemon', 'tail', '--json', '--since', '0', '--type', 'test.seam']);
  let out = '';
  tail.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => tail.on('close', (code) => r(code)));
  await producer;
  await client.close();
  const lines = await waitFor(() => {
    const ls = out.split('\n').filter(Boolean);
    const last = ls.length ? JSON.parse(ls[ls.length - 1]!) : null;
    return last?.payload.i === TOTAL - 1 ? ls : null;
  }, 'tail to print the last event', 30_000);
  tail.kill('SIGINT');
  assert.equal(await exited, 0, 'Ctrl+C ends tail cleanly');

  const got = lines.map((l) => JSON.parse(l).payload.i as number);
  assert.equal(got.length, TOTAL, 'every event exactly once');
  got.forEach((i, k) => assert.equal(i, k, `event ${k} in order`));
});

test('a corrupt database is reported, not replaced', async () => {
  const h = home();
  mkdirSync(h.home, { recursive: true, mode: 0o700 });
  const garbage = randomBytes(64 * 1024);
  writeFileSync(h.paths.db, garbage, { mode: 0o600 });
  const hash = (): string => createHash('sha256').update(readFileSync(h.paths.db)).digest('hex');
  const before = hash();

  const r = await h.relay(['daemon', 'start']);
  assert.equal(r.code, 6, `store errors exit 6: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.match(r.stderr, /relay\.db/);
  assert.match(r.stderr, /move it aside/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(hash(), before, 'the file is byte-identical');
  // The daemon that reported the error is exiting.
  await waitFor(() => daemonPids(h).length === 0, 'the failed daemon to exit');

  const json = await h.relay(['daemon', 'start', '--json']);
  assert.equal(json.code, 6);
  assert.equal(JSON.parse(json.stdout).error.code, 'E_STORE_CORRUPT');
});

test('the daemon database is readable as the event log after a clean stop', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  assert.equal((await h.relay(['daemon', 'stop'])).code, 0);
  const db = openDatabase(h.paths.db, { readonly: true });
  try {
    const types = new EventsRepo(db).since(0).map((e) => e.type);
    assert.ok(types.includes('daemon.started'));
    assert.equal(types[types.length - 1], 'daemon.stopped', 'the last event before exit is persisted');
  } finally {
    db.close();
  }
});

/** Start a long-running agent (a node process idling in its PTY) over the bus, as `relay wrap` would. */
async function startIdleAgent(h: TempHome): Promise<AgentInfo> {
  const client = new BusClient(h.paths);
  try {
    const env = Object.fromEntries(Object.entries(h.env).filter((e): e is [string, string] => e[1] !== undefined));
    const { agent } = await client.request('agent.start', {
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      cwd: h.root,
      env,
      cols: 80,
      rows: 24,
    });
    return agent;
  } finally {
    await client.close();
  }
}

async function liveAgents(h: TempHome): Promise<AgentInfo[]> {
  const client = new BusClient(h.paths);
  try {
    return (await client.request('agent.list', {})).agents.filter((a) => a.exit === null);
  } finally {
    await client.close();
  }
}

test('regression: daemon restart with an invalid config.yaml refuses before stopping anything (it killed the agents, then would not start)', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const pid = readPidFile(h.paths.pidFile)!.pid;
  const agent = await startIdleAgent(h);
  await waitFor(async () => (await liveAgents(h)).some((a) => a.id === agent.id && a.pid !== null), 'the agent to run');
  const agentPid = (await liveAgents(h)).find((a) => a.id === agent.id)!.pid!;

  writeFileSync(h.paths.config, 'handoff:\n  ordr: [claude, codex]\n', { mode: 0o600 });
  const r = await h.relay(['daemon', 'restart']);
  assert.equal(r.code, 4, `E_CONFIG exits 4: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.match(r.stderr, /config\.yaml: unknown key handoff\.ordr \(did you mean order\?\)/);
  assert.equal(readPidFile(h.paths.pidFile)?.pid, pid, 'the same daemon still runs');
  assert.ok(alive(agentPid), 'the agent still runs');
  assert.deepEqual((await liveAgents(h)).map((a) => a.id), [agent.id]);
});

test('regression: daemon restart with running agents says it would stop them and asks for --force (exit 9); --force stops them and restarts', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const pid = readPidFile(h.paths.pidFile)!.pid;
  const agent = await startIdleAgent(h);
  const agentPid = (await waitFor(async () => (await liveAgents(h)).find((a) => a.id === agent.id && a.pid !== null), 'the agent to run')).pid!;

  const refused = await h.relay(['daemon', 'restart']);
  assert.equal(refused.code, 9, `E_CONFLICT exits 9: ${refused.stderr}`);
  assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line');
  assert.match(refused.stderr, new RegExp(`stops 1 running agent: ${agent.id} .*relay daemon restart --force`));
  assert.equal(readPidFile(h.paths.pidFile)?.pid, pid, 'the same daemon still runs');
  assert.ok(alive(agentPid), 'the agent still runs');
  const json = await h.relay(['daemon', 'restart', '--json']);
  assert.equal(json.code, 9);
  assert.equal(JSON.parse(json.stdout).error.code, 'E_CONFLICT');

  const forced = await h.relay(['daemon', 'restart', '--force', '--json'], { timeoutMs: 40_000 });
  assert.equal(forced.code, 0, forced.stderr);
  const out = JSON.parse(forced.stdout);
  assert.equal(out.stoppedPid, pid);
  assert.notEqual(out.pid, pid);
  assert.deepEqual(out.stoppedAgents, [agent.id]);
  await waitFor(() => !alive(agentPid), 'the stopped agent to be gone');
  assert.deepEqual(await liveAgents(h), []);

  // No agent running: restart needs no --force.
  const plain = await h.relay(['daemon', 'restart']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /^relay daemon restarted \(pid \d+\)\n$/);
});

test('the daemon does not hold the directory it was started from (it would keep a checkout or a mount busy)', async () => {
  const h = home();
  const from = join(h.root, 'started-here');
  mkdirSync(from);
  const started = await startRelay(['daemon', 'start'], h.env, from).done;
  assert.equal(started.code, 0, started.stderr);
  const pid = readPidFile(h.paths.pidFile)!.pid;
  assert.equal(readlinkSync(`/proc/${pid}/cwd`), '/');
});

test('regression: after a daemon crash, daemon restart is not refused for the agents that died with it', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const pid = readPidFile(h.paths.pidFile)!.pid;
  const agent = await startIdleAgent(h);
  const agentPid = (await waitFor(async () => (await liveAgents(h)).find((a) => a.id === agent.id && a.pid !== null), 'the agent to run')).pid!;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => !alive(pid) && !alive(agentPid), 'the daemon and its agent to be gone');
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  // The store still says the agent was running when its daemon died: a row of an earlier run.
  const r = await h.relay(['daemon', 'restart']);
  assert.equal(r.code, 0, r.stderr);
});

/** Fill relay.db with real events through the daemon, stop it, and overwrite part of a page in the middle. */
async function corruptMiddlePage(h: TempHome): Promise<void> {
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const client = new BusClient(h.paths);
  try {
    for (let i = 0; i < 40; i++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, k) => client.request('events.emit', { type: 'test.fill', actor: 'test', payload: { text: 'x'.repeat(400), n: i * 50 + k } })),
      );
    }
  } finally {
    await client.close();
  }
  assert.equal((await h.relay(['daemon', 'stop'])).code, 0);
  assert.equal(existsSync(`${h.paths.db}-wal`), false, 'a clean stop checkpoints the WAL into relay.db');
  const pages = statSync(h.paths.db).size / 4096;
  assert.ok(pages > 100, `a database of many pages (${pages})`);
  // The cell pointers of a b-tree page: SQLite's quick_check reports it over several lines.
  const fd = openSync(h.paths.db, 'r+');
  try {
    writeSync(fd, Buffer.alloc(16, 0), 0, 16, Math.floor(pages / 2) * 4096 + 8);
  } finally {
    closeSync(fd);
  }
}

test('regression: a corrupt page in the middle of relay.db is one line naming the file and the mv fix (it was SQLite\'s text over two lines)', async () => {
  const h = home();
  await corruptMiddlePage(h);
  const hash = (): string => createHash('sha256').update(readFileSync(h.paths.db)).digest('hex');
  const before = hash();

  const r = await h.relay(['daemon', 'start']);
  assert.equal(r.code, 6, `store errors exit 6: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^relay: ${h.paths.db.replace(/[.]/g, '\\.')} is damaged \\(SQLite: `));
  assert.ok(r.stderr.includes(`mv ${h.paths.db} ${h.paths.db}.corrupt`), r.stderr);
  assert.match(r.stderr, /the event log/);
  assert.doesNotMatch(r.stderr, /\*\*\* in database/);
  assert.equal(hash(), before, 'the file is byte-identical');
  await waitFor(() => daemonPids(h).length === 0, 'the failed daemon to exit');

  const doctor = await h.relay(['doctor', '--json']);
  const database = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; detail: string; fix?: string }[] }).checks.find((c) => c.id === 'database')!;
  assert.equal(database.status, 'fail');
  assert.doesNotMatch(database.detail, /\n/);
  assert.match(database.fix ?? '', /\.corrupt/);
});

test('regression: daemon start says which directories of RELAY_HOME it made private (it chmodded them silently)', async () => {
  const h = home();
  mkdirSync(h.paths.logs, { recursive: true, mode: 0o755 });
  chmodSync(h.home, 0o755);
  chmodSync(h.paths.logs, 0o750);
  const r = await h.relay(['daemon', 'start']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stderr.trim().split('\n'), [
    `relay: ${h.home} was 0755, open to group/other; made it 0700 (owner only)`,
    `relay: ${h.paths.logs} was 0750, open to group/other; made it 0700 (owner only)`,
  ]);
  for (const dir of [h.home, h.paths.logs]) assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
  // Already private: nothing to say.
  assert.equal((await h.relay(['daemon', 'stop'])).code, 0);
  const again = await h.relay(['daemon', 'start']);
  assert.equal(again.stderr, '');
});

test('regression: a relative RELAY_HOME is made absolute once, so the daemon and the agents it runs use the same home', async () => {
  const h = home();
  const env = { ...h.env, RELAY_HOME: 'rh' };
  const wrap = startRelay(['wrap', '--', process.execPath, '-e', 'console.log("home=" + process.env.RELAY_HOME)'], env, h.root);
  wrap.end();
  const r = await wrap.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(plain(r.stdout), new RegExp(`^home=${h.home}$`, 'm'), 'the agent sees the absolute home');
  const status = JSON.parse((await h.relay(['daemon', 'status', '--json'])).stdout);
  assert.equal(status.home, h.home);
  assert.equal(r.stderr, '', 'nothing printed about it');
});
