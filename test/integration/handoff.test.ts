/**
 * Automatic handoff, end to end: the real CLI (`relay wrap`), the real daemon it starts, and the
 * fake agent CLIs as real processes in the daemon's PTYs. Each test has its own Relay home and
 * proves nothing is left running after `relay daemon stop`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConversationRepo } from '../../src/store/conversationRepo.js';
import { openDatabase } from '../../src/store/database.js';
import { waitFor } from '../helpers/waitFor.js';
import {
  agentEnv,
  inTempHome,
  alive,
  dbEvents,
  fakeLog,
  ofType,
  plain,
  psAgents,
  snapshotsList,
  startRelay,
  stopDaemonAndAssertGone,
  tailEvents,
  WAIT_MS,
  workDir,
  FAKE_AGENTS,
} from '../helpers/relayWorld.js';

/** The `## <name>` section of a snapshot's Markdown, up to the next heading. */
function section(markdown: string, name: string): string {
  const start = markdown.indexOf(`\n## ${name}\n`);
  assert.ok(start >= 0, `the snapshot has a "## ${name}" section:\n${markdown}`);
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, next < 0 ? undefined : next);
}

test('claude → codex → gemini: banners, snapshots, the snapshot as the next prompt, parked agents, exit 0', async () => {
  await inTempHome(async (h) => {
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT_CLAUDE: 'limit', FAKE_AGENT_SCRIPT_CODEX: 'limit', FAKE_AGENT_SCRIPT_GEMINI: 'ok' });
    const wrap = startRelay(['wrap', '--order', 'claude,codex,gemini', '--', 'claude'], env, workDir(h));

    // The terminal follows the work to gemini, which shows the prompt it was started with.
    await waitFor(
      () => /handed off to gemini-1[\s\S]*PROMPT: # Relay handoff/.test(plain(wrap.stdout())) || wrap.child.exitCode !== null,
      'gemini to show its first prompt on the wrapped terminal',
      WAIT_MS,
    );
    const shown = plain(wrap.stdout());
    assert.match(shown, /handed off to gemini-1[\s\S]*PROMPT: # Relay handoff/, `wrap output:\n${shown}\nstderr: ${wrap.stderr()}`);

    // One banner per handoff, each on a line of its own.
    const banners = shown.split('\n').filter((l) => l.includes('[relay]'));
    assert.deepEqual(banners, ['[relay] claude-1 hit its limit: handed off to codex-1', '[relay] codex-1 hit its limit: handed off to gemini-1']);
    // Order on screen: claude's limit screen, banner, codex, banner, gemini.
    const at = (s: string): number => shown.indexOf(s);
    assert.ok(at('What do you want to do?') < at('[relay] claude-1') && at('[relay] claude-1') < at('OpenAI Codex'), shown);
    assert.ok(at('OpenAI Codex') < at('[relay] codex-1') && at('[relay] codex-1') < at('Gemini CLI'), shown);

    // Two snapshots, 0600, with the right from/to.
    const snaps = (await snapshotsList(h)).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    assert.deepEqual(
      snaps.map((s) => [s.fromAgent, s.toAgent]),
      [
        ['claude-1', 'codex-1'],
        ['codex-1', 'gemini-1'],
      ],
    );
    for (const s of snaps) assert.equal(statSync(s.path).mode & 0o777, 0o600, `${s.path} mode`);
    const [toCodex, toGemini] = snaps as [(typeof snaps)[0], (typeof snaps)[0]];

    // Each next agent really received the snapshot text as its first prompt.
    const starts = fakeLog(h).filter((e) => e.event === 'start');
    assert.deepEqual(
      starts.map((e) => e.kind),
      ['claude', 'codex', 'gemini'],
    );
    const geminiPrompt = starts[2]!.prompt ?? '';
    const geminiSnapshot = readFileSync(toGemini.path, 'utf8');
    assert.equal(geminiPrompt, geminiSnapshot, "gemini's first prompt is the snapshot file, whole");
    assert.ok(geminiPrompt.startsWith(`# Relay handoff ${toGemini.id}\n`), geminiPrompt.slice(0, 200));
    const why = section(geminiPrompt, 'Why');
    assert.match(why, /codex \(`codex-1`\)/, why);
    assert.match(why, /You’ve hit your usage limit/, why);
    assert.match(why, /codex\.usage_limit/, why);
    assert.equal(starts[1]!.prompt, readFileSync(toCodex.path, 'utf8'), "codex's first prompt is the first snapshot");
    const shownSnapshot = await h.relay(['snapshots', 'show', toGemini.id]);
    assert.equal(shownSnapshot.code, 0, shownSnapshot.stderr);
    assert.ok(shownSnapshot.stdout.includes(`# Relay handoff ${toGemini.id}`), shownSnapshot.stdout.slice(0, 300));

    // The limited agents are parked: alive, kept for the user to return to.
    const agents = await psAgents(h);
    const byId = new Map(agents.map((a) => [a.id, a]));
    for (const id of ['claude-1', 'codex-1']) {
      const a = byId.get(id);
      assert.equal(a?.state, 'parked', `${id}: ${JSON.stringify(a)}`);
      assert.ok(a?.pid && alive(a.pid), `${id} is alive`);
    }
    const gemini = byId.get('gemini-1');
    assert.ok(gemini?.pid && alive(gemini.pid), 'gemini-1 is alive');

    // Ending gemini ends `relay wrap`, with gemini's exit code.
    wrap.write('/exit\n');
    const r = await wrap.done;
    assert.equal(r.code, 0, `wrap exit; stderr: ${r.stderr}`);

    const events = await tailEvents(h);
    const completed = ofType(events, 'handoff.completed').map((e) => e.payload);
    assert.deepEqual(
      completed.map((p) => [p.from, p.toAgent, p.snapshot]),
      [
        ['claude-1', 'codex-1', toCodex.id],
        ['codex-1', 'gemini-1', toGemini.id],
      ],
    );
    // (How many events one message makes is pinned by the regression test below.)
    assert.deepEqual([...new Set(ofType(events, 'rate_limited').map((e) => e.payload.agent))], ['claude-1', 'codex-1']);
    assert.equal(ofType(events, 'handoff.stranded').length, 0);
    const ended = ofType(events, 'relay.ended');
    assert.equal(ended.length, 1);
    assert.equal(ended[0]!.payload.agent, 'gemini-1');

    // Parked agents outlive the session (the user may go back); they end with the daemon.
    const after = new Map((await psAgents(h)).map((a) => [a.id, a]));
    for (const id of ['claude-1', 'codex-1']) {
      assert.equal(after.get(id)?.state, 'parked', id);
      assert.ok(alive(after.get(id)!.pid!), `${id} still alive after the session ended`);
    }
    await stopDaemonAndAssertGone(h, [byId.get('claude-1')!.pid!, byId.get('codex-1')!.pid!, gemini.pid]);

    // The conversation graph: one conversation per agent run, joined by handoff edges.
    const db = openDatabase(h.paths.db, { readonly: true });
    try {
      const repo = new ConversationRepo(db);
      const runs = repo.list().filter((c) => c.origin === 'wrap').sort((a, b) => a.number - b.number);
      const project = basename(workDir(h));
      assert.deepEqual(runs.map((c) => c.name), ['claude', 'codex', 'gemini'].map((n) => `${n} in ${project}`));
      const [claude, codex, gemini] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
      assert.match(repo.lineage(codex.id), new RegExp(`^handoff from #${claude.number} \\(limit\\b`));
      assert.match(repo.lineage(gemini.id), new RegExp(`^handoff from #${codex.number} \\(limit\\b`));
      assert.equal(repo.history(gemini.id)[0]?.content, geminiPrompt, "gemini's conversation begins with its prompt");
    } finally {
      db.close();
    }
  });
});

for (const [how, env, reason, code] of [
  ['exits 3', {}, 'error', 3],
  ['dies of SIGSEGV', { FAKE_AGENT_CRASH: 'segv' }, 'crashed', 139],
] as const) {
  test(`a crash is reported, not taken for a limit: claude ${how} → no handoff, exit ${code}`, async () => {
    await inTempHome(async (h) => {
      const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], agentEnv(h, { FAKE_AGENT_SCRIPT_CLAUDE: 'crash', ...env }), workDir(h));
      const r = await wrap.done;
      assert.equal(r.code, code, `wrap exit; stderr: ${r.stderr}`);
      assert.match(plain(r.stdout), /Working on it…/);
      assert.doesNotMatch(r.stdout, /\[relay\]/, 'no handoff banner');

      const events = await tailEvents(h);
      const exited = ofType(events, 'agent.exited').filter((e) => e.actor === 'agent:claude-1');
      assert.equal(exited.length, 1);
      assert.equal(exited[0]!.payload.reason, reason, JSON.stringify(exited[0]!.payload));
      if (reason === 'error') assert.equal(exited[0]!.payload.code, 3);
      else assert.equal(exited[0]!.payload.signal, 'SIGSEGV');
      assert.deepEqual(
        events.filter((e) => e.type === 'rate_limited' || e.type.startsWith('handoff.')).map((e) => e.type),
        [],
        'no limit, no handoff',
      );
      assert.deepEqual(
        fakeLog(h).map((e) => e.kind),
        ['claude'],
        'codex was never started',
      );
      assert.equal((await snapshotsList(h)).length, 0, 'no snapshot');
      const agents = await psAgents(h);
      assert.deepEqual(
        agents.map((a) => [a.id, a.state, a.exit?.reason]),
        [['claude-1', reason === 'error' ? 'exited' : 'crashed', reason]],
      );
      await stopDaemonAndAssertGone(h, []);
    });
  });
}

test('regression: a limit line wider than the terminal is one rate_limited event (the wrapped screen row made a second one)', async () => {
  // Codex's usage-limit message is 170 characters; at 80 columns the screen model shows it on
  // three rows, and the screen reader matched the first row as a second, different message
  // (shorter `matched`, no reset time).
  await inTempHome(async (h) => {
    const wrap = startRelay(['wrap', '--order', 'codex,gemini', '--', 'codex'], agentEnv(h, { FAKE_AGENT_SCRIPT_CODEX: 'limit' }), workDir(h));
    await waitFor(() => /handed off to gemini-1[\s\S]*PROMPT: /.test(plain(wrap.stdout())) || wrap.child.exitCode !== null, 'gemini to take over', WAIT_MS);
    wrap.write('/exit\n');
    const r = await wrap.done;
    assert.equal(r.code, 0, r.stderr);
    const codex = (await psAgents(h)).find((a) => a.id === 'codex-1');
    await stopDaemonAndAssertGone(h, codex?.pid ? [codex.pid] : []);
    const limited = ofType(dbEvents(h), 'rate_limited').map((e) => e.payload);
    assert.equal(limited.length, 1, `one limit message, one event; got:\n${limited.map((p) => JSON.stringify(p)).join('\n')}`);
    assert.equal(typeof limited[0]!.resetAt, 'number', 'the event carries the reset time the message gives');
  });
});

test("regression: the daemon's PATH does not decide who takes over, and the task of the command line reaches the next agent", async () => {
  // The daemon is started from a shell without the agent CLIs on its PATH (as after `npm
  // start`); `relay wrap` runs in the user's shell, where claude and codex are.
  await inTempHome(async (h) => {
    const started = await h.relay(['daemon', 'start']);
    assert.equal(started.code, 0, started.stderr);
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT_CLAUDE: 'limit', FAKE_AGENT_SCRIPT_CODEX: 'ok' });
    const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude', 'fix the login bug'], env, workDir(h));
    await waitFor(() => /handed off to codex-1[\s\S]*PROMPT: /.test(plain(wrap.stdout())) || wrap.child.exitCode !== null, 'codex to take over', WAIT_MS);
    assert.match(plain(wrap.stdout()), /claude-1 hit its limit: handed off to codex-1/, `stderr: ${wrap.stderr()}`);
    const [snap] = await snapshotsList(h);
    const task = section(readFileSync(snap!.path, 'utf8'), 'Task');
    assert.match(task, /fix the login bug/, task);
    assert.doesNotMatch(task, /Not recorded/, task);
    wrap.write('/exit\n');
    assert.equal((await wrap.done).code, 0);
    const claude = (await psAgents(h)).find((a) => a.id === 'claude-1');
    await stopDaemonAndAssertGone(h, claude?.pid ? [claude.pid] : []);
  });
});

test('regression: with nobody to take over, wrap says who was missing and why instead of "every agent is limited"', async () => {
  await inTempHome(async (h) => {
    // codex is in the order but on no PATH; claude's own limit lifts at its reset.
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT_CLAUDE: 'limit' }, []);
    const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', join(FAKE_AGENTS, 'claude')], env, workDir(h));
    await waitFor(() => /no agent can take over/.test(plain(wrap.stdout())) || wrap.child.exitCode !== null, 'the stranded banner', WAIT_MS);
    const shown = plain(wrap.stdout());
    assert.match(shown, /\[relay\] no agent can take over \(codex: not on PATH; claude: limited until [^)]+\); resuming at /, shown);
    assert.doesNotMatch(shown, /every agent in the order is limited/);
    wrap.kill();
    await stopDaemonAndAssertGone(h, []);
  });
});

test('relay handoff (manual): the next agent gets a snapshot with the conversation so far; the terminal follows; the old agent is parked; the banner does not claim a limit', async () => {
  await inTempHome(async (h) => {
    // The fake writes its conversation where the real CLI does, under the HOME the daemon has.
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT: 'ok', FAKE_AGENT_TRANSCRIPT_HOME: h.env.HOME! });
    const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));
    await waitFor(() => plain(wrap.stdout()).includes('Claude Code v2.1.197') || wrap.child.exitCode !== null, 'claude to start', WAIT_MS);
    wrap.write('refactor the parser please\n');
    await waitFor(() => plain(wrap.stdout()).includes('MOCK_OK') || wrap.child.exitCode !== null, 'claude to answer', WAIT_MS);

    const r = await h.relay(['handoff', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout) as { from: string; to: string; toName: string; stranded: boolean; snapshot: { id: string; path: string } };
    assert.deepEqual([result.from, result.to, result.toName, result.stranded], ['claude-1', 'codex-1', 'codex', false]);
    await waitFor(() => /codex-1[\s\S]*PROMPT: # Relay handoff/.test(plain(wrap.stdout())) || wrap.child.exitCode !== null, 'codex on the wrapped terminal', WAIT_MS);

    const snapshot = readFileSync(result.snapshot.path, 'utf8');
    assert.equal(fakeLog(h).find((e) => e.event === 'start' && e.kind === 'codex')?.prompt, snapshot, "codex's first prompt is the snapshot");
    assert.match(section(snapshot, 'Last turns'), /refactor the parser please/, 'the conversation so far, from claude’s transcript');
    const agents = new Map((await psAgents(h)).map((a) => [a.id, a]));
    assert.equal(agents.get('claude-1')?.state, 'parked');

    wrap.write('/exit\n');
    const done = await wrap.done;
    assert.equal(done.code, 0, done.stderr);
    await stopDaemonAndAssertGone(h, [agents.get('claude-1')!.pid!, agents.get('codex-1')!.pid!]);
    // Regression: the banner claimed a limit that never happened (src/cli/terminalClient.ts
    // wrote "hit its limit" for every handoff).
    const banner = plain(done.stdout).split('\n').filter((l) => l.includes('[relay]'));
    assert.equal(banner.length, 1, banner.join('\n'));
    assert.doesNotMatch(banner[0]!, /hit its limit/, 'a manual handoff was announced as a limit');
  });
});
