/**
 * The daemon reads a Codex rollout as it grows (src/actors/hooks/rolloutWatcher.ts): an
 * interactive Codex started outside Relay fires no hook on a failed turn, so without this its
 * limit would reach Relay only when the user quits.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { handleHookEvent, type HookListenerDeps } from '../../src/actors/hooks/hookListener.js';
import { DeliveredHookIds } from '../../src/actors/hooks/deliveredHookIds.js';
import { RolloutWatchers } from '../../src/actors/hooks/rolloutWatcher.js';
import type { HookEvent } from '../../src/hooks/hookEvent.js';
import { parseCodex } from '../../src/hooks/parseCodex.js';
import type { RateLimited } from '../../src/protocol/rateLimited.js';
import type { NewEvent } from '../../src/protocol/eventRecord.js';
import { tempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

const FIXTURES = new URL('../fixtures/hook-payloads/', import.meta.url);
const ROLLOUT_LINES = readFileSync(new URL('codex-usage-limit-rollout.jsonl', FIXTURES), 'utf8').split('\n').filter(Boolean);
/** The sample's own time: its limit resets an hour later (token_count resets_at). */
const SAMPLE_NOW = Date.parse('2026-11-21T09:58:25.000Z');

function payload(event: 'SessionStart' | 'UserPromptSubmit' | 'SessionEnd', rollout: string): unknown {
  const p = JSON.parse(readFileSync(new URL(`codex-usage--${event}.stdin.json`, FIXTURES), 'utf8')) as Record<string, unknown>;
  return { ...p, transcript_path: rollout };
}

/** The hook event `relay hook codex` sends for a sample payload naming `rollout`. */
function hookEvent(event: 'SessionStart' | 'UserPromptSubmit' | 'SessionEnd', rollout: string, env: Record<string, string> = {}): HookEvent {
  const r = parseCodex(payload(event, rollout), { now: SAMPLE_NOW, env });
  assert.ok(r.event, `${event} parses`);
  return r.event;
}

function world(t: TestContext, opts: { idleStopMs?: number } = {}) {
  const dir = tempDir(t, 'rollout');
  const rollout = join(dir, 'rollout-2026-11-21T10-15-59-01a1fd9b-0b62-75a0-9d95-ff6cb4871e14.jsonl');
  const limits: RateLimited[] = [];
  const rollouts = new RolloutWatchers({ reportLimit: (r) => limits.push(r), now: () => SAMPLE_NOW, pollMs: 20, ...opts });
  t.after(() => rollouts.stopAll());
  const recorded: NewEvent[] = [];
  const deps: HookListenerDeps = {
    paths: {} as HookListenerDeps['paths'],
    record: (e) => {
      recorded.push(e);
      return { seq: recorded.length } as ReturnType<HookListenerDeps['record']>;
    },
    durable: async () => undefined,
    reportLimit: (r) => limits.push(r),
    isLogged: () => false,
    warn: () => undefined,
    rollouts,
  };
  return { rollout, limits, rollouts, deps, delivered: new DeliveredHookIds(() => false) };
}

test('an interactive Codex started outside Relay: its limit is raised while the session runs, once, not when the user quits', async (t) => {
  const w = world(t);
  writeFileSync(w.rollout, `${ROLLOUT_LINES[0]}\n`);
  await handleHookEvent(w.deps, w.delivered, hookEvent('SessionStart', w.rollout));
  assert.deepEqual(w.rollouts.paths(), [w.rollout]);
  await handleHookEvent(w.deps, w.delivered, hookEvent('UserPromptSubmit', w.rollout));
  assert.deepEqual(w.rollouts.paths(), [w.rollout], 'one watcher per rollout');

  // The turn runs: Codex appends its lines, the failed task_complete last.
  const failAt = ROLLOUT_LINES.findIndex((l) => l.includes('"task_complete"'));
  appendFileSync(w.rollout, `${ROLLOUT_LINES.slice(1, failAt).join('\n')}\n`);
  appendFileSync(w.rollout, `${ROLLOUT_LINES.slice(failAt).join('\n')}\n`);
  await waitFor(() => w.limits.length > 0, 'the limit, read from the growing rollout');
  assert.equal(w.limits.length, 1);
  const [limit] = w.limits;
  assert.equal(limit!.source, 'hook:codex');
  assert.equal(limit!.agent, 'codex');
  assert.equal(limit!.agentSession, '01a1fd9b-0b62-75a0-9d95-ff6cb4871e14');
  assert.equal(limit!.rule, 'hook:codex.usage_limit');
  assert.equal(limit!.severity, 'limit');
  assert.equal(new Date(limit!.resetAt!).toISOString(), '2026-11-21T10:58:24.000Z');

  // The user quits: SessionEnd reads the same failed turn; it is not raised a second time.
  const end = hookEvent('SessionEnd', w.rollout);
  assert.equal(end.limit?.rule, 'hook:codex.usage_limit', 'the hook alone would report it now');
  await handleHookEvent(w.deps, w.delivered, end);
  assert.equal(w.limits.length, 1, 'one rate_limited for one failed turn');
  assert.deepEqual(w.rollouts.paths(), [], 'SessionEnd stops the watch');
});

test('a resumed rollout that already holds an old failed turn raises only the new one', async (t) => {
  const w = world(t);
  writeFileSync(w.rollout, `${ROLLOUT_LINES.join('\n')}\n`);
  await handleHookEvent(w.deps, w.delivered, hookEvent('SessionStart', w.rollout));
  // A new turn fails on HTTP 429 (Codex gave up retrying).
  const turn = '01a1fd9b-1111-7000-8000-000000000429';
  appendFileSync(
    w.rollout,
    `${JSON.stringify({ timestamp: '2026-11-21T10:20:00.000Z', type: 'event_msg', payload: { type: 'task_started', turn_id: turn } })}\n` +
      `${JSON.stringify({ timestamp: '2026-11-21T10:20:10.000Z', type: 'event_msg', payload: { type: 'task_complete', turn_id: turn, error: { message: 'exceeded retry limit, last status: 429 Too Many Requests', codex_error_info: { response_too_many_failed_attempts: { http_status_code: 429 } } } } })}\n`,
  );
  await waitFor(() => w.limits.length > 0, 'the new turn’s limit');
  assert.deepEqual(
    w.limits.map((l) => l.rule),
    ['hook:codex.retry_exhausted_429'],
    'the usage limit already in the file when the watch began is history',
  );
});

test('a Codex Relay runs is not watched (its PTY detector reads the screen); a quiet rollout stops being watched', async (t) => {
  const w = world(t, { idleStopMs: 0 });
  writeFileSync(w.rollout, `${ROLLOUT_LINES[0]}\n`);
  await handleHookEvent(w.deps, w.delivered, hookEvent('SessionStart', w.rollout, { RELAY_AGENT_ID: 'codex-1' }));
  assert.deepEqual(w.rollouts.paths(), []);
  await handleHookEvent(w.deps, w.delivered, hookEvent('SessionStart', w.rollout));
  assert.deepEqual(w.rollouts.paths(), [w.rollout]);
  await waitFor(() => w.rollouts.paths().length === 0, 'the idle watcher stopped');
});

test('a limit whose report fails (the store refusing its write) is logged, and neither ends the daemon nor the watch', async (t) => {
  const dir = tempDir(t, 'rollout-fail');
  const rollout = join(dir, 'rollout-2026-11-21T10-15-59-01a1fd9b-0b62-75a0-9d95-ff6cb4871e14.jsonl');
  const warnings: string[] = [];
  let calls = 0;
  const rollouts = new RolloutWatchers({
    reportLimit: () => {
      calls++;
      throw new Error('SQLITE_FULL: database or disk is full');
    },
    warn: (text) => warnings.push(text),
    now: () => SAMPLE_NOW,
    pollMs: 20,
  });
  t.after(() => rollouts.stopAll());
  writeFileSync(rollout, `${ROLLOUT_LINES[0]}\n`);
  rollouts.observe(hookEvent('SessionStart', rollout));
  appendFileSync(rollout, `${ROLLOUT_LINES.slice(1).join('\n')}\n`);
  await waitFor(() => warnings.length > 0, 'the failure in the daemon log');
  assert.equal(calls, 1);
  assert.match(warnings[0]!, /SQLITE_FULL/);
  assert.deepEqual(rollouts.paths(), [rollout], 'still watched');
});
