/**
 * `relay "task"` end to end, as a user runs it: the real `relay` binary, its real daemon, the
 * fake agent CLIs (real processes replaying the real CLIs' headless JSON) and the fake provider
 * server (real HTTP on 127.0.0.1 speaking the vendors' SSE, usage and 429 formats).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { withFakeProvider } from '../helpers/fakeProviderServer.js';
import { dbEvents, fakeLog, inTempHome, ofType, startRelay, startRelayPty, workDir, WAIT_MS } from '../helpers/relayWorld.js';
import type { TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';
import type { ProviderInfo, TaskResult } from '../../src/protocol/providerProtocol.js';

const TASK_TIMEOUT_MS = 60_000;

function run(h: TempHome, args: string[], env: NodeJS.ProcessEnv) {
  return startRelay(args, env, workDir(h), TASK_TIMEOUT_MS).done;
}

/** `--json` prints one JSON line per task message, then the result record. */
function resultOf<T>(stdout: string): T {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
  const last = lines.at(-1)!;
  assert.equal(last.kind, 'result', 'the last JSON line is the result');
  return last as T;
}

function keysEnv(h: TempHome, extra: Record<string, string> = {}, clis: string[] = []): NodeJS.ProcessEnv {
  return clientEnv(h, { clis, extra: { ALPHA_KEY, BETA_KEY, ...extra } });
}

/** The ledger rows, read from the store after the daemon has written them. */
function ledger(h: TempHome): Array<{ provider: string; state: string; charged_micros: number | null; reserved_micros: number }> {
  const db = new BetterSqlite3(h.paths.db, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT provider, state, charged_micros, reserved_micros FROM ledger ORDER BY rowid').all() as never;
  } finally {
    db.close();
  }
}

/** Nothing the daemon wrote — its log, its events — holds a key. */
function assertNoKeys(h: TempHome): void {
  const log = readFileSync(h.paths.daemonLog, 'utf8');
  const events = JSON.stringify(dbEvents(h));
  for (const key of [ALPHA_KEY, BETA_KEY]) {
    assert.ok(!log.includes(key), 'a key reached the daemon log');
    assert.ok(!events.includes(key), 'a key reached the event log');
  }
}

describe('relay "task"', { timeout: 240_000 }, () => {
  it('with no provider says what it looked for and how to add one, exit 11', async () => {
    await inTempHome(async (h) => {
      const r = await run(h, ['explain kubernetes'], clientEnv(h));
      assert.equal(r.code, 11, r.stderr);
      assert.match(r.stderr, /no provider/i);
      assert.match(r.stderr, /ANTHROPIC_API_KEY/);
      assert.match(r.stderr, /ollama/i);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  });

  it('with only claude installed and no key anywhere, answers through claude -p, labelled by worker', async () => {
    await inTempHome(async (h) => {
      const r = await run(h, ['explain kubernetes'], clientEnv(h, { clis: ['claude'] }));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^\[explainer\]/m, 'the worker label is on stderr');
      assert.match(r.stdout, /^MOCK_OK/, 'stdout is the answer alone');
      const start = fakeLog(h).find((s) => s.kind === 'claude' && s.event === 'start');
      assert.ok(start, 'claude was started');
      for (const flag of ['-p', '--output-format', 'stream-json', '--verbose']) assert.ok(start.argv?.includes(flag), `claude got ${flag}`);
      assert.match(start.prompt ?? '', /explain kubernetes/);
    });
  });

  it('moves on from a 429 to the next provider, raises rate_limited, and the limited one cools down', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        fake.enqueue({ kind: 'rate-limit', retryAfterSeconds: 120 });
        const env = keysEnv(h);
        const r = await run(h, ['explain kubernetes'], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /fake answer to:/);
        assert.match(r.stderr, /alpha/);
        assert.equal(fake.requests.length, 2);
        assert.equal(fake.requests[0]!.headers.authorization, `Bearer ${ALPHA_KEY}`);
        assert.equal(fake.requests[1]!.headers.authorization, `Bearer ${BETA_KEY}`);
        const limited = ofType(dbEvents(h), 'rate_limited');
        assert.equal(limited.length, 1);
        assert.equal(limited[0]!.payload.source, 'provider');
        assert.equal(limited[0]!.payload.agent, 'provider:alpha');
        assert.equal(typeof limited[0]!.payload.resetAt, 'number');

        const listed = await run(h, ['providers', '--json'], env);
        assert.equal(listed.code, 0, listed.stderr);
        const alpha = (JSON.parse(listed.stdout) as { providers: ProviderInfo[] }).providers.find((p) => p.name === 'alpha');
        assert.equal(alpha?.state, 'cooling');

        // The next task goes straight to beta: alpha is cooling, not retried.
        const again = await run(h, ['explain kubernetes', '--json'], env);
        assert.equal(again.code, 0, again.stderr);
        const result = resultOf<{ steps: Array<{ provider: string }> }>(again.stdout);
        assert.equal(result.steps[0]!.provider, 'beta');
        assert.equal(fake.requests.length, 3);
        assertNoKeys(h);
      });
    });
  });

  it('a wrong key (401) disables that provider with the variable to fix, never the key, and the task moves on', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        fake.enqueue({ kind: 'auth' });
        const env = keysEnv(h);
        const r = await run(h, ['explain kubernetes'], env);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /fake answer to:/);
        assert.match(r.stderr, /alpha/);
        const listed = await run(h, ['providers', '--json'], env);
        const alpha = (JSON.parse(listed.stdout) as { providers: ProviderInfo[] }).providers.find((p) => p.name === 'alpha');
        assert.equal(alpha?.state, 'disabled');
        assert.match(listed.stdout, /ALPHA_KEY/, 'the variable to fix is named');
        for (const text of [r.stdout, r.stderr, listed.stdout]) assert.ok(!text.includes(ALPHA_KEY), 'the key is never shown');
        assertNoKeys(h);
      });
    });
  });

  it('streams a 10 MB answer to stdout exactly', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const line = 'the quick brown fox jumps over the lazy dog; ünïcødé ✓ 0123456789\n';
        const text = line.repeat(Math.ceil((10 * 1024 * 1024) / Buffer.byteLength(line)));
        fake.setDefault({ kind: 'answer', text, chunks: 2_000 });
        const r = await run(h, ['explain kubernetes'], keysEnv(h));
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout === text, `stdout is the answer byte for byte (${r.stdout.length} vs ${text.length} chars)`);
      });
    });
  });

  it('a provider that goes silent mid-answer: the idle timeout is named, the answer starts again on the next, what was used is charged', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url).replace('useAgentClis: false', 'useAgentClis: false\n  idleTimeoutMs: 500'));
        fake.enqueue({ kind: 'stall-after', text: 'HALF-ANSWER ' });
        const r = await run(h, ['explain kubernetes'], keysEnv(h));
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /alpha: .*(idle|silent|no data)/i);
        assert.match(r.stdout, /fake answer to:/);
        const rows = ledger(h);
        assert.deepEqual(rows.map((row) => [row.provider, row.state]), [['alpha', 'released'], ['beta', 'committed']]);
        assert.ok((rows[0]!.charged_micros ?? 0) > 0, 'the cut-off call is charged what it used');
      });
    });
  });

  it('moves on when an agent CLI reports its limit, with the same rate_limited event', async () => {
    await inTempHome(async (h) => {
      const env = clientEnv(h, { clis: ['claude', 'codex'], extra: { FAKE_AGENT_SCRIPT_CLAUDE: 'limit-exit' } });
      const r = await run(h, ['explain kubernetes', '--worker', 'explainer', '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      const result = resultOf<{ steps: Array<{ provider: string; text: string }> }>(r.stdout);
      const kinds = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
      assert.ok(kinds.includes('moved-on') && kinds.includes('delta'), `one JSON line per event: ${kinds.join(',')}`);
      assert.equal(result.steps.length, 1);
      assert.notEqual(result.steps[0]!.provider, 'claude');
      assert.match(result.steps[0]!.text, /MOCK_OK/);
      const limited = ofType(dbEvents(h), 'rate_limited');
      assert.equal(limited.length, 1);
      assert.equal(limited[0]!.payload.agent, 'provider:claude');
    });
  });

  it("a design task goes to an architect, then a reviewer whose request holds the architect's answer", async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        fake.enqueue({ kind: 'answer', text: 'ARCHITECT-PLAN: token bucket per key' });
        const r = await run(h, ['design a rate limiter for our public API'], keysEnv(h));
        assert.equal(r.code, 0, r.stderr);
        const architect = r.stderr.indexOf('[architect]');
        const reviewer = r.stderr.indexOf('[reviewer]');
        assert.ok(architect >= 0 && reviewer > architect, r.stderr);
        assert.match(r.stdout, /^ARCHITECT-PLAN: token bucket per key\n\nfake answer to:/, 'both answers on stdout, apart');
        assert.equal(fake.requests.length, 2);
        assert.match(JSON.stringify(fake.requests[1]!.body.messages), /ARCHITECT-PLAN: token bucket per key/);
      });
    });
  });

  it('a daily budget refuses a metered call with the limit and the fix (exit 10); a free CLI still answers', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const env = keysEnv(h);
        const set = await run(h, ['budget', 'set', '--daily', '0.001'], env);
        assert.equal(set.code, 0, set.stderr);
        const r = await run(h, ['explain kubernetes'], env);
        assert.equal(r.code, 10, r.stderr);
        assert.match(r.stderr, /daily/);
        assert.match(r.stderr, /relay budget set --daily/);
        assert.equal(fake.requests.length, 0, 'nothing was sent');

        writeConfig(h, twoProvidersConfig(fake.url).replace('useAgentClis: false', 'useAgentClis: true'));
        const free = await run(h, ['explain kubernetes'], keysEnv(h, {}, ['claude']));
        assert.equal(free.code, 0, free.stderr);
        assert.match(free.stdout, /MOCK_OK/);
      });
    });
  });

  it('Ctrl+C aborts the stream, exits 130, and charges what was used', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        fake.enqueue({ kind: 'stall-after', text: 'PARTIAL-ANSWER ' });
        const live = startRelay(['explain kubernetes'], keysEnv(h), workDir(h), TASK_TIMEOUT_MS);
        await waitFor(() => live.stdout().includes('PARTIAL-ANSWER'), 'the first delta', WAIT_MS);
        live.child.kill('SIGINT');
        const r = await live.done;
        assert.equal(r.code, 130, r.stderr);
        await waitFor(() => ledger(h).every((row) => row.state !== 'reserved'), 'the call to be settled', WAIT_MS);
        const rows = ledger(h);
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.provider, 'alpha');
        assert.ok((rows[0]!.charged_micros ?? 0) > 0, 'what was used is charged');
        assert.ok((rows[0]!.charged_micros ?? 0) < rows[0]!.reserved_micros, 'the rest is released');
      });
    });
  });

  it('50 tasks from 50 processes at once never exceed the daily limit together', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url).replace(/  beta:[\s\S]*$/, ''));
        // Each call really costs 10,000 × 0.1 + 1,000 × 0.4 = 1,400 µ$; each reserves a bit more.
        fake.setDefault({ kind: 'answer', text: 'ok', usage: { input: 10_000, output: 1_000 }, chunkDelayMs: 20 });
        const env = keysEnv(h);
        const set = await run(h, ['budget', 'set', '--daily', '0.005'], env);
        assert.equal(set.code, 0, set.stderr);
        const runs = await Promise.all(Array.from({ length: 50 }, () => startRelay(['explain kubernetes', '--json'], env, workDir(h), 180_000).done));
        const codes = runs.map((r) => r.code);
        assert.ok(codes.every((c) => c === 0 || c === 10), `exit codes: ${codes.join(',')}\n${runs.find((r) => r.code !== 0 && r.code !== 10)?.stderr ?? ''}`);
        const ok = codes.filter((c) => c === 0).length;
        assert.equal(ok, 3, 'three calls of 1,400 µ$ fit in 5,000 µ$; a fourth would not');
        const charged = ledger(h).reduce((sum, row) => sum + (row.charged_micros ?? 0), 0);
        assert.ok(charged <= 5_000, `charged ${charged} µ$ over the 5,000 µ$ limit`);
        const report = JSON.parse((await run(h, ['cost', 'report', '--json'], env)).stdout) as { todayMicros: number };
        assert.equal(report.todayMicros, charged);
      });
    });
  });

  it('edit mode asks on the terminal before the call; without a terminal it refuses', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const env = keysEnv(h);
        const refused = await run(h, ['--edit', 'explain kubernetes'], env);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /--yes/);
        assert.equal(fake.requests.length, 0);

        const term = startRelayPty(['--edit', 'explain kubernetes'], env, workDir(h));
        try {
          await waitFor(async () => (await term.screen()).join('\n').match(/\[y\/N\]/), 'the confirmation question', WAIT_MS);
          const asked = (await term.screen()).join('\n');
          assert.match(asked, /explainer/);
          assert.match(asked, /alpha/);
          assert.equal(fake.requests.length, 0, 'nothing is sent before the answer');
          term.write('y\r');
          const exit = await term.exited;
          assert.equal(exit.exitCode, 0, term.raw());
          assert.match(term.raw(), /fake answer to:/);
          assert.equal(fake.requests.length, 1);
        } finally {
          term.dispose();
        }
      });
    });
  });

  it('a daemon killed mid-call: the client says so, and the next daemon settles the open reservation', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        fake.enqueue({ kind: 'stall-after', text: 'HALF ' });
        const env = keysEnv(h);
        const live = startRelay(['explain kubernetes'], env, workDir(h), TASK_TIMEOUT_MS);
        await waitFor(() => live.stdout().includes('HALF'), 'the first delta', WAIT_MS);
        const pid = JSON.parse(readFileSync(h.paths.pidFile, 'utf8')).pid as number;
        process.kill(pid, 'SIGKILL');
        const r = await live.done;
        assert.equal(r.code, 5, r.stderr);
        assert.match(r.stderr, /daemon/);
        assert.deepEqual(ledger(h).map((row) => row.state), ['reserved']);
        const started = await run(h, ['daemon', 'start'], env);
        assert.equal(started.code, 0, started.stderr);
        const rows = ledger(h);
        assert.deepEqual(rows.map((row) => row.state), ['interrupted']);
        assert.ok((rows[0]!.charged_micros ?? 0) > 0, 'the prompt that was sent is charged');
      });
    });
  });

  it('--explain prints every candidate and why the pick won, and calls nothing', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const r = await run(h, ['explain kubernetes', '--explain', '--json'], keysEnv(h));
        assert.equal(r.code, 0, r.stderr);
        const plan = JSON.parse(r.stdout) as { intent: string; steps: TaskResult['steps'] & Array<{ pick?: { provider: string }; candidates: unknown[] }> };
        assert.equal(plan.intent, 'explain');
        assert.equal(plan.steps[0]!.pick?.provider, 'alpha');
        assert.equal(plan.steps[0]!.candidates.length, 2);
        assert.equal(fake.requests.length, 0);
      });
    });
  });
});
