/**
 * Issue 8, item 3, at the agent: a gemini whose screen shows only "Thinking..." counting up (what
 * gemini 0.61 shows while its router retries a 429) is reported as an early warning by its
 * PtyAgent, on the injected clock; a gemini making visible progress is not. The fake gemini
 * (FAKE_AGENT_SCRIPT=thinking) advances its shown timer one second per frame, so no test waits
 * in real time for the bound.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PtyAgent } from '../../src/actors/agent/ptyAgent.js';
import { limitRulesFor } from '../../src/adapters/registry.js';
import { GEMINI_STALL_MS } from '../../src/adapters/gemini.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { RateLimited } from '../../src/protocol/rateLimited.js';
import { agentEnv, FAKE_AGENTS, inTempHome, workDir } from '../helpers/relayWorld.js';
import { waitFor } from '../helpers/waitFor.js';

async function runGemini(env: Record<string, string>, until: (agent: PtyAgent, limits: RateLimited[], shownSeconds: number) => boolean): Promise<void> {
  await inTempHome(async (h) => {
    const clock = new ManualClock(Date.parse('2026-11-21T10:00:00Z'));
    const limits: RateLimited[] = [];
    const agent = new PtyAgent({
      id: 'g1',
      kind: 'gemini',
      name: 'gemini',
      launch: { command: join(FAKE_AGENTS, 'gemini'), args: ['-i', 'fix the login bug'], cwd: workDir(h), size: { cols: 160, rows: 45 }, relaySession: 'relay:s1' },
      env: agentEnv(h, { FAKE_AGENT_SCRIPT: 'thinking', FAKE_AGENT_THINK_FRAME_MS: '20', FAKE_AGENT_THINK_STEP_S: '1', ...env }),
      limitRules: limitRulesFor('gemini'),
      logFile: join(h.root, 'g1.log'),
      clock,
      publish: () => {},
      onLimit: (e) => limits.push(e),
      onState: () => {},
    });
    try {
      const shown = (): number => {
        const row = agent.visibleText().find((r) => r.includes('(esc to cancel,'));
        const m = row ? /\(esc to cancel, (?:(\d+)m )?(\d+)s\)/.exec(row) : null;
        return m ? Number(m[1] ?? 0) * 60 + Number(m[2]) : 0;
      };
      // Each poll moves the clock one check interval on; the fake's timer moves by its own frames.
      await waitFor(() => {
        clock.advance(1_000);
        return until(agent, limits, shown());
      }, 'the fake gemini to reach the point under test', 20_000);
    } finally {
      await agent.stop('user_quit', 2_000);
      agent.dispose();
    }
  });
}

test('a gemini showing only "Thinking..." counting up for the bound is an early warning for its relay session', async () => {
  let found: RateLimited[] = [];
  await runGemini({}, (_a, limits) => {
    found = limits;
    return limits.length > 0;
  });
  assert.equal(found.length, 1);
  const [e] = found;
  assert.equal(e!.source, 'pty');
  assert.equal(e!.rule, 'gemini.thinking_stalled');
  assert.equal(e!.severity, 'warning');
  assert.equal(e!.relaySession, 'relay:s1');
  assert.match(e!.matched, /^Thinking\.\.\. \(esc to cancel, \d+s\) with nothing else on screen changing for (\d+) s$/);
  assert.ok(Number(/for (\d+) s$/.exec(e!.matched)![1]) >= GEMINI_STALL_MS / 1000);
});

test('a gemini thinking for a long time while its answer streams in is not cut off', async () => {
  let found: RateLimited[] = [];
  // A line of answer every 5 frames (5 s on its timer); run until it has shown 3× the bound.
  await runGemini({ FAKE_AGENT_THINK_PROGRESS: '5' }, (_a, limits, shown) => {
    found = limits;
    return shown >= (3 * GEMINI_STALL_MS) / 1000;
  });
  assert.deepEqual(found, []);
});
