import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { collect, type RunResult, type TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import {
  agentEnv,
  dbEvents,
  inTempHome,
  ofType,
  psAgents,
  startRelay,
  tailEvents,
  WAIT_MS,
  workDir,
} from '../helpers/relayWorld.js';

const SAMPLE = join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json');

function stopFailure(session: string): string {
  const payload = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<string, unknown>;
  return JSON.stringify({ ...payload, session_id: session });
}

/** Run `relay hook <agent>` as the CLI would: payload on stdin, the agent's environment. */
function runHook(h: TempHome, agent: string, stdin: string, env: NodeJS.ProcessEnv = h.env): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'hook', agent], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(stdin);
  return collect(child, 15_000);
}

test('daemon down: hook events are spooled, and delivered once each, in order, when it starts', async () => {
  await inTempHome(async (h) => {
    for (let i = 0; i < 12; i++) {
      const r = await runHook(h, 'claude', stopFailure(`session-${i}`));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '', 'a hook prints nothing');
    }
    assert.ok(existsSync(h.paths.spoolFile), 'the events wait in the spool');
    assert.equal((await h.relay(['daemon', 'start'])).code, 0);
    const received = await waitFor(async () => {
      const got = ofType(await tailEvents(h), 'hook.received');
      return got.length >= 12 ? got : null;
    }, 'the spooled events', WAIT_MS);
    assert.deepEqual(
      received.map((e) => e.payload.agentSession),
      Array.from({ length: 12 }, (_, i) => `session-${i}`),
      'every event once, in order',
    );
    assert.equal(existsSync(h.paths.spoolFile), false, 'the spool is drained');
    const limits = ofType(await tailEvents(h), 'rate_limited');
    assert.equal(limits.length, 12);
    assert.equal(limits[0]!.payload.source, 'hook:claude');
  });
});

test('daemon up: a hook event is delivered at once, not spooled', async () => {
  await inTempHome(async (h) => {
    assert.equal((await h.relay(['daemon', 'start'])).code, 0);
    const r = await runHook(h, 'claude', stopFailure('live-1'));
    assert.equal(r.code, 0);
    assert.equal(existsSync(h.paths.spoolFile), false);
    const events = await tailEvents(h);
    assert.equal(ofType(events, 'hook.received').length, 1, 'acknowledged means logged');
    const limit = ofType(events, 'rate_limited')[0];
    assert.equal(limit?.payload.agent, 'claude', 'a CLI Relay does not run is known by its name');
    assert.ok(typeof limit?.payload.resetAt === 'number', 'the reset time comes from the message');
  });
});

test('a limit reported by the hook of a Relay-run agent hands its session on', async () => {
  await inTempHome(async (h) => {
    // Claude here prints no limit at all: only its hook says so.
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT: 'ok' });
    const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));
    const [claude] = await waitFor(async () => {
      const agents = await psAgents(h);
      return agents.length > 0 && agents[0]!.relaySession ? agents : null;
    }, 'claude to run in a relay session', WAIT_MS);
    const hookEnv = { ...env, RELAY_AGENT_ID: claude!.id, RELAY_SESSION: claude!.relaySession! };
    assert.equal((await runHook(h, 'claude', stopFailure('in-relay'), hookEnv)).code, 0);
    await waitFor(() => wrap.stdout().includes('handed off to codex-1'), 'the handoff banner', WAIT_MS);
    await waitFor(() => /handed off to codex-1[\s\S]*MOCK_OK/.test(wrap.stdout()), 'codex to answer', WAIT_MS);
    wrap.write('/exit\n');
    const done = await wrap.done;
    assert.equal(done.code, 0);
    const events = dbEvents(h);
    const started = ofType(events, 'handoff.started')[0];
    assert.equal(started?.payload.source, 'hook:claude');
  });
});
