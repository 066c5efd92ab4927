/**
 * Fuzzing the hook path. In process: thousands of random and mutated payloads (random JSON,
 * real payloads with fields replaced, deleted or blown up, truncated real payloads, deep
 * nesting, invalid UTF-8 decoded as the hook decodes it) never make a parser throw, and what
 * they return is a deliverable event or a reason. As processes: ~200 real `relay hook <agent>`
 * runs with random stdin (empty, binary, 2 MB, truncated, open and never closed) all exit 0,
 * print nothing, and end in bounded time, inside temp RELAY_HOME/HOME dirs removed afterwards.
 * Last, a measurement (no assertion): `relay hook claude` against `node -e 0`.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import type { KnownKind as HookAgent } from '../../src/adapters/registry.js';
import { MAX_HOOK_PAYLOAD_BYTES } from '../../src/hooks/hookEvent.js';
import type { HookParseContext, HookParseResult } from '../../src/hooks/hookParse.js';
import { parseClaude } from '../../src/hooks/parseClaude.js';
import { parseCodex } from '../../src/hooks/parseCodex.js';
import { parseGemini } from '../../src/hooks/parseGemini.js';
import { parseOpencode } from '../../src/hooks/parseOpencode.js';
import { memoryAttemptStore } from '../helpers/memoryAttemptStore.js';
import { lastTurnOutcome } from '../../src/hooks/codexRollout.js';
import { resetFromHeaders } from '../../src/limits/rateLimitHeaders.js';
import { collect, makeTempHome, type RunResult, type TempHome } from '../helpers/tempHome.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads');
const NOW = Date.parse('2026-11-21T10:00:00Z');

/** Every recorded payload, by the CLI that sent it (OpenCode: the bus events of its plugin). */
function recorded(): Record<HookAgent, unknown[]> {
  const out: Record<HookAgent, unknown[]> = { claude: [], codex: [], gemini: [], opencode: [] };
  for (const f of readdirSync(FIXTURES)) {
    const text = readFileSync(join(FIXTURES, f), 'utf8');
    if (f.endsWith('.json')) out[f.split('-')[0] as HookAgent].push(JSON.parse(text));
    else if (f.startsWith('opencode-')) {
      for (const l of text.split('\n').filter(Boolean)) {
        const rec = JSON.parse(l) as { kind: string; data: unknown };
        if (rec.kind === 'event') out.opencode.push(rec.data);
      }
    }
  }
  return out;
}
const REAL = recorded();
const ROLLOUT = readFileSync(join(FIXTURES, 'codex-usage-limit-rollout.jsonl'), 'utf8');

const PARSERS: Record<HookAgent, (p: unknown, c: HookParseContext) => HookParseResult> = {
  claude: parseClaude,
  codex: parseCodex,
  gemini: parseGemini,
  opencode: parseOpencode,
};

/** The parser contract: an event the daemon accepts, or no event and a reason — never a throw. */
function checkResult(r: HookParseResult): void {
  if (r.event === null) {
    assert.ok(r.skip === 'ignored' || r.skip === 'malformed');
    assert.equal(typeof r.reason, 'string');
    return;
  }
  const e = r.event;
  assert.equal(e.v, 1);
  assert.ok(e.event.length >= 1 && e.event.length <= 100);
  for (const id of [e.agentSession, e.relayAgent, e.relaySession]) assert.ok(id === undefined || id.length <= 200);
  assert.ok(e.cwd === undefined || e.cwd.length <= 4096);
  if (e.limit) {
    assert.ok(e.limit.matched.length <= 300);
    assert.doesNotMatch(e.limit.matched, /[\n\r]/);
    assert.ok(e.limit.resetAt === undefined || Number.isFinite(e.limit.resetAt));
  }
  JSON.stringify(e);
}

/** A context whose side effects stay in memory: the rollout is random text, the store a Map. */
function fuzzCtx(rollout: string): HookParseContext {
  return {
    now: NOW,
    env: { TZ: 'UTC', RELAY_AGENT_ID: 'a-1' },
    readTail: () => rollout,
    geminiAttempts: memoryAttemptStore(),
  };
}

/** `value` with the thing at a random path replaced by `replacement` (or deleted). */
function mutate(value: unknown, path: readonly number[], replacement: unknown, del: boolean): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const rec = copy as Record<string, unknown>;
  if (del && path.length === 1) delete rec[key];
  else rec[key] = mutate(rec[key], path.slice(1), replacement, del);
  return copy;
}

/** An array `depth` levels deep, built without recursion. */
function deep(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const agentArb = fc.constantFrom<HookAgent>('claude', 'codex', 'gemini', 'opencode');
const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('rate_limit', 'StopFailure', 'SessionEnd', 'BeforeModel', 'session.error', 'retry', 'agent-turn-complete', '429', ''),
  fc.nat({ max: 300_000 }).map((n) => 'x'.repeat(n)),
);
const replacementArb = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nastyString, fc.constantFrom(null, 429, -1, 1e308, NaN, [], {}, true));

describe('parsers never throw', () => {
  it('random JSON values, for every CLI (4 × 1500 runs)', () => {
    fc.assert(
      fc.property(agentArb, fc.jsonValue({ maxDepth: 6 }), fc.string({ maxLength: 2000 }), (agent, payload, rollout) => {
        checkResult(PARSERS[agent](payload, fuzzCtx(rollout)));
      }),
      { numRuns: 6000 },
    );
  });

  it('real payloads with a field replaced, deleted or blown up (4000 runs)', () => {
    fc.assert(
      fc.property(
        agentArb,
        fc.nat(),
        fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 5 }),
        replacementArb,
        fc.boolean(),
        (agent, pick, path, replacement, del) => {
          const real = REAL[agent];
          const payload = mutate(real[pick % real.length], path, replacement, del);
          checkResult(PARSERS[agent](payload, fuzzCtx(ROLLOUT)));
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('real payloads cut short at any byte, and random bytes, decoded as the hook decodes them (3000 runs)', () => {
    fc.assert(
      fc.property(agentArb, fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 64 }), (agent, pick, cut, noise) => {
        const real = REAL[agent];
        const text = JSON.stringify(real[pick % real.length]);
        const bytes = Buffer.concat([Buffer.from(text).subarray(0, cut % (text.length + 1)), Buffer.from(noise)]);
        let payload: unknown;
        try {
          payload = JSON.parse(bytes.toString('utf8'));
        } catch {
          return; // The hook logs it and never calls a parser.
        }
        checkResult(PARSERS[agent](payload, fuzzCtx(ROLLOUT)));
      }),
      { numRuns: 3000 },
    );
  });

  it('random rollout text: lastTurnOutcome never throws (1000 runs)', () => {
    const lines = ROLLOUT.split('\n');
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 20 }), fc.string({ maxLength: 300 }), (picks, noise) => {
        const text = picks.map((p) => lines[p % lines.length]!.slice(0, p % 400 === 0 ? undefined : p % 700)).join('\n') + noise;
        lastTurnOutcome(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('random response headers: resetFromHeaders never throws (1000 runs)', () => {
    const key = fc.constantFrom('retry-after', 'retry-after-ms', 'x-ratelimit-reset-requests', 'x-ratelimit-remaining-requests', 'anthropic-ratelimit-tokens-reset', 'anthropic-ratelimit-tokens-remaining', 'x-ratelimit-reset');
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(key, fc.string()), fc.oneof(fc.string(), fc.constantFrom('0', '2s', '6m0s', '1e400', '99999999999999'))), (h) => {
        const t = resetFromHeaders(h, NOW);
        assert.ok(t === undefined || typeof t === 'number');
      }),
      { numRuns: 1000 },
    );
  });

  it('deep nesting and huge strings where the parsers look', () => {
    const gemini = REAL.gemini.find((p) => (p as { hook_event_name: string }).hook_event_name === 'BeforeModel') as Record<string, unknown>;
    const tooDeep = { ...gemini, llm_request: { model: 'm', messages: [deep(200_000, 'x')] } };
    checkResult(parseGemini(tooDeep, fuzzCtx('')));
    for (const agent of ['claude', 'codex', 'gemini', 'opencode'] as const) {
      checkResult(PARSERS[agent](deep(100_000, {}), fuzzCtx('')));
      checkResult(PARSERS[agent]({ hook_event_name: 'x'.repeat(1_000_000), type: 'y'.repeat(1_000_000) }, fuzzCtx('')));
    }
    const claude = REAL.claude.find((p) => (p as { error?: string }).error === 'rate_limit') as Record<string, unknown>;
    const huge = parseClaude({ ...claude, last_assistant_message: `You've hit your session limit · resets ${'9'.repeat(1_000_000)}` }, fuzzCtx(''));
    checkResult(huge);
    assert.equal(huge.event?.limit?.rule, 'hook:claude.usage_limit');
  });
});

/** Random stdin for a `relay hook` process, and what kind it is (for the failure message). */
const stdinArb: fc.Arbitrary<{ kind: string; data: Buffer | null }> = fc.oneof(
  fc.constant({ kind: 'empty', data: Buffer.alloc(0) }),
  fc.uint8Array({ maxLength: 4096 }).map((b) => ({ kind: 'binary', data: Buffer.from(b) })),
  fc.constant({ kind: '2 MB', data: Buffer.alloc(2 * 1024 * 1024, 0x7b) }),
  fc.constant({ kind: 'just over the cap', data: Buffer.from(JSON.stringify({ hook_event_name: 'Stop', pad: 'p'.repeat(MAX_HOOK_PAYLOAD_BYTES) })) }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => ({ kind: 'random JSON', data: Buffer.from(JSON.stringify(v) ?? 'null') })),
  fc.tuple(agentArb, fc.nat(), fc.nat()).map(([agent, pick, cut]) => {
    const text = JSON.stringify(REAL[agent][pick % REAL[agent].length]);
    return { kind: 'truncated real', data: Buffer.from(text).subarray(0, cut % (text.length + 1)) };
  }),
  fc.tuple(agentArb, fc.nat()).map(([agent, pick]) => ({ kind: 'real', data: Buffer.from(JSON.stringify(REAL[agent][pick % REAL[agent].length])) })),
  fc.constant({ kind: 'open, never closed', data: null }),
);
const argArb = fc.constantFrom<string>('claude', 'codex', 'gemini', 'opencode-event', 'bogus', '--help', '');

/** Upper bound for one hook run: its own 850 ms deadline, plus start-up on a busy machine (the figure is in bench/). */
const RUN_BOUND_MS = 6_000;

function runHookProcess(h: TempHome, args: string[], data: Buffer | null): Promise<RunResult & { ms: number }> {
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, [CLI_ENTRY, 'hook', ...args], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined); // The hook may stop reading (over the cap) and exit first.
  if (data !== null) child.stdin!.end(data);
  return collect(child, RUN_BOUND_MS * 2).then((r) => ({ ...r, ms: Date.now() - started }));
}

describe('relay hook processes: exit 0, print nothing, end in bounded time', () => {
  it('~200 runs with random stdin and agent names', async () => {
    const h = makeTempHome();
    try {
      const runs = fc.sample(fc.tuple(argArb, stdinArb, fc.boolean()), { numRuns: 196, seed: 4242 });
      // Always include the hard cases at least once.
      runs.push(['claude', { kind: 'open, never closed', data: null }, false]);
      runs.push(['codex', { kind: '2 MB', data: Buffer.alloc(2 * 1024 * 1024, 0xff) }, false]);
      runs.push(['codex', { kind: 'notify argv', data: Buffer.alloc(0) }, true]);
      runs.push(['gemini', { kind: 'binary', data: Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]) }, false]);
      const kinds = new Map<string, number>();
      let slowest = 0;
      const queue = [...runs];
      // Four at a time: the machine has two shared cores.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const [arg, stdin, argvPayload] = next;
            const args = arg === '' ? [] : [arg];
            if (argvPayload && arg === 'codex') args.push(stdin.data ? stdin.data.toString('utf8').slice(0, 100_000) : '{');
            const r = await runHookProcess(h, args, stdin.data);
            const what = `relay hook ${args.join(' ').slice(0, 40)} with ${stdin.kind} stdin`;
            assert.equal(r.code, 0, `${what}: exit ${r.code} ${r.signal ?? ''} ${r.stderr}`);
            // `--help` is asked for, not a hook run: the one case with something on stdout.
            if (arg === '--help') assert.match(r.stdout, /^usage: relay hook </, `${what}: stdout`);
            else assert.equal(r.stdout, '', `${what}: stdout`);
            assert.equal(r.stderr, '', `${what}: stderr`);
            assert.ok(r.ms < RUN_BOUND_MS, `${what}: took ${r.ms} ms`);
            slowest = Math.max(slowest, r.ms);
            kinds.set(stdin.kind, (kinds.get(stdin.kind) ?? 0) + 1);
          }
        }),
      );
      for (const k of ['empty', 'binary', '2 MB', 'truncated real', 'real', 'open, never closed']) assert.ok(kinds.has(k), `covered ${k}`);
      // What the hooks left: private dirs, a bounded 0600 log, spooled events only as JSON lines.
      assert.equal(statSync(h.home).mode & 0o777, 0o700);
      assert.equal(statSync(h.paths.logs).mode & 0o777, 0o700);
      assert.equal(statSync(h.paths.hookLog).mode & 0o777, 0o600);
      assert.ok(statSync(h.paths.hookLog).size < 2 * 1024 * 1024);
      const log = readFileSync(h.paths.hookLog, 'utf8');
      assert.match(log, /over the 1048576-byte cap/);
      assert.match(log, /unknown agent: relay hook bogus/);
      assert.match(log, /not JSON/);
      if (existsSync(h.paths.spoolFile)) {
        for (const line of readFileSync(h.paths.spoolFile, 'utf8').split('\n').filter(Boolean)) assert.equal((JSON.parse(line) as { v: number }).v, 1);
      }
      assert.deepEqual(readdirSync(h.home).sort().filter((d) => !['logs', 'spool'].includes(d)), [], 'no other dirs created');
      console.log(`# ${runs.length} hook runs, slowest ${slowest} ms, by stdin: ${JSON.stringify(Object.fromEntries(kinds))}`);
    } finally {
      await h.cleanup();
    }
  });

  it('the hook log is rotated past 1 MB', async () => {
    const h = makeTempHome();
    try {
      const junk = Buffer.from('{'.repeat(100));
      const first = await runHookProcess(h, ['claude'], junk);
      assert.equal(first.code, 0);
      // Grow the log past the cap the way a looping CLI would, then one more hook rotates it.
      const { appendFileSync } = await import('node:fs');
      appendFileSync(h.paths.hookLog, 'x'.repeat(1024 * 1024 + 10));
      assert.equal((await runHookProcess(h, ['claude'], junk)).code, 0);
      assert.ok(statSync(`${h.paths.hookLog}.1`).size > 1024 * 1024);
      assert.ok(statSync(h.paths.hookLog).size < 1000);
    } finally {
      await h.cleanup();
    }
  });
});
