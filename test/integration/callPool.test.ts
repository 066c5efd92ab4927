/**
 * The daemon's call pool: calls run in worker threads and stream back on their own port. A real
 * agent CLI call (the fake claude) streams and ends in order; an abort ends it as cancelled with
 * no process left; a worker that dies becomes a `crashed` outcome carrying the usage so far.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CallPool } from '../../src/actors/provider/callPool.js';
import { descriptorOf } from '../../src/adapters/registry.js';
import { DEFAULT_TIMEOUTS, MAX_ANSWER_BYTES, type CliCallSpec } from '../../src/providers/callSpec.js';
import type { StreamEvent } from '../../src/protocol/providerProtocol.js';
import { processesMentioning } from '../helpers/leaks.js';
import { FAKE_AGENTS, FIXTURES } from '../helpers/relayWorld.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

function claudeSpec(dir: string, scenario: string): CliCallSpec {
  const mode = descriptorOf('claude').headless!;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('FAKE_AGENT')) env[k] = v;
  Object.assign(env, { PATH: `${FAKE_AGENTS}:${process.env.PATH}`, HOME: dir, FAKE_AGENT_DELAY_MS: '5', FAKE_AGENT_SCRIPT: scenario }, mode.env);
  return {
    kind: 'cli',
    provider: 'claude',
    agent: 'claude',
    command: join(FAKE_AGENTS, 'claude'),
    args: mode.args('explain pools'),
    env,
    cwd: dir,
    timeouts: DEFAULT_TIMEOUTS,
    maxAnswerBytes: MAX_ANSWER_BYTES,
  };
}

describe('CallPool', { timeout: 60_000 }, () => {
  it('streams a CLI call from a worker thread, every event before the outcome', async () => {
    const dir = makeTempDir('pool');
    const pool = new CallPool({ onError: (e) => assert.fail(e) });
    try {
      const seen: StreamEvent[] = [];
      const call = pool.run(claudeSpec(dir, 'ok'), (events) => seen.push(...events));
      const outcome = await call.outcome;
      assert.equal(outcome.failure, undefined);
      assert.equal(outcome.finish, 'stop');
      const text = seen.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
      assert.match(text, /MOCK_OK/);
      assert.equal(outcome.chars, text.length, 'the outcome came after every delta');
      assert.ok(outcome.usage && outcome.usage.outputTokens > 0);
    } finally {
      await pool.close();
      removeTempDir(dir);
    }
  });

  it('an abort ends the call as cancelled and leaves no process', async () => {
    const dir = makeTempDir('pool');
    const pool = new CallPool({ onError: (e) => assert.fail(e) });
    try {
      let started!: () => void;
      const streaming = new Promise<void>((r) => (started = r));
      const call = pool.run(claudeSpec(dir, 'stall'), (events) => events.some((e) => e.type === 'delta') && started());
      await streaming;
      call.abort();
      const outcome = await call.outcome;
      assert.equal(outcome.finish, 'cancelled');
      assert.equal(outcome.failure, undefined);
      assert.deepEqual(processesMentioning(dir), []);
    } finally {
      await pool.close();
      removeTempDir(dir);
    }
  });

  it('a worker that dies is a crashed outcome with the usage streamed so far, and the pool goes on', async () => {
    const pool = new CallPool({ filename: join(FIXTURES, 'crashing-call-worker.mjs'), onError: () => undefined });
    try {
      const seen: StreamEvent[] = [];
      const outcome = await pool.run(claudeSpec('/tmp', 'ok'), (events) => seen.push(...events)).outcome;
      assert.equal(outcome.failure?.kind, 'crashed');
      assert.equal(outcome.failure?.moveOn, true);
      assert.deepEqual(outcome.usage, { inputTokens: 12, outputTokens: 3 });
      assert.equal(outcome.chars, 'half an answer'.length);
      // The next call gets a fresh thread.
      const again = await pool.run(claudeSpec('/tmp', 'ok'), () => undefined).outcome;
      assert.equal(again.failure?.kind, 'crashed');
    } finally {
      await pool.close();
    }
  });
});
