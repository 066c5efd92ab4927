/**
 * The hook payload parsers against every payload the real CLIs passed to their hooks
 * (test/fixtures/hook-payloads, copied from agent-samples): the right event, limit or no limit,
 * the right rule and reset time, at a fixed `now`.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { relayPaths } from '../../src/platform/paths.js';
import type { HookEvent } from '../../src/hooks/hookEvent.js';
import { parseHookPayload, type HookParseContext, type HookParseResult } from '../../src/hooks/hookParse.js';
import { parseClaude } from '../../src/hooks/parseClaude.js';
import { parseCodex } from '../../src/hooks/parseCodex.js';
import { parseGemini } from '../../src/hooks/parseGemini.js';
import { parseOpencode } from '../../src/hooks/parseOpencode.js';
import { agentOfHookArg } from '../../src/adapters/registry.js';
import { lastTurnOutcome } from '../../src/hooks/codexRollout.js';
import { resetFromHeaders, parseDuration } from '../../src/limits/rateLimitHeaders.js';
import {
  fileAttemptStore,
  recordAttempt,
  STALE_ATTEMPTS_MS,
  type GeminiAttemptStore,
} from '../../src/hooks/geminiAttempts.js';
import { memoryAttemptStore } from '../helpers/memoryAttemptStore.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads');
const NOW = Date.parse('2026-11-21T10:00:00Z');
/** An empty temp dir as the hook's TMPDIR: no Gemini error report from this machine is read. */
const emptyTmp = makeTempDir('hp-tmp');
after(() => removeTempDir(emptyTmp));
const ctx = (extra: Partial<HookParseContext> = {}): HookParseContext => ({ now: NOW, env: { TZ: 'UTC', TMPDIR: emptyTmp }, ...extra });
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
const fixtures = (re: RegExp): string[] => readdirSync(FIXTURES).filter((f) => re.test(f)).sort();
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

const tmpRoot = makeTempDir('hp');
after(() => removeTempDir(tmpRoot));

/** What the daemon's schema for a hook event accepts (src/actors/hooks/hookListener.ts). */
function assertDeliverable(e: HookEvent): void {
  assert.equal(e.v, 1);
  assert.ok(['claude', 'codex', 'gemini', 'opencode'].includes(e.agent));
  assert.ok(e.event.length >= 1 && e.event.length <= 100);
  for (const id of [e.agentSession, e.relayAgent, e.relaySession]) assert.ok(id === undefined || (id.length > 0 && id.length <= 200));
  assert.ok(e.cwd === undefined || e.cwd.length <= 4096);
  assert.ok(Number.isFinite(e.at));
  if (e.limit) {
    assert.ok(['limit', 'warning'].includes(e.limit.severity));
    assert.match(e.limit.rule, /^hook:(claude|codex|gemini|opencode)\.[a-z0-9_]+$/);
    assert.ok(e.limit.matched.length > 0 && e.limit.matched.length <= 300, e.limit.matched);
    assert.doesNotMatch(e.limit.matched, /[\n\r\t]/);
    assert.ok(e.limit.resetAt === undefined || Number.isInteger(e.limit.resetAt));
  }
  assert.deepEqual(JSON.parse(JSON.stringify(e)), e, 'survives the JSON line it travels as');
}

function eventOf(r: HookParseResult): HookEvent {
  assert.ok(r.event, `expected an event, got ${r.event === null ? `${r.skip}: ${r.reason}` : ''}`);
  assertDeliverable(r.event);
  return r.event;
}

function skipOf(r: HookParseResult): string {
  assert.equal(r.event, null, `expected no event, got ${JSON.stringify(r.event)}`);
  return r.event === null ? r.skip : '';
}

describe('Claude: every recorded payload', () => {
  const USAGE = { severity: 'limit', rule: 'hook:claude.usage_limit' };
  const API_429 = { severity: 'limit', rule: 'hook:claude.rate_limit', resetAt: undefined };
  const expected: Record<string, { severity: string; rule: string; resetAt?: string | undefined } | null> = {
    'claude-429-default-retries': API_429,
    'claude-429-r2-json': API_429,
    'claude-429-r2-stream': API_429,
    'claude-429-r2-text': API_429,
    'claude-apikey-429-r2': API_429,
    'claude-settings-flag': API_429,
    'claude-529-r1': null,
    'claude-oauth-429': { severity: 'warning', rule: 'hook:claude.server_limiting', resetAt: undefined },
    'claude-oauth-quota': { ...USAGE, resetAt: '2026-11-21T10:57:00.000Z' },
    'claude-oauth-usage': { ...USAGE, resetAt: '2026-11-21T10:57:00.000Z' },
    'claude-oauth-usage-text': { ...USAGE, resetAt: '2026-11-21T10:57:00.000Z' },
    'claude-oauth-usage-3days': { ...USAGE, resetAt: '2026-11-24T11:57:00.000Z' },
    'claude-oauth-usage-3days-tz': { ...USAGE, resetAt: '2026-11-24T12:33:00.000Z' },
  };
  const files = fixtures(/^claude-.*\.json$/);

  it('covers all recorded Claude payloads', () => {
    assert.equal(files.length, 79, "the 79 recorded Claude payloads");
    const failures = files.filter((f) => f.includes('StopFailure')).map((f) => f.split('--')[0]!);
    assert.deepEqual(failures.sort(), Object.keys(expected).sort(), 'every StopFailure case has an expectation');
  });

  for (const file of files) {
    it(file, () => {
      const payload = load(file);
      const e = eventOf(parseClaude(payload, ctx()));
      assert.equal(e.agent, 'claude');
      assert.equal(e.event, payload.hook_event_name);
      assert.equal(e.agentSession, payload.session_id);
      assert.equal(e.cwd, payload.cwd);
      assert.equal(e.at, NOW);
      const want = e.event === 'StopFailure' ? expected[file.split('--')[0]!] : null;
      if (!want) {
        assert.equal(e.limit, undefined, 'no limit');
        return;
      }
      assert.equal(e.limit?.severity, want.severity);
      assert.equal(e.limit?.rule, want.rule);
      assert.equal(iso(e.limit?.resetAt), want.resetAt);
      assert.equal(e.limit?.matched, String(payload.last_assistant_message).slice(0, 299) + (String(payload.last_assistant_message).length > 300 ? '…' : ''));
    });
  }

  it('a Relay-run agent: RELAY_AGENT_ID and RELAY_SESSION travel in the event', () => {
    const e = eventOf(parseClaude(load('claude-oauth-usage--StopFailure.stdin.json'), ctx({ env: { RELAY_AGENT_ID: 'claude-1', RELAY_SESSION: 'r-7' } })));
    assert.equal(e.relayAgent, 'claude-1');
    assert.equal(e.relaySession, 'r-7');
  });

  it('matched is one redacted line of at most 300 chars', () => {
    const secret = `sk-ant-api03-${'a'.repeat(40)}`;
    const payload = {
      ...load('claude-429-r2-json--StopFailure.stdin.json'),
      last_assistant_message: `API Error: Request rejected (429)\nkey ${secret}\r\n${'x'.repeat(5000)}`,
    };
    const m = eventOf(parseClaude(payload, ctx())).limit!.matched;
    assert.ok(m.length <= 300);
    assert.ok(!m.includes(secret) && m.includes('[redacted]'), m);
    assert.ok(m.startsWith('API Error: Request rejected (429) key [redacted] xxx'));
  });

  it('the tool-use events are ignored, a wrong shape is malformed, an overlong id is left out', () => {
    assert.equal(skipOf(parseClaude({ ...load('claude-ok--Stop.stdin.json'), hook_event_name: 'PreToolUse' }, ctx())), 'ignored');
    for (const bad of [null, [], 'x', 42, {}, { hook_event_name: 5 }, { hook_event_name: 'Stop', session_id: 7 }]) {
      assert.equal(skipOf(parseClaude(bad, ctx())), 'malformed', JSON.stringify(bad));
    }
    const e = eventOf(parseClaude({ ...load('claude-ok--Stop.stdin.json'), session_id: 'x'.repeat(201) }, ctx()));
    assert.equal(e.agentSession, undefined);
  });
});

describe('Codex: hooks, notify and rollouts', () => {
  const usage = join(FIXTURES, 'codex-usage-limit-rollout.jsonl');
  const ok = join(FIXTURES, 'codex-resumed-rollout.jsonl');
  const r429 = join(FIXTURES, 'codex-429-rollout.synthetic.jsonl');
  const r529 = join(FIXTURES, 'codex-529-rollout.synthetic.jsonl');
  /** Which rollout stands in for each case's (not recorded) rollout file. */
  const rolloutOf: Record<string, string> = {
    'codex-usage': usage,
    'codex-usage-json': usage,
    'codex-usage-plan-team': usage,
    'codex-usage-text-3days': usage,
    'codex-quota-json': usage,
    'codex-429': r429,
    'codex-429-json': r429,
    'codex-529-json': r529,
    'codex-ok': ok,
  };
  const limited: Record<string, { rule: string; resetAt: string | undefined }> = {
    'codex-usage': { rule: 'hook:codex.usage_limit', resetAt: '2026-11-21T10:58:24.000Z' },
    'codex-usage-json': { rule: 'hook:codex.usage_limit', resetAt: '2026-11-21T10:58:24.000Z' },
    'codex-usage-plan-team': { rule: 'hook:codex.usage_limit', resetAt: '2026-11-21T10:58:24.000Z' },
    'codex-usage-text-3days': { rule: 'hook:codex.usage_limit', resetAt: '2026-11-21T10:58:24.000Z' },
    'codex-quota-json': { rule: 'hook:codex.usage_limit', resetAt: '2026-11-21T10:58:24.000Z' },
    'codex-429': { rule: 'hook:codex.retry_exhausted_429', resetAt: undefined },
    'codex-429-json': { rule: 'hook:codex.retry_exhausted_429', resetAt: undefined },
  };

  it('the usage-limit rollout belongs to the codex-usage-json case', () => {
    const first = JSON.parse(readFileSync(usage, 'utf8').split('\n')[0]!) as { payload: { session_id: string } };
    assert.equal(first.payload.session_id, load('codex-usage-json--SessionEnd.stdin.json').session_id);
  });

  for (const file of fixtures(/^codex-.*\.(stdin|argv)\.json$/)) {
    it(`${file} as recorded (its rollout path does not exist here): no limit`, () => {
      const payload = load(file);
      const e = eventOf(parseCodex(payload, ctx()));
      assert.equal(e.agent, 'codex');
      assert.equal(e.limit, undefined);
      if (file.endsWith('.argv.json')) {
        assert.equal(e.event, 'agent-turn-complete');
        assert.equal(e.agentSession, payload['thread-id']);
      } else {
        assert.equal(e.event, payload.hook_event_name);
        assert.equal(e.agentSession, payload.session_id);
      }
    });
  }

  for (const file of fixtures(/^codex-.*--(SessionEnd|Stop)\.stdin\.json$/)) {
    const kase = file.split('--')[0]!;
    const rollout = rolloutOf[kase];
    if (!rollout) continue;
    it(`${file} with its rollout: ${limited[kase] && file.includes('SessionEnd') ? limited[kase].rule : 'no limit'}`, () => {
      const e = eventOf(parseCodex({ ...load(file), transcript_path: rollout }, ctx()));
      const want = file.includes('SessionEnd') ? limited[kase] : undefined;
      if (!want) {
        assert.equal(e.limit, undefined);
        return;
      }
      assert.equal(e.limit?.severity, 'limit');
      assert.equal(e.limit?.rule, want.rule);
      assert.equal(iso(e.limit?.resetAt), want.resetAt);
      assert.match(e.limit!.matched, want.rule.endsWith('429') ? /exceeded retry limit, last status: 429/ : /^You’ve hit your usage limit\./);
    });
  }

  it('Stop names its turn: a failure recorded for another turn is not this turn’s', () => {
    const stop = { ...load('codex-ok--Stop.stdin.json'), transcript_path: usage };
    assert.equal(eventOf(parseCodex(stop, ctx())).limit, undefined);
    const same = { ...stop, turn_id: '01a1fd8a-f4ac-75e1-bc7c-36d217909d9b' };
    assert.equal(eventOf(parseCodex(same, ctx())).limit?.rule, 'hook:codex.usage_limit');
  });

  it('a limit that has lifted by the time the session ends is not reported', () => {
    const end = { ...load('codex-usage-json--SessionEnd.stdin.json'), transcript_path: usage };
    assert.equal(eventOf(parseCodex(end, ctx({ now: Date.parse('2026-11-21T11:30:00Z') }))).limit, undefined);
  });

  it('without a rate-limit snapshot the reset comes from the message, in the hook’s zone', () => {
    const text = readFileSync(usage, 'utf8').split('\n').filter((l) => !l.includes('"token_count"')).join('\n');
    const end = { ...load('codex-usage-json--SessionEnd.stdin.json'), transcript_path: '/x/rollout.jsonl' };
    const utc = eventOf(parseCodex(end, ctx({ readTail: () => text })));
    assert.equal(iso(utc.limit?.resetAt), '2026-11-21T10:58:00.000Z');
    const ny = eventOf(parseCodex(end, ctx({ readTail: () => text, env: { TZ: 'America/New_York' } })));
    assert.equal(iso(ny.limit?.resetAt), '2026-11-21T15:58:00.000Z');
  });

  it('only the tail of a long rollout is read, and the last task_complete wins', () => {
    const path = join(tmpRoot, 'rollout-long.jsonl');
    const filler = `${JSON.stringify({ type: 'response_item', payload: { type: 'message', text: 'y'.repeat(1000) } })}\n`;
    // An old failure far back, then 400 KB of turns, then the last turn (a success).
    writeFileSync(path, readFileSync(usage, 'utf8') + filler.repeat(400) + readFileSync(ok, 'utf8'));
    const end = { ...load('codex-usage-json--SessionEnd.stdin.json'), transcript_path: path };
    assert.equal(eventOf(parseCodex(end, ctx())).limit, undefined);
    writeFileSync(path, filler.repeat(400) + readFileSync(usage, 'utf8'));
    assert.equal(eventOf(parseCodex(end, ctx())).limit?.rule, 'hook:codex.usage_limit');
  });

  it('a transcript path that is not a rollout file is not read (a FIFO, a directory, another suffix)', () => {
    const end = load('codex-usage-json--SessionEnd.stdin.json');
    for (const p of [tmpRoot, '/dev/zero', join(FIXTURES, 'README.md')]) {
      assert.equal(eventOf(parseCodex({ ...end, transcript_path: p }, ctx())).limit, undefined);
    }
  });

  it('lastTurnOutcome classifies the codex_error_info variants', () => {
    const line = (info: unknown) => `${JSON.stringify({ type: 'event_msg', payload: { type: 'task_complete', error: { message: 'm', codex_error_info: info } } })}\n`;
    assert.equal(lastTurnOutcome(line('usage_limit_exceeded'))?.failure, 'usage_limit');
    assert.equal(lastTurnOutcome(line({ response_too_many_failed_attempts: { http_status_code: 429 } }))?.failure, 'http_429');
    assert.equal(lastTurnOutcome(line({ http_connection_failed: { http_status_code: 429 } }))?.failure, 'http_429');
    assert.equal(lastTurnOutcome(line({ response_too_many_failed_attempts: { http_status_code: 503 } }))?.failure, 'other');
    assert.equal(lastTurnOutcome(line('internal_server_error'))?.failure, 'other');
    assert.equal(lastTurnOutcome(line(null))?.failure, 'other');
    assert.equal(lastTurnOutcome('{"type":"event_msg","payload":{"type":"task_complete"}}\n')?.failure, undefined);
    assert.equal(lastTurnOutcome('not json\n{"type":"event_msg"}'), undefined);
  });

  it('notify of another type is ignored; garbage is malformed', () => {
    assert.equal(skipOf(parseCodex({ type: 'approval-requested' }, ctx())), 'ignored');
    assert.equal(skipOf(parseCodex({ hook_event_name: 'PreToolUse' }, ctx())), 'ignored');
    for (const bad of [null, 1, [], {}, { type: 3 }, { type: 'agent-turn-complete', 'thread-id': 5 }]) {
      assert.equal(skipOf(parseCodex(bad, ctx())), 'malformed', JSON.stringify(bad));
    }
  });
});

describe('Gemini: BeforeModel attempts, SessionEnd after a failed run', () => {
  const cases = (): Map<string, { event: string; payload: Record<string, unknown> }[]> => {
    const byCase = new Map<string, { event: string; payload: Record<string, unknown> }[]>();
    for (const file of fixtures(/^gemini-.*\.json$/)) {
      const [kase, rest] = file.split('--') as [string, string];
      const list = byCase.get(kase) ?? [];
      list.push({ event: rest.split('.')[0]!, payload: load(file) });
      byCase.set(kase, list);
    }
    for (const list of byCase.values()) list.sort((a, b) => String(a.payload.timestamp).localeCompare(String(b.payload.timestamp)));
    return byCase;
  };
  const replay = (events: { payload: Record<string, unknown> }[], store: GeminiAttemptStore) =>
    events.map((e) => parseGemini(e.payload, ctx({ geminiAttempts: store })));

  for (const file of fixtures(/^gemini-.*\.json$/)) {
    it(`${file} alone`, () => {
      const payload = load(file);
      const r = parseGemini(payload, ctx({ geminiAttempts: memoryAttemptStore() }));
      const name = String(payload.hook_event_name);
      if (name === 'BeforeModel' || name === 'AfterModel' || name === 'PreCompress') {
        assert.equal(skipOf(r), 'ignored');
        return;
      }
      const e = eventOf(r);
      assert.equal(e.event, name);
      assert.equal(e.agentSession, payload.session_id);
      assert.equal(e.limit, undefined);
    });
  }

  const OK = ['gemini-ok', 'gemini-ok-dbg', 'gemini-ok-stream', 'gemini-open-stdin', 'gemini-resume'];
  const FAILED_WITH_END = ['gemini-429', 'gemini-429-longdelay', 'gemini-429-model', 'gemini-quota', 'gemini-quota-flood-dbg', 'gemini-quota-model'];
  const FAILED_NO_END = ['gemini-429-longdelay-stream', 'gemini-429-stream-max2', 'gemini-quota-json', 'gemini-quota-stream'];
  /** Daily quota, recorded with their error reports, and the Esc cancel that looks alike: test/unit/geminiQuotaHooks.test.ts. */
  const QUOTA = ['gemini-quota-headless', 'gemini-quota-interactive-stop', 'gemini-esc-cancel'];

  it('the recorded cases are all classified', () => {
    assert.deepEqual([...cases().keys()].sort(), [...OK, ...FAILED_WITH_END, ...FAILED_NO_END, ...QUOTA].sort());
  });

  for (const kase of OK) {
    it(`${kase} in order: no limit anywhere`, () => {
      const store = memoryAttemptStore();
      for (const r of replay(cases().get(kase)!, store)) if (r.event) assert.equal(r.event.limit, undefined);
      assert.equal(store.states.size, 0, 'nothing left pending');
    });
  }

  for (const kase of FAILED_WITH_END) {
    it(`${kase} in order: SessionEnd after an unanswered request, with no error report, is a warning`, () => {
      const events = cases().get(kase)!;
      assert.ok(!events.some((e) => e.event === 'AfterModel' || e.event === 'AfterAgent'), 'no response was recorded');
      const results = replay(events, memoryAttemptStore());
      const end = eventOf(results[events.findIndex((e) => e.event === 'SessionEnd')]!);
      assert.equal(end.limit?.severity, 'warning');
      assert.equal(end.limit?.rule, 'hook:gemini.session_end_unanswered');
      assert.match(end.limit!.matched, /gemini-[\d.]+-(pro-preview|flash)/);
    });
  }

  it('SessionEnd with another session_id than the turn (recorded) is still matched by transcript path', () => {
    const events = cases().get('gemini-quota')!;
    const model = events.find((e) => e.event === 'BeforeModel')!.payload;
    const end = events.find((e) => e.event === 'SessionEnd')!.payload;
    assert.notEqual(model.session_id, end.session_id);
    assert.equal(model.transcript_path, end.transcript_path);
  });

  for (const kase of FAILED_NO_END) {
    it(`${kase} (json/stream output) ends without SessionEnd: only the retries could tell`, () => {
      assert.ok(!cases().get(kase)!.some((e) => e.event === 'SessionEnd'));
    });
  }

  /** The gemini-429 run's attempts, at the delays its stderr shows (5139, 11550, 22615, 34113 ms). */
  function attemptsOf429(): Record<string, unknown>[] {
    const first = load('gemini-429--BeforeModel.stdin.json');
    let t = Date.parse(String(first.timestamp));
    return [0, 5139, 11550, 22615, 34113].map((delay) => {
      t += delay;
      return { ...first, timestamp: new Date(t).toISOString() };
    });
  }

  it('gemini-429 retried: a warning from the 2nd attempt, a limit when the session ends', () => {
    const store = memoryAttemptStore();
    const results = attemptsOf429().map((p) => parseGemini(p, ctx({ geminiAttempts: store })));
    assert.equal(skipOf(results[0]!), 'ignored');
    results.slice(1).forEach((r, i) => {
      const e = eventOf(r);
      assert.equal(e.limit?.severity, 'warning');
      assert.equal(e.limit?.rule, 'hook:gemini.model_retry');
      assert.match(e.limit!.matched, new RegExp(`attempt ${i + 2} of the same request to gemini-3.1-pro-preview`));
    });
    const end = eventOf(parseGemini(load('gemini-429--SessionEnd.stdin.json'), ctx({ geminiAttempts: store })));
    assert.equal(end.limit?.severity, 'limit');
    assert.equal(end.limit?.rule, 'hook:gemini.session_end_after_retries');
    assert.match(end.limit!.matched, /after 5 unanswered attempts/);
    assert.equal(store.states.size, 0);
  });

  it('a response between attempts, a new prompt, another request or a long pause starts the count again', () => {
    const [a1, a2] = attemptsOf429() as [Record<string, unknown>, Record<string, unknown>];
    const run = (between: Record<string, unknown> | undefined, second: Record<string, unknown>) => {
      const store = memoryAttemptStore();
      parseGemini(a1, ctx({ geminiAttempts: store }));
      if (between) parseGemini(between, ctx({ geminiAttempts: store }));
      return parseGemini(second, ctx({ geminiAttempts: store }));
    };
    assert.equal(run(undefined, a2).event?.limit?.rule, 'hook:gemini.model_retry', 'the control: a retry');
    const afterModel = { ...load('gemini-ok--AfterModel.stdin.json'), transcript_path: a1.transcript_path };
    assert.equal(skipOf(run(afterModel, a2)), 'ignored', 'AfterModel answered the first attempt');
    const beforeAgent = { ...load('gemini-429--BeforeAgent.stdin.json') };
    assert.equal(skipOf(run(beforeAgent, a2)), 'ignored', 'a new prompt');
    const other = { ...a2, llm_request: { model: 'm', messages: [{ role: 'user', content: 'something else' }] } };
    assert.equal(skipOf(run(undefined, other)), 'ignored', 'another request');
    const late = { ...a2, timestamp: new Date(Date.parse(String(a1.timestamp)) + 11 * 60_000).toISOString() };
    assert.equal(skipOf(run(undefined, late)), 'ignored', 'eleven minutes later');
    const soon = { ...a2, timestamp: new Date(Date.parse(String(a1.timestamp)) + 500).toISOString() };
    assert.equal(skipOf(run(undefined, soon)), 'ignored', 'a content retry 500 ms later is not a backoff retry');
  });

  it('recordAttempt counts only backoff-spaced repeats of one request', () => {
    const s1 = recordAttempt(undefined, 'k', 'm', 1000);
    assert.deepEqual(s1, { request: 'k', model: 'm', count: 1, first: 1000, last: 1000 });
    assert.equal(recordAttempt(s1, 'k', 'm', 1500), s1);
    assert.equal(recordAttempt(s1, 'k', 'm', 500), s1, 'out of order');
    assert.equal(recordAttempt(s1, 'k', 'fallback', 7000).count, 2);
    assert.equal(recordAttempt(s1, 'k2', 'm', 7000).count, 1);
  });

  it('the file store: 0600 files under the spool dir, atomic, corrupt files read as none, stale ones pruned', () => {
    const paths = relayPaths(join(tmpRoot, 'gh'));
    const store = fileAttemptStore(paths);
    const state = recordAttempt(undefined, 'k', 'gemini-2.5-flash', NOW);
    store.save('/t/session.jsonl', state);
    assert.deepEqual(store.load('/t/session.jsonl'), state);
    assert.equal(store.load('/t/other.jsonl'), undefined);
    const [file] = readdirSync(paths.spool);
    assert.match(file!, /^gemini-[0-9a-f]{24}\.json$/);
    assert.equal(statSync(join(paths.spool, file!)).mode & 0o777, 0o600);
    assert.equal(statSync(paths.spool).mode & 0o777, 0o700);
    assert.equal(statSync(paths.home).mode & 0o777, 0o700);
    writeFileSync(join(paths.spool, file!), '{"request":');
    assert.equal(store.load('/t/session.jsonl'), undefined);
    store.save('/t/session.jsonl', state);
    store.prune(Date.now());
    assert.equal(readdirSync(paths.spool).length, 1, 'a fresh file stays');
    const old = (Date.now() - STALE_ATTEMPTS_MS - 60_000) / 1000;
    utimesSync(join(paths.spool, file!), old, old);
    writeFileSync(join(paths.spool, 'hooks.jsonl'), '');
    utimesSync(join(paths.spool, 'hooks.jsonl'), old, old);
    store.prune(Date.now());
    assert.deepEqual(readdirSync(paths.spool), ['hooks.jsonl'], 'only its own stale files go');
    store.clear('/t/session.jsonl');
  });
});

describe('OpenCode: every recorded plugin event', () => {
  const events = (file: string): unknown[] =>
    readFileSync(join(FIXTURES, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { kind: string; data: unknown })
      .filter((l) => l.kind === 'event')
      .map((l) => l.data);

  const RATE = ['opencode-429.jsonl', 'opencode-429-long.jsonl', 'opencode-envconfig.jsonl', 'opencode-serve-sse.jsonl', 'opencode-anthropic-429.jsonl'];
  const QUOTA = ['opencode-quota-json.jsonl'];
  const OK = [
    'opencode-argquoting.jsonl',
    'opencode-fileattach.jsonl',
    'opencode-ok.jsonl',
    'opencode-ok-json.jsonl',
    'opencode-open-stdin.jsonl',
    'opencode-resume.jsonl',
  ];

  it('the recorded files are all classified', () => {
    assert.deepEqual(fixtures(/^opencode-.*\.jsonl$/), [...RATE, ...QUOTA, ...OK].sort());
  });

  for (const file of [...RATE, ...QUOTA, ...OK]) {
    it(file, () => {
      const results = events(file).map((d) => ({ d: d as { type: string; properties: Record<string, unknown> }, r: parseOpencode(d, ctx()) }));
      const limits = results.filter((x) => x.r.event?.limit).map((x) => x.r.event!);
      for (const x of results) {
        if (x.r.event) {
          assertDeliverable(x.r.event);
          assert.equal(x.r.event.event, x.d.type);
        } else {
          assert.equal(x.r.skip, 'ignored', x.r.reason);
        }
      }
      // Only the types Relay acts on produce events.
      for (const x of results.filter((y) => y.r.event)) {
        assert.ok(['session.status', 'session.error', 'message.updated', 'session.created', 'session.idle'].includes(x.d.type), x.d.type);
      }
      if (OK.includes(file)) {
        assert.deepEqual(limits, []);
        return;
      }
      const retries = limits.filter((e) => e.event === 'session.status');
      assert.equal(retries.length, 5, 'five retries');
      const statuses = results.filter((x) => x.d.type === 'session.status' && (x.d.properties.status as { type: string }).type === 'retry');
      retries.forEach((e, i) => {
        assert.equal(e.limit?.severity, 'warning');
        assert.equal(e.limit?.rule, 'hook:opencode.retry');
        assert.match(e.limit!.matched, new RegExp(`^retrying attempt ${i + 1}: `));
        assert.equal(e.limit?.resetAt, (statuses[i]!.d.properties.status as { next: number }).next);
        assert.ok(e.agentSession?.startsWith('ses_'));
      });
      const errors = limits.filter((e) => e.event !== 'session.status');
      assert.deepEqual(errors.map((e) => e.event), ['session.error', 'message.updated']);
      for (const e of errors) {
        assert.equal(e.limit?.severity, 'limit');
        if (QUOTA.includes(file)) {
          assert.equal(e.limit?.rule, 'hook:opencode.quota_exceeded');
          assert.equal(e.limit?.resetAt, undefined, 'a billing quota does not lift with the rate window');
        } else {
          assert.equal(e.limit?.rule, e.event === 'session.error' ? 'hook:opencode.session_error_429' : 'hook:opencode.message_error_429');
          assert.equal(e.limit?.resetAt, NOW + 2000, 'retry-after: 2');
        }
      }
      assert.equal(errors[1]!.cwd, '/home/dev/project', 'message.updated carries the cwd');
    });
  }

  it('the plugin’s {event, directory} wrapper is accepted', () => {
    const error = events('opencode-429.jsonl').find((d) => (d as { type: string }).type === 'session.error');
    const e = eventOf(parseOpencode({ event: error, directory: '/w/p' }, ctx()));
    assert.equal(e.limit?.rule, 'hook:opencode.session_error_429');
    assert.equal(e.cwd, '/w/p');
  });

  it('errors that are not 429, busy statuses and other types yield no limit', () => {
    const error = events('opencode-429.jsonl').find((d) => (d as { type: string }).type === 'session.error') as {
      properties: { error: { data: Record<string, unknown> } };
    };
    const e500 = structuredClone(error);
    e500.properties.error.data.statusCode = 500;
    assert.equal(eventOf(parseOpencode(e500, ctx())).limit, undefined);
    assert.equal(skipOf(parseOpencode({ type: 'session.status', properties: { sessionID: 's', status: { type: 'busy' } } }, ctx())), 'ignored');
    assert.equal(skipOf(parseOpencode({ type: 'message.part.updated', properties: {} }, ctx())), 'ignored');
    for (const bad of [null, [], {}, { type: 1 }, { type: 'session.status', properties: { status: 'retry' } }]) {
      assert.equal(skipOf(parseOpencode(bad, ctx())), 'malformed', JSON.stringify(bad));
    }
  });

  it('reset from headers: retry-after first, else the latest exhausted window', () => {
    assert.equal(resetFromHeaders({ 'Retry-After': '30' }, NOW), NOW + 30_000);
    assert.equal(resetFromHeaders({ 'retry-after-ms': '1500', 'retry-after': '30' }, NOW), NOW + 1500);
    assert.equal(resetFromHeaders({ 'retry-after': 'Sat, 21 Nov 2026 10:01:00 GMT' }, NOW), NOW + 60_000);
    const openai = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '6m0s',
    };
    assert.equal(resetFromHeaders(openai, NOW), NOW + 360_000);
    assert.equal(resetFromHeaders({ ...openai, 'x-ratelimit-remaining-tokens': '100' }, NOW), NOW + 2000, 'a window with room says nothing');
    const anthropic = {
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-11-21T10:07:18.710Z',
      'anthropic-ratelimit-output-tokens-remaining': '8000',
      'anthropic-ratelimit-output-tokens-reset': '2026-11-21T11:00:00Z',
    };
    assert.equal(iso(resetFromHeaders(anthropic, NOW)), '2026-11-21T10:07:18.710Z');
    assert.equal(resetFromHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1795258704' }, NOW), 1795258704000);
    assert.equal(resetFromHeaders({}, NOW), undefined);
    assert.equal(parseDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseDuration('20ms'), 20);
    assert.equal(parseDuration('soon'), undefined);
  });
});

describe('dispatch', () => {
  it('maps the command names to agents, and nothing else', () => {
    assert.equal(agentOfHookArg('claude')?.kind, 'claude');
    assert.equal(agentOfHookArg('opencode-event')?.kind, 'opencode');
    for (const name of ['opencode', 'constructor', '__proto__', 'toString', '', undefined]) assert.equal(agentOfHookArg(name), undefined);
  });

  it('parseHookPayload loads the right parser', async () => {
    const r = await parseHookPayload(agentOfHookArg('claude')!.hook.parserModule, load('claude-oauth-usage--StopFailure.stdin.json'), ctx());
    assert.equal(r.event?.limit?.rule, 'hook:claude.usage_limit');
    const g = await parseHookPayload(agentOfHookArg('gemini')!.hook.parserModule, load('gemini-ok--SessionStart.stdin.json'), ctx());
    assert.equal(g.event?.event, 'SessionStart');
  });
});
