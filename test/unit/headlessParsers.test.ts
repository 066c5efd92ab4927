/**
 * Each CLI's headless parser on what the real CLIs printed (test/fixtures/headless/: the shared
 * agent samples, and Claude runs recorded against a local stand-in): the answer text, usage,
 * cost, session id, and how a failed run is classified — limits with their reset time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CallFailure, StreamEvent, TokenUsage } from '../../src/protocol/providerProtocol.js';
import { descriptorOf, type KnownKind } from '../../src/adapters/registry.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'headless');
const NOW = Date.UTC(2026, 10, 21, 10, 9, 0);

interface Run {
  events: StreamEvent[];
  text: string;
  usage?: TokenUsage;
  session?: string;
  warnings: string[];
  failure?: CallFailure;
}

/** Feed one recorded run (stdout line by line, then its exit and stderr) to the kind's parser. */
async function replay(kind: KnownKind, file: string): Promise<Run> {
  const raw = readFileSync(join(DIR, file), 'utf8');
  const section = (title: string): string => new RegExp(`^===== ${title}\\n([\\s\\S]*?)(?=^===== |(?![\\s\\S]))`, 'm').exec(raw)?.[1] ?? '';
  const parser = await descriptorOf(kind).headless!.parser();
  const events = section('stdout.txt').split('\n').flatMap((l) => parser.line(l));
  const failure = parser.end({ code: Number(section('exit code').trim()), signal: null, stderrTail: section('stderr.txt').split('\n'), now: NOW });
  const usages = events.flatMap((e) => (e.type === 'usage' ? [e.usage] : []));
  return {
    events,
    text: events.map((e) => (e.type === 'delta' ? e.text : '')).join(''),
    usage: usages.at(-1),
    session: events.find((e) => e.type === 'session')?.id,
    warnings: events.flatMap((e) => (e.type === 'warning' ? [e.text] : [])),
    failure,
  } as Run;
}

const MOCK = 'MOCK_OK: hello from the mock provider.';

describe('claude -p --output-format stream-json', () => {
  it('streams the partial-message deltas once (not again from the whole message) and reads the run total and cost', async () => {
    const r = await replay('claude', 'claude-ok-partial-stream.txt');
    assert.deepEqual(
      r.events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text),
      ['MOCK_OK: ', 'hello from the mock provider.'],
    );
    assert.equal(r.session, '366a7086-211d-476f-8a06-2666930bed2c');
    // modelUsage counts every request of the run (two here); `usage` holds only the last turn.
    assert.deepEqual(r.usage, { inputTokens: 24, outputTokens: 16, cacheReadTokens: 0, cacheWriteTokens: 0, reportedCostMicros: 520 });
    assert.deepEqual(r.events.at(-1), { type: 'finish', reason: 'stop' });
    assert.equal(r.failure, undefined);
  });

  it('without partial messages emits the whole message as one delta', async () => {
    const r = await replay('claude', 'claude-ok-stream.txt');
    assert.equal(r.text, MOCK);
    assert.equal(r.failure, undefined);
  });

  it('a plan limit is rate_limited until the rate_limit_event resetsAt, and its message is not the answer', async () => {
    const r = await replay('claude', 'claude-oauth-usage.txt');
    assert.equal(r.text, '');
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.resetAt, 1795258633 * 1000);
    assert.equal(r.failure?.moveOn, true);
    assert.equal(r.failure?.message, "You've hit your session limit · resets 10:57am (UTC)");
  });

  it('an API 429 after its retries is rate_limited, each retry an early warning', async () => {
    const r = await replay('claude', 'claude-429-r2-stream.txt');
    assert.equal(r.warnings.length, 2);
    assert.match(r.warnings[0]!, /429.*retry 1\/2/);
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.status, 429);
    assert.match(r.failure!.message, /^API Error: Request rejected \(429\)/);
  });

  it('"temporarily limiting requests" (a rejection naming no window) is rate_limited with no reset', async () => {
    const r = await replay('claude', 'claude-oauth-429.txt');
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.resetAt, undefined);
  });

  it('not logged in and a bad key are auth failures with a hint to log in', async () => {
    for (const file of ['claude-nologin-stream.txt', 'claude-401-stream.txt']) {
      const r = await replay('claude', file);
      assert.equal(r.failure?.kind, 'auth', file);
      assert.match(r.failure!.hint!, /run claude once to log in/);
    }
  });
});

describe('codex exec --json', () => {
  it('reads the agent message, the thread id and turn.completed usage', async () => {
    const r = await replay('codex', 'codex-ok-json.txt');
    assert.equal(r.text, MOCK);
    assert.equal(r.session, '01a1fda3-a05d-7b93-bacb-e99d1742f2ee');
    assert.deepEqual(r.usage, { inputTokens: 12, outputTokens: 8, cacheReadTokens: 0, cacheWriteTokens: 0 });
    assert.equal(r.failure, undefined);
  });

  it('"exceeded retry limit, last status: 429" is rate_limited; each reconnect a warning', async () => {
    const r = await replay('codex', 'codex-429-json.txt');
    assert.equal(r.warnings.length, 5);
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.moveOn, true);
  });

  it('the plan usage limit is rate_limited until its "try again at 10:58 AM" (local time)', async () => {
    const r = await replay('codex', 'codex-usage-json.txt');
    assert.equal(r.failure?.kind, 'rate_limited');
    const at = new Date(r.failure!.resetAt!);
    assert.ok(at.getTime() > NOW && at.getTime() - NOW <= 86_400_000);
    assert.deepEqual([at.getHours(), at.getMinutes()], [10, 58]);
  });

  it('"Quota exceeded" is a quota failure', async () => {
    assert.equal((await replay('codex', 'codex-quota-json.txt')).failure?.kind, 'quota');
  });
});

describe('gemini -o stream-json', () => {
  it('streams the assistant deltas and reads the result stats', async () => {
    const r = await replay('gemini', 'gemini-ok-stream.txt');
    assert.equal(r.text, MOCK);
    assert.equal(r.session, '58fce5f8-6f5a-4eda-bda8-f0edd5cd3db0');
    assert.deepEqual(r.usage, { inputTokens: 12, outputTokens: 8, cacheReadTokens: 0 });
    assert.equal(r.failure, undefined);
  });

  it('the daily quota (exit 173, TerminalQuotaError) is a quota failure', async () => {
    const r = await replay('gemini', 'gemini-quota-stream.txt');
    assert.equal(r.failure?.kind, 'quota');
    assert.equal(r.failure?.message, 'You have exhausted your daily quota on this model.');
  });

  it('a per-minute quota after its retries is rate_limited until "Please retry in 2.0s"', async () => {
    const r = await replay('gemini', 'gemini-429-stream-max2.txt');
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.resetAt, NOW + 2000);
  });
});

describe('opencode run --format json', () => {
  it('reads the text part, the session id and step_finish tokens and cost', async () => {
    const r = await replay('opencode', 'opencode-ok-json.txt');
    assert.equal(r.text, MOCK);
    assert.equal(r.session, 'ses_e0254d26bffeFnb5XTsHLK441y');
    assert.deepEqual(r.usage, { inputTokens: 12, outputTokens: 8, cacheReadTokens: 0, cacheWriteTokens: 0, reportedCostMicros: 0 });
    assert.equal(r.failure, undefined);
  });

  it('a 429 error line is rate_limited until its retry-after header', async () => {
    const r = await replay('opencode', 'opencode-429-long.txt');
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.status, 429);
    assert.equal(r.failure?.resetAt, NOW + 2000);
  });

  it('insufficient_quota is a quota failure, reset from the exhausted windows in the headers', async () => {
    const r = await replay('opencode', 'opencode-quota-json.txt');
    assert.equal(r.failure?.kind, 'quota');
    // x-ratelimit-reset-tokens 6m0s with remaining-tokens 0 is the latest exhausted window.
    assert.equal(r.failure?.resetAt, NOW + 6 * 60_000);
  });

  it('without the JSON error line, the coloured `Error:` on stderr still names the rate limit', async () => {
    const r = await replay('opencode', 'opencode-429.txt');
    assert.equal(r.failure?.kind, 'rate_limited');
    assert.equal(r.failure?.resetAt, NOW + 2000);
    assert.match(r.failure!.message, /^Rate limit reached for gpt-mock/);
  });
});

describe('headless command lines', () => {
  it('put short prompts after `--` (or in one --prompt= argument) and long ones on stdin', () => {
    const long = 'x'.repeat(40_000);
    const claude = descriptorOf('claude').headless!;
    assert.deepEqual(claude.args('-v please', 'sonnet').slice(-4), ['--model', 'sonnet', '--', '-v please']);
    assert.equal(claude.promptOnStdin(long), true);
    assert.ok(!claude.args(long).includes(long));
    const codex = descriptorOf('codex').headless!;
    assert.deepEqual(codex.args(long).at(-1), '-');
    assert.deepEqual(descriptorOf('gemini').headless!.args('hi', 'flash'), ['-o', 'stream-json', '-m', 'flash', '--prompt=hi']);
    const opencode = descriptorOf('opencode').headless!;
    assert.equal(opencode.promptOnStdin('short'), true);
    assert.deepEqual(opencode.args('short', 'default'), ['run', '--format', 'json']);
  });
});
