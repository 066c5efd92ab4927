/**
 * The agent commands a newcomer reaches for (issue 8, items 18 and 19): `relay ps` after an
 * agent has exited and after a daemon restart, `relay stop`, `relay rm`, `relay logs [-f]`,
 * `relay attach` by name and to an exited agent, names that are unknown or ambiguous, `relay
 * daemon tail -n/--type`, and what `relay wrap` says when the daemon ends under it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusClient } from '../../src/bus/busClient.js';
import { readPidFile } from '../../src/platform/pidFile.js';
import type { AgentInfo } from '../../src/protocol/agentProtocol.js';
import { openDatabase } from '../../src/store/database.js';
import { AgentsRepo } from '../../src/store/agentsRepo.js';
import type { TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import { agentEnv, alive, inTempHome, plain, psAgents, startRelay, WAIT_MS, workDir, type LiveRelay } from '../helpers/relayWorld.js';

/** An error as the rules want it: one line on stderr, `relay: what — how to fix`. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${stderr}`);
  assert.match(lines[0]!, /^relay: .+ — .+/);
  return lines[0]!;
}

/** A `relay wrap -- cat` whose stdin stays open: a live agent `cat-1` until `end()`. */
async function liveCat(h: TempHome, marker: string): Promise<LiveRelay> {
  const wrap = startRelay(['wrap', '--', 'cat'], agentEnv(h), workDir(h));
  wrap.write(`${marker}\n`);
  await waitFor(() => plain(wrap.stdout()).split(marker).length >= 3, `cat to echo ${marker}`, WAIT_MS);
  return wrap;
}

async function crashedClaude(h: TempHome): Promise<void> {
  const r = await startRelay(['wrap', '--', 'claude'], agentEnv(h, { FAKE_AGENT_SCRIPT: 'crash' }), workDir(h)).done;
  assert.equal(r.code, 3, r.stderr);
}

test('regression: relay ps shows how long an exited agent ran and when it ended (it kept counting uptime up), and still lists it after a daemon restart, marked as an earlier run (it forgot every agent)', async () => {
  await inTempHome(async (h) => {
    await crashedClaude(h);
    const [a] = await psAgents(h);
    assert.equal(a?.id, 'claude-1');
    assert.equal(typeof a.endedAt, 'number');
    assert.ok(a.endedAt! >= a.startedAt);
    const text = (await h.relay(['ps'])).stdout;
    const row = text.split('\n').find((l) => l.startsWith('claude-1'));
    assert.match(row ?? '', /exited \(error 3\)/, text);
    assert.match(row ?? '', /ran \d+s, ended \d\d:\d\d/, text);
    assert.doesNotMatch(row ?? '', /\bup \d/, text);
    assert.equal((await psAgents(h))[0]?.endedAt, a.endedAt, 'the end time stays put');

    assert.equal((await h.relay(['daemon', 'restart'])).code, 0);
    const after = await psAgents(h);
    assert.deepEqual(
      after.map((x) => [x.id, x.previousRun, x.exit?.code, x.endedAt]),
      [['claude-1', true, 3, a.endedAt]],
    );
    const shown = (await h.relay(['ps'])).stdout;
    assert.match(shown, /^claude-1\* +exited \(error 3\)/m, shown);
    assert.match(shown, /\* ran under an earlier daemon/, shown);

    // With no daemon at all, the store still answers (and nothing is started to ask it).
    assert.equal((await h.relay(['daemon', 'stop'])).code, 0);
    const down = await h.relay(['ps']);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /^the daemon is not running; agents of its earlier runs:\n/);
    assert.match(down.stdout, /^claude-1\* +exited \(error 3\)/m);
    assert.ok(!existsSync(h.paths.pidFile), 'relay ps started no daemon');
  });
});

test('relay ps without --all lists the 10 most recent exited agents and says how many it left out; --all lists every one; an agent lost with its daemon is "unknown"', async () => {
  await inTempHome(async (h) => {
    assert.equal((await h.relay(['daemon', 'start'])).code, 0);
    const db = openDatabase(h.paths.db);
    try {
      const repo = new AgentsRepo(db);
      const t0 = Date.now() - 3_600_000;
      for (let i = 1; i <= 12; i++) {
        repo.upsert({ id: `codex-${i}`, kind: 'codex', name: 'codex', command: ['codex'], cwd: '/w', state: 'exited', pid: 100 + i, exitReason: 'done', exitCode: 0, createdAt: t0 + i * 1000, updatedAt: t0 + i * 1000 + 500 });
      }
      // The daemon of this one was killed while it ran: its row still says running.
      repo.upsert({ id: 'gemini-1', kind: 'gemini', name: 'gemini', command: ['gemini'], cwd: '/w', state: 'running', pid: 99, exitReason: null, exitCode: null, createdAt: t0 + 20_000, updatedAt: t0 + 30_000 });
    } finally {
      db.close();
    }
    const recent = await h.relay(['ps', '--json']);
    const listed = JSON.parse(recent.stdout) as { agents: AgentInfo[]; omitted: number };
    assert.deepEqual(listed.agents.map((a) => a.id), ['codex-4', 'codex-5', 'codex-6', 'codex-7', 'codex-8', 'codex-9', 'codex-10', 'codex-11', 'codex-12', 'gemini-1']);
    assert.equal(listed.omitted, 3);
    const text = (await h.relay(['ps'])).stdout;
    assert.match(text, /\(3 older exited agents not shown: relay ps --all\)/, text);
    assert.match(text, /^gemini-1\* +unknown \(its daemon ended\) +- +ran 10s, ended/m, text);
    const all = JSON.parse((await h.relay(['ps', '--all', '--json'])).stdout) as { agents: AgentInfo[] };
    assert.equal(all.agents.length, 13);
    assert.match((await h.relay(['ps', '--help'])).stdout, /--all/);
  });
});

test('relay stop stops a running agent and the processes it started; stopping it again says it already exited', async () => {
  await inTempHome(async (h) => {
    const childPidFile = join(workDir(h), 'child.pid');
    const wrap = startRelay(['wrap', '--', 'sh', '-c', `sleep 7301 & echo $! > ${childPidFile}; exec sleep 7302`], agentEnv(h), workDir(h));
    await waitFor(() => existsSync(childPidFile) && readFileSync(childPidFile, 'utf8').trim() !== '', 'the agent to start its child', WAIT_MS);
    const child = Number(readFileSync(childPidFile, 'utf8'));
    const [agent] = await psAgents(h);
    assert.equal(agent?.id, 'sh-1');
    assert.ok(agent.pid && alive(agent.pid) && alive(child));

    // By its agent name, as relay handoff takes it.
    const stopped = await h.relay(['stop', 'cli:sh']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stdout, /^stopped sh-1/);
    await waitFor(() => !alive(agent.pid!) && !alive(child), 'the agent and its child to be gone', WAIT_MS);
    const w = await wrap.done;
    assert.equal(w.code, 128 + 15, w.stderr);
    assert.match(plain(w.stdout), /\[relay\] sh-1 was stopped/);

    const again = await h.relay(['stop', 'sh-1']);
    assert.equal(again.code, 9);
    assert.match(oneLine(again.stderr), /^relay: sh-1 exited at .+ \(user_quit, signal SIGTERM\): nothing to stop — relay rm sh-1/);
  });
});

test('relay rm refuses a running agent with one line and the fix, and removes an exited one from relay ps with its log', async () => {
  await inTempHome(async (h) => {
    const wrap = await liveCat(h, 'rm-marker');
    const refused = await h.relay(['rm', 'cat-1']);
    assert.equal(refused.code, 9);
    assert.match(oneLine(refused.stderr), /^relay: cat-1 is still (running|idle) — stop it first: relay stop cat-1$/);
    wrap.end();
    assert.equal((await wrap.done).code, 0);

    const log = join(h.paths.logs, 'agents', 'cat-1.log');
    assert.ok(existsSync(log));
    const removed = await h.relay(['rm', 'cat-1']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'removed cat-1\n');
    assert.deepEqual(await psAgents(h), []);
    assert.ok(!existsSync(log), 'its log is removed with it');
    // Gone from the store too: not back after a restart.
    assert.equal((await h.relay(['daemon', 'restart'])).code, 0);
    assert.deepEqual(await psAgents(h), []);
  });
});

test('relay logs prints what an agent printed; relay logs -f follows it and ends when the agent exits', async () => {
  await inTempHome(async (h) => {
    const wrap = await liveCat(h, 'first-line');
    const logs = await h.relay(['logs', 'cat-1']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(plain(logs.stdout), /first-line/);

    const follow = startRelay(['logs', '-f', 'cli:cat'], h.env, workDir(h));
    await waitFor(() => plain(follow.stdout()).includes('first-line'), 'logs -f to print the earlier output', WAIT_MS);
    wrap.write('second-line\n');
    await waitFor(() => plain(follow.stdout()).includes('second-line'), 'logs -f to print new output', WAIT_MS);
    wrap.end();
    assert.equal((await wrap.done).code, 0);
    const f = await follow.done;
    assert.equal(f.code, 0, f.stderr);
  });
});

test('an unknown or ambiguous agent name is one line listing the candidates', async () => {
  await inTempHome(async (h) => {
    await crashedClaude(h);
    await crashedClaude(h);
    const ambiguous = await h.relay(['rm', 'claude']);
    assert.equal(ambiguous.code, 2);
    assert.match(oneLine(ambiguous.stderr), /^relay: "claude" matches 2 agents: claude-1 \(exited\), claude-2 \(exited\) — name one by its id/);
    for (const cmd of ['logs', 'stop', 'attach', 'rm']) {
      const unknown = await h.relay([cmd, 'nope']);
      assert.equal(unknown.code, 2, `${cmd}: ${unknown.stderr}`);
      assert.match(oneLine(unknown.stderr), /^relay: no agent named "nope" — relay ps --all lists every agent/, cmd);
    }
  });
});

test('relay attach takes an agent name as handoff does; attaching to an exited agent says it exited, when, and its exit code', async () => {
  await inTempHome(async (h) => {
    await crashedClaude(h);
    const gone = await h.relay(['attach', 'claude-1']);
    assert.equal(gone.code, 9);
    assert.match(oneLine(gone.stderr), /^relay: claude-1 exited at .+ \(error, exit code 3\): nothing to attach to — relay logs claude-1/);

    const wrap = await liveCat(h, 'attach-marker');
    const att = startRelay(['attach', 'cli:cat'], h.env, workDir(h));
    await waitFor(() => plain(att.stdout()).includes('attach-marker'), 'attach to redraw the screen of cat-1', WAIT_MS);
    att.write('\x1d');
    const a = await att.done;
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stderr, /detached from cat-1/);
    wrap.end();
    assert.equal((await wrap.done).code, 0);
  });
});

test('relay daemon tail -n abc is a usage error (exit 2)', async () => {
  await inTempHome(async (h) => {
    const r = await h.relay(['daemon', 'tail', '-n', 'abc']);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^relay: .*-n takes a count/);
    assert.ok(!existsSync(h.paths.pidFile), 'a usage error starts no daemon');
  });
});

test('regression: relay daemon tail --type X -n 2 shows the last 2 events of that type (it filtered the last 2 events of the whole log)', async () => {
  await inTempHome(async (h) => {
    assert.equal((await h.relay(['daemon', 'start'])).code, 0);
    const client = new BusClient(h.paths);
    try {
      for (let i = 1; i <= 3; i++) await client.request('events.emit', { type: 'test.marker', actor: 'test', payload: { i } });
      for (let i = 1; i <= 30; i++) await client.request('events.emit', { type: 'test.other', actor: 'test', payload: { i } });
    } finally {
      await client.close();
    }
    const r = await h.relay(['daemon', 'tail', '--type', 'test.marker', '-n', '2', '--no-follow', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; payload: { i: number } });
    assert.deepEqual(events.map((e) => [e.type, e.payload.i]), [['test.marker', 2], ['test.marker', 3]]);
    const more = await h.relay(['daemon', 'tail', '--type', 'test.marker', '-n', '20', '--no-follow', '--json']);
    assert.equal(more.stdout.trim().split('\n').length, 3);
  });
});

test('regression: relay daemon stop while relay wrap is attached: wrap says the agent was stopped with the daemon, in one line, exit 5', async () => {
  await inTempHome(async (h) => {
    const wrap = await liveCat(h, 'stop-marker');
    assert.equal((await h.relay(['daemon', 'stop'])).code, 0);
    const w = await wrap.done;
    assert.equal(w.code, 5, w.stderr);
    const said = w.stderr.split(/\r?\n/).filter((l) => l.includes('[relay]'));
    assert.deepEqual(said, ['[relay] the daemon stopped (requested by client) and stopped cat-1 with it — relay daemon start, then run it again']);
  });
});

test('regression: a daemon killed (kill -9) while relay wrap is attached: wrap says it lost the daemon and that the agent is in an unknown state, exit 5', async () => {
  await inTempHome(async (h) => {
    const wrap = await liveCat(h, 'kill-marker');
    process.kill(readPidFile(h.paths.pidFile)!.pid, 'SIGKILL');
    const w = await wrap.done;
    assert.equal(w.code, 5, w.stderr);
    const said = w.stderr.split(/\r?\n/).filter((l) => l.includes('[relay]'));
    assert.deepEqual(said, ['[relay] lost the daemon (it crashed or was killed); cat-1 is in an unknown state — relay daemon start, then relay ps']);
  });
});

test('regression: a parked agent left behind when its relay session ended is stopped by relay stop <name> (there was no command for it)', async () => {
  await inTempHome(async (h) => {
    const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], agentEnv(h, { FAKE_AGENT_SCRIPT: 'ok' }), workDir(h));
    await waitFor(() => plain(wrap.stdout()).includes('Claude Code v2.1.197') || wrap.child.exitCode !== null, 'claude to start', WAIT_MS);
    const handed = await h.relay(['handoff']);
    assert.equal(handed.code, 0, handed.stderr);
    await waitFor(() => /codex-1[\s\S]*PROMPT: /.test(plain(wrap.stdout())) || wrap.child.exitCode !== null, 'codex on the wrapped terminal', WAIT_MS);
    wrap.write('/exit\n');
    assert.equal((await wrap.done).code, 0);

    const parked = (await psAgents(h)).find((a) => a.id === 'claude-1');
    assert.equal(parked?.state, 'parked');
    assert.ok(parked.pid && alive(parked.pid), 'the parked agent outlives its relay session');
    const r = await h.relay(['stop', 'claude']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^stopped claude-1 \(user_quit\)/);
    await waitFor(() => !alive(parked.pid!), 'the parked claude to be gone', WAIT_MS);
    const after = (await psAgents(h)).find((a) => a.id === 'claude-1');
    assert.deepEqual([after?.state, after?.exit?.reason], ['exited', 'user_quit']);
  });
});
