/**
 * Issue 8, item 4: Gemini's daily quota arrived as a warning only. Recorded with Gemini CLI 0.61.0
 * against a stand-in answering every call with a daily-quota 429:
 * - `gemini -p` (TerminalQuotaError, exit 1): BeforeModel once, then SessionEnd; Gemini wrote
 *   `gemini-client-error-Turn.run-sendMessageStream-….json` (test/fixtures/gemini-error-reports)
 *   to its TMPDIR, which the hook inherits;
 * - interactive, the quota dialog answered "Stop": BeforeModel once, then AfterAgent with
 *   `prompt_response: "[no response text]"`, which cleared the attempts as if answered.
 * Both are limits now. But Esc on a slow request that is not limited (stand-in that never
 * answers) fires the very same hooks: SessionStart, BeforeAgent, BeforeModel once, AfterAgent
 * "[no response text]", then at /quit SessionEnd (3 times). What differs is on disk: the Stop
 * wrote a TerminalQuotaError report to TMPDIR ~20 ms before AfterAgent, Esc wrote none. So the
 * 1-attempt AfterAgent is a limit only with that report.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import type { HookParseContext, HookParseResult } from '../../src/hooks/hookParse.js';
import { parseGemini } from '../../src/hooks/parseGemini.js';
import { geminiTempDir, latestGeminiErrorReport } from '../../src/hooks/geminiErrorReport.js';
import { memoryAttemptStore } from '../helpers/memoryAttemptStore.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
const PAYLOADS = join(FIXTURES, 'hook-payloads');
const REPORTS = join(FIXTURES, 'gemini-error-reports');
const load = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(PAYLOADS, name), 'utf8')) as Record<string, unknown>;

const withReport = makeTempDir('gq-report');
const empty = makeTempDir('gq-empty');
/** The report the interactive Stop writes (as recorded: the same TerminalQuotaError head), named 20 ms before its AfterAgent. */
const stopReport = makeTempDir('gq-stop');
after(() => {
  removeTempDir(withReport);
  removeTempDir(empty);
  removeTempDir(stopReport);
});
for (const f of readdirSync(REPORTS)) copyFileSync(join(REPORTS, f), join(withReport, f));
const reportName = (at: number) => `gemini-client-error-Turn.run-sendMessageStream-${new Date(at).toISOString().replace(/[:.]/g, '-')}`;
const quotaReport = join(REPORTS, 'gemini-client-error-Turn.run-sendMessageStream-2026-12-02T16-47-04-854Z.json');
const stopAt = Date.parse(String(load('gemini-quota-interactive-stop--AfterAgent.stdin.json').timestamp));
copyFileSync(quotaReport, join(stopReport, `${reportName(stopAt - 20)}.json`));

function replay(kase: string, events: readonly string[], tmp: string): HookParseResult[] {
  const store = memoryAttemptStore();
  return events.map((ev) => {
    const p = load(`${kase}--${ev}.stdin.json`);
    const ctx: HookParseContext = { now: Date.parse(String(p.timestamp)) + 50, env: { TZ: 'UTC', TMPDIR: tmp }, geminiAttempts: store };
    return parseGemini(p, ctx);
  });
}

const limitOf = (r: HookParseResult | undefined) => (r?.event ? r.event.limit : undefined);

describe('Gemini daily quota through the hooks', () => {
  it('gemini -p on the daily quota (TerminalQuotaError, exit 1) is a limit, not session_end_unanswered', () => {
    const results = replay('gemini-quota-headless', ['SessionStart', 'BeforeAgent', 'BeforeModel', 'SessionEnd'], withReport);
    const limit = limitOf(results[3]);
    assert.equal(limit?.severity, 'limit');
    assert.equal(limit?.rule, 'hook:gemini.session_end_quota');
    assert.equal(limit?.matched, 'Gemini session ended on TerminalQuotaError: You have exhausted your daily quota on this model.');
  });

  it('the same run with no error report in TMPDIR stays a warning (an auth error or a cancel looks alike)', () => {
    const results = replay('gemini-quota-headless', ['SessionStart', 'BeforeAgent', 'BeforeModel', 'SessionEnd'], empty);
    assert.equal(limitOf(results[3])?.severity, 'warning');
    assert.equal(limitOf(results[3])?.rule, 'hook:gemini.session_end_unanswered');
  });

  it('an error report from long before the request is not read as this one', () => {
    const p = load('gemini-quota-headless--SessionEnd.stdin.json');
    const at = Date.parse(String(p.timestamp));
    assert.equal(latestGeminiErrorReport(withReport, at + 60_000, at + 61_000), undefined);
    assert.equal(latestGeminiErrorReport(withReport, at - 1_000, at)?.errorClass, 'TerminalQuotaError');
  });

  it('interactive "Stop" in the quota dialog: AfterAgent "[no response text]" after an unanswered request and a quota report is a limit', () => {
    const results = replay('gemini-quota-interactive-stop', ['SessionStart', 'BeforeAgent', 'BeforeModel', 'AfterAgent'], stopReport);
    const limit = limitOf(results[3]);
    assert.equal(limit?.severity, 'limit');
    assert.equal(limit?.rule, 'hook:gemini.turn_ended_unanswered');
    assert.match(limit!.matched, /no response after 1 unanswered attempt of one request to gemini-\S+ on TerminalQuotaError: You have exhausted your daily quota/);
  });

  const ESC = ['SessionStart', 'BeforeAgent', 'BeforeModel', 'AfterAgent', 'SessionEnd'] as const;

  it('Esc cancelling a slow request (the same hooks as the Stop, but no error report) is not a limit', () => {
    // Recorded with 0.61.0 against a stand-in that never answers: Esc ~29 s after BeforeModel.
    const results = replay('gemini-esc-cancel', ESC, empty);
    assert.equal(load('gemini-esc-cancel--AfterAgent.stdin.json').prompt_response, '[no response text]');
    for (const r of results) assert.equal(limitOf(r), undefined);
    // Nor does the Stop's own sequence count without its report: the report is what tells them apart.
    const stop = replay('gemini-quota-interactive-stop', ['SessionStart', 'BeforeAgent', 'BeforeModel', 'AfterAgent'], empty);
    assert.equal(limitOf(stop[3]), undefined);
  });

  it("a quota report from outside the turn's end (another Gemini in the same TMPDIR) does not make an Esc a limit", () => {
    const dir = makeTempDir('gq-other');
    try {
      const [start, agent, model, end] = ESC.map((ev) => load(`gemini-esc-cancel--${ev}.stdin.json`));
      const endAt = Date.parse(String(end!.timestamp));
      // A request pending for 5 minutes; someone else's quota report 2 minutes before the Esc.
      model!.timestamp = new Date(endAt - 300_000).toISOString();
      copyFileSync(quotaReport, join(dir, `${reportName(endAt - 120_000)}.json`));
      const store = memoryAttemptStore();
      const ctx = (p: Record<string, unknown>): HookParseContext => ({ now: Date.parse(String(p.timestamp)) + 50, env: { TMPDIR: dir }, geminiAttempts: store });
      for (const p of [start!, agent!, model!]) parseGemini(p, ctx(p));
      assert.equal(limitOf(parseGemini(end!, ctx(end!))), undefined);
      // The same report just before the turn ended is this turn's.
      copyFileSync(quotaReport, join(dir, `${reportName(endAt - 20)}.json`));
      parseGemini(model!, ctx(model!));
      assert.equal(limitOf(parseGemini(end!, ctx(end!)))?.severity, 'limit');
    } finally {
      removeTempDir(dir);
    }
  });

  it('Esc after Gemini retried the request (429 backoff, no report) is still a limit', () => {
    // Recorded too: a per-minute 429 stand-in, Esc after 6 BeforeModel of the same request.
    const store = memoryAttemptStore();
    const [model, end] = ['BeforeModel', 'AfterAgent'].map((ev) => load(`gemini-esc-cancel--${ev}.stdin.json`));
    const endAt = Date.parse(String(end!.timestamp));
    const ctx = (p: Record<string, unknown>): HookParseContext => ({ now: Date.parse(String(p.timestamp)) + 50, env: { TMPDIR: empty }, geminiAttempts: store });
    for (const ago of [30_000, 20_000]) {
      const p = { ...model!, timestamp: new Date(endAt - ago).toISOString() };
      parseGemini(p, ctx(p));
    }
    const limit = limitOf(parseGemini(end!, ctx(end!)));
    assert.equal(limit?.severity, 'limit');
    assert.equal(limit?.rule, 'hook:gemini.turn_ended_unanswered');
    assert.match(limit!.matched, /after 2 unanswered attempts of one request to gemini-3\.1-pro-preview over 10\.0 s/);
  });

  it('an answered turn (AfterAgent with text, or "[no response text]" after a response arrived) is not a limit', () => {
    const ok = replay('gemini-ok', ['SessionStart', 'BeforeAgent', 'BeforeModel', 'AfterModel', 'AfterAgent', 'SessionEnd'], empty);
    for (const r of ok) assert.equal(limitOf(r), undefined);
    const store = memoryAttemptStore();
    const ctx = (p: Record<string, unknown>): HookParseContext => ({ now: Date.parse(String(p.timestamp)), env: { TMPDIR: empty }, geminiAttempts: store });
    const before = load('gemini-quota-interactive-stop--BeforeModel.stdin.json');
    const answered = { ...load('gemini-ok--AfterModel.stdin.json'), transcript_path: before.transcript_path };
    const end = load('gemini-quota-interactive-stop--AfterAgent.stdin.json');
    parseGemini(before, ctx(before));
    parseGemini(answered, ctx(before));
    assert.equal(limitOf(parseGemini(end, ctx(end))), undefined);
  });

  it("Gemini's temp dir is TMPDIR, else /tmp, as os.tmpdir() computes it", () => {
    assert.equal(geminiTempDir({ TMPDIR: '/x/y/' }), '/x/y');
    assert.equal(geminiTempDir({}), '/tmp');
  });
});
