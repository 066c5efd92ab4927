/**
 * runCliCall against the fake CLIs (test/fixtures/fake-agents, replaying the real CLIs'
 * recorded headless JSON): the streamed text exactly, usage and cost, a limit as a failure that
 * moves on, a cancel that leaves no process, a closed stdin for the CLIs that wait on an open
 * one, timeouts and a missing binary — each as one outcome, never a throw.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { descriptorOf, type KnownKind } from '../../src/adapters/registry.js';
import { runCliCall } from '../../src/providers/cliCall.js';
import { MAX_ANSWER_BYTES, type CliCallSpec } from '../../src/providers/callSpec.js';
import type { StreamEvent } from '../../src/protocol/providerProtocol.js';
import { isAlive } from '../../src/platform/processTree.js';
import { processesMentioning } from '../helpers/leaks.js';
import { tempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

const FAKES = join(import.meta.dirname, '..', 'fixtures', 'fake-agents');

interface World {
  dir: string;
  spec(kind: KnownKind, prompt: string, extra?: { model?: string; env?: Record<string, string>; command?: string }): CliCallSpec;
}

/** A temp dir as HOME, RELAY_HOME and cwd; afterwards, no process that mentions it. */
function world(t: TestContext): World {
  const dir = tempDir(t, 'cli', () => assert.deepEqual(processesMentioning(dir), [], 'a process outlived its call'));
  return {
    dir,
    spec(kind, prompt, extra = {}) {
      const mode = descriptorOf(kind).headless!;
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FAKE_AGENT')) env[k] = v;
      Object.assign(env, { PATH: `${FAKES}:${process.env.PATH}`, HOME: dir, RELAY_HOME: join(dir, 'relay'), FAKE_AGENT_DELAY_MS: '5' }, mode.env, extra.env);
      return {
        kind: 'cli',
        provider: kind,
        agent: kind,
        command: extra.command ?? join(FAKES, kind),
        args: mode.args(prompt, extra.model),
        env,
        cwd: dir,
        ...(mode.promptOnStdin(prompt) ? { stdin: prompt } : {}),
        timeouts: { firstByteMs: 15_000, idleMs: 15_000 },
        maxAnswerBytes: MAX_ANSWER_BYTES,
      };
    },
  };
}

async function call(spec: CliCallSpec, signal = new AbortController().signal) {
  const events: StreamEvent[] = [];
  const outcome = await runCliCall(spec, (e) => events.push(e), signal);
  const deltas = events.flatMap((e) => (e.type === 'delta' ? [e.text] : []));
  return { outcome, events, deltas, text: deltas.join('') };
}

describe('runCliCall', () => {
  it('streams claude -p stream-json partial messages exactly, with the run usage, cost and session', async (t) => {
    const w = world(t);
    const r = await call(w.spec('claude', 'explain kubernetes in two sentences please'));
    assert.deepEqual(r.deltas, ['MOCK_OK: ', 'you asked "explain kubernetes in two sentences please".']);
    assert.equal(r.outcome.finish, 'stop');
    assert.equal(r.outcome.failure, undefined);
    assert.deepEqual(r.outcome.usage, { inputTokens: 24, outputTokens: 16, cacheReadTokens: 0, cacheWriteTokens: 0, reportedCostMicros: 520 });
    assert.equal(r.outcome.chars, r.text.length);
    assert.ok(r.outcome.firstDeltaMs !== undefined && r.outcome.firstDeltaMs <= r.outcome.durationMs);
    assert.match(r.outcome.agentSession!, /^[0-9a-f-]{36}$/);
  });

  it('answers through each CLI with the prompt it was given, stdin closed after it (codex and opencode wait for EOF)', async (t) => {
    const w = world(t);
    const long = `summarise this file ${'lorem ipsum '.repeat(4000)}`;
    for (const [kind, prompt] of [
      ['codex', 'what does this repo do'],
      ['codex', long],
      ['gemini', '-v is a flag, explain'],
      ['opencode', 'review the login handler'],
    ] as const) {
      const spec = w.spec(kind, prompt);
      const r = await call(spec);
      const words = prompt.trim().split(/\s+/).slice(0, 6).join(' ');
      assert.equal(r.text, `MOCK_OK: you asked "${words}".`, `${kind}: ${r.outcome.failure?.message}`);
      assert.equal(r.outcome.failure, undefined);
      assert.ok(r.outcome.usage && r.outcome.usage.outputTokens === 8, kind);
      assert.ok(r.outcome.agentSession, kind);
      assert.equal(spec.stdin !== undefined, kind === 'opencode' || prompt === long, kind);
    }
  });

  it('a CLI that reports its limit fails the call as rate_limited with its reset, and the call may move on', async (t) => {
    const w = world(t);
    const claude = await call(w.spec('claude', 'hello', { env: { FAKE_AGENT_SCRIPT: 'limit-exit' } }));
    assert.equal(claude.text, '', 'the limit message is not the answer');
    assert.equal(claude.outcome.finish, 'error');
    assert.equal(claude.outcome.failure?.kind, 'rate_limited');
    assert.equal(claude.outcome.failure?.moveOn, true);
    assert.equal(claude.outcome.failure?.resetAt, 1795258633 * 1000);

    const codex = await call(w.spec('codex', 'hello', { env: { FAKE_AGENT_SCRIPT: 'retry429' } }));
    assert.equal(codex.outcome.failure?.kind, 'rate_limited');
    assert.equal(codex.events.filter((e) => e.type === 'warning').length, 5);

    const gemini = await call(w.spec('gemini', 'hello', { model: 'flash', env: { FAKE_AGENT_SCRIPT: 'limit-exit' } }));
    assert.equal(gemini.outcome.failure?.kind, 'quota');
    assert.equal(gemini.outcome.failure?.moveOn, true);

    const opencode = await call(w.spec('opencode', 'hello', { env: { FAKE_AGENT_SCRIPT: 'retry429' } }));
    assert.equal(opencode.outcome.failure?.kind, 'rate_limited');
    assert.ok(opencode.outcome.failure!.resetAt! > Date.now() - 60_000);
  });

  it('claude retries only as often as its headless env allows', async (t) => {
    const w = world(t);
    const r = await call(w.spec('claude', 'hello', { env: { FAKE_AGENT_SCRIPT: 'retry429' } }));
    assert.equal(r.events.filter((e) => e.type === 'warning').length, Number(descriptorOf('claude').headless!.env.CLAUDE_CODE_MAX_RETRIES));
    assert.equal(r.outcome.failure?.kind, 'rate_limited');
  });

  it('cancel mid-answer stops the whole process group and keeps what was streamed', async (t) => {
    const w = world(t);
    // A CLI that started a helper in its group, then hangs after the first piece of its answer.
    const wrapper = join(w.dir, 'claude-with-helper');
    writeFileSync(wrapper, `#!/bin/sh\nsleep 300 &\necho $! > "${w.dir}/helper.pid"\necho $$ > "${w.dir}/cli.pid"\nFAKE_AGENT_KIND=claude exec node "${FAKES}/fake-agent.mjs" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const ac = new AbortController();
    const events: StreamEvent[] = [];
    const spec = w.spec('claude', 'a long story', { command: wrapper, env: { FAKE_AGENT_SCRIPT: 'stall' } });
    const running = runCliCall(spec, (e) => {
      events.push(e);
      if (e.type === 'delta') ac.abort();
    }, ac.signal);
    const outcome = await running;
    const pids = ['helper.pid', 'cli.pid'].map((f) => Number(readFileSync(join(w.dir, f), 'utf8')));
    assert.equal(outcome.finish, 'cancelled');
    assert.equal(outcome.failure, undefined);
    assert.deepEqual(events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text), ['MOCK_OK: ']);
    assert.equal(outcome.chars, 'MOCK_OK: '.length);
    for (const pid of pids) await waitFor(() => !isAlive(pid), `pid ${pid} gone`, 5_000);
  });

  it('a CLI silent from the start fails with the first-byte timeout named; one silent mid-answer with the idle timeout', async (t) => {
    const w = world(t);
    const mute = join(w.dir, 'mute-cli');
    writeFileSync(mute, `#!/bin/sh\n# ${w.dir}\nexec sleep 300\n`);
    chmodSync(mute, 0o755);
    const first = await call({ ...w.spec('claude', 'hello', { command: mute }), timeouts: { firstByteMs: 200, idleMs: 10_000 } });
    assert.equal(first.outcome.failure?.kind, 'first_byte_timeout');
    assert.match(first.outcome.failure!.message, /nothing within 200 ms \(first-byte timeout\)/);
    assert.equal(first.outcome.failure?.moveOn, true);

    const idle = await call({ ...w.spec('gemini', 'hello', { env: { FAKE_AGENT_SCRIPT: 'stall' } }), timeouts: { firstByteMs: 15_000, idleMs: 300 } });
    assert.equal(idle.outcome.failure?.kind, 'idle_timeout');
    assert.equal(idle.text, 'MOCK_OK: ');
    assert.match(idle.outcome.failure!.message, /silent for 300 ms mid-answer \(idle timeout\)/);
  });

  it('a missing binary is a clear failure, not a throw', async (t) => {
    const w = world(t);
    const r = await call(w.spec('claude', 'hello', { command: join(w.dir, 'no-such-claude') }));
    assert.equal(r.outcome.finish, 'error');
    assert.equal(r.outcome.failure?.kind, 'cli_failed');
    assert.match(r.outcome.failure!.message, /^claude: .*no-such-claude not found$/);
    assert.equal(r.outcome.failure?.moveOn, true);
    assert.match(r.outcome.failure!.hint!, /install claude or put it on PATH/);
  });

  it('an answer over maxAnswerBytes is cut as too_large', async (t) => {
    const w = world(t);
    const r = await call({ ...w.spec('claude', 'hello'), maxAnswerBytes: 2_000 });
    assert.equal(r.outcome.failure?.kind, 'too_large');
    assert.equal(r.outcome.failure?.moveOn, false);
  });
});
