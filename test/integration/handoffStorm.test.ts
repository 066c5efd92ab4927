/**
 * Handoff under pressure, end to end: a storm of limit lines makes exactly one handoff, and a
 * stream of normal output that only mentions limits (the negative corpus) makes none. Real
 * daemon, real CLI, real agent processes in the daemon's PTYs; each test has its own home.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../helpers/waitFor.js';
import {
  agentEnv,
  inTempHome,
  alive,
  CORPUS_AGENT,
  dbEvents,
  FAKE_AGENTS,
  fakeLog,
  NEGATIVE_CORPUS,
  ofType,
  plain,
  psAgents,
  startRelay,
  STORM_AGENTS,
  stopDaemonAndAssertGone,
  tailEvents,
  WAIT_MS,
  workDir,
} from '../helpers/relayWorld.js';

for (const mode of ['same', 'distinct'] as const) {
  const what = mode === 'same' ? 'the same limit line' : 'a limit line naming another zone each time';
  test(`a storm of 1,000 limit lines in under a second (${what}) → exactly one handoff, one codex`, async (t) => {
    await inTempHome(async (h) => {
      // test/fixtures/storm/claude is found before the fake claude; codex is the fake one.
      const env = agentEnv(h, { STORM_MODE: mode }, [STORM_AGENTS, FAKE_AGENTS]);
      const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));

      // The daemon has read the whole storm once claude's agent log ends with the line after it.
      const agentLog = join(h.paths.logs, 'agents', 'claude-1.log');
      await waitFor(
        () => (existsSync(agentLog) && readFileSync(agentLog, 'utf8').includes('storm end')) || wrap.child.exitCode !== null,
        "the daemon to have read claude's whole storm",
        WAIT_MS,
      );
      await waitFor(
        () => /handed off to codex-1[\s\S]*PROMPT: # Relay handoff/.test(plain(wrap.stdout())) || wrap.child.exitCode !== null,
        'codex to take over the wrapped terminal',
        WAIT_MS,
      );
      const storm = fakeLog(h).find((e) => e.event === 'storm') as unknown as { lines: number; ms: number } | undefined;
      // How fast the fixture wrote it depends on the machine's load: a timing, not a behaviour.
      assert.equal(storm?.lines, 1000, `the whole storm was written (in ${storm?.ms} ms)`);

      const agents = new Map((await psAgents(h)).map((a) => [a.id, a]));
      assert.deepEqual([...agents.keys()].sort(), ['claude-1', 'codex-1']);
      assert.equal(agents.get('claude-1')?.state, 'parked');
      const pids = [agents.get('claude-1')!.pid!, agents.get('codex-1')!.pid!];
      assert.ok(pids.every(alive));

      wrap.write('/exit\n');
      const r = await wrap.done;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(plain(r.stdout).split('\n').filter((l) => l.includes('[relay]')).length, 1, 'one banner');

      // Counted after the daemon has stopped: every event it ever logged, nothing in flight.
      await stopDaemonAndAssertGone(h, pids);
      const events = dbEvents(h);
      const limited = ofType(events, 'rate_limited');
      t.diagnostic(`storm written in ${storm.ms} ms; ${limited.length} rate_limited events`);
      assert.ok(limited.length >= 1 && limited.every((e) => e.payload.agent === 'claude-1'));
      if (mode === 'distinct') assert.ok(limited.length >= 900, `a storm of distinct limit events reached the sessions: ${limited.length}`);
      assert.equal(ofType(events, 'handoff.started').length, 1, 'one handoff started');
      const completed = ofType(events, 'handoff.completed');
      assert.equal(completed.length, 1, 'one handoff completed');
      assert.equal(completed[0]!.payload.from, 'claude-1');
      assert.equal(completed[0]!.payload.toAgent, 'codex-1');
      assert.equal(ofType(events, 'handoff.stranded').length + ofType(events, 'handoff.failed').length, 0);
      assert.equal(ofType(events, 'agent.started').filter((e) => e.payload.name === 'codex').length, 1, 'one codex agent');
      assert.equal(fakeLog(h).filter((e) => e.event === 'start' && e.kind === 'codex').length, 1, 'one codex process');
    });
  });
}

/** The negative corpus as corpusAgent.mjs prints it. */
function corpusText(): string {
  const files = readdirSync(NEGATIVE_CORPUS).sort();
  const text = files
    .map((name) => {
      const t = readFileSync(join(NEGATIVE_CORPUS, name), 'utf8');
      return t.endsWith('\n') ? t : `${t}\n`;
    })
    .join('');
  return `${text}corpus done ${files.length} files\n`;
}

test('normal output that mentions limits (the negative corpus, slowly, as claude, codex, gemini and opencode) → no rate_limited, no handoff', async () => {
  await inTempHome(async (h) => {
    // The corpus printer, named as each CLI so each kind's rules read it (and its command line
    // names the temp dir, so cleanup would find it if it were left running).
    const bin = join(h.root, 'bin');
    mkdirSync(bin);
    const orders: Record<string, string> = { claude: 'claude,codex', codex: 'codex,gemini', gemini: 'gemini,opencode', opencode: 'opencode,claude' };
    for (const kind of Object.keys(orders)) symlinkSync(CORPUS_AGENT, join(bin, kind));
    const env = agentEnv(h, {}, [bin, FAKE_AGENTS]);
    // Four wraps at once: one daemon starts for all of them.
    const wraps = Object.entries(orders).map(([kind, order]) => startRelay(['wrap', '--order', order, '--', kind], env, workDir(h), 60_000));
    // Each ends at the end of its input, once all it printed has come out.
    await Promise.all(
      wraps.map((w, i) =>
        waitFor(() => w.stdout().includes('corpus done') || w.child.exitCode !== null, `corpus agent ${i} to finish printing`, 60_000).then(() => w.end()),
      ),
    );
    const results = await Promise.all(wraps.map((w) => w.done));
    const expected = corpusText();
    for (const [i, r] of results.entries()) {
      assert.equal(r.code, 0, `wrap ${i}: ${r.stderr}`);
      // Piped stdout carries the program's output byte for byte (the PTY turns \n into \r\n).
      const got = r.stdout.replace(/\r\n/g, '\n');
      assert.ok(got === expected, `wrap ${i}: output differs from the corpus (got ${got.length} chars, expected ${expected.length}); first difference at ${[...got].findIndex((c, k) => c !== expected[k])}`);
    }

    const events = await tailEvents(h);
    assert.deepEqual(
      events.filter((e) => e.type === 'rate_limited').map((e) => `${e.payload.agent}: ${String(e.payload.rule)}: ${String(e.payload.matched)}`),
      [],
      'no rate_limited event',
    );
    assert.deepEqual(events.filter((e) => e.type.startsWith('handoff.')).map((e) => e.type), [], 'no handoff');
    const agents = await psAgents(h);
    assert.deepEqual(agents.map((a) => [a.kind, a.exit?.reason]).sort(), [
      ['claude', 'done'],
      ['codex', 'done'],
      ['gemini', 'done'],
      ['opencode', 'done'],
    ]);
    await stopDaemonAndAssertGone(h, []);
  });
});
