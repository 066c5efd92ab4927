/**
 * The workspace's listing and money commands against the real daemon: what a user reads in
 * `relay models`, `relay workers`, `relay budget` and `relay cost report`, and an unpriced model
 * that is shown as such and refused under a limit.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFakeProvider } from '../helpers/fakeProviderServer.js';
import { inTempHome, startRelay, workDir } from '../helpers/relayWorld.js';
import type { TempHome } from '../helpers/tempHome.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';
import type { BudgetState, CostReport, ModelInfo, WorkerInfo } from '../../src/protocol/providerProtocol.js';

function run(h: TempHome, args: string[], env: NodeJS.ProcessEnv) {
  return startRelay(args, env, workDir(h), 60_000).done;
}

const UNPRICED = ['  gamma:', '    type: openai-compatible', '    baseUrl: URL/v1', '    apiKey: env:ALPHA_KEY', '    models: [gamma-mystery]', ''].join('\n');

describe('workspace commands', { timeout: 120_000 }, () => {
  it('models: price per Mtok and context for priced ones, unpriced (never $0) for the rest; workers: the built-in roles', async () => {
    const fake = await startFakeProvider();
    try {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url) + UNPRICED.replace('URL', fake.url));
        const env = clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY } });
        const models = JSON.parse((await run(h, ['models', '--json'], env)).stdout) as { models: ModelInfo[] };
        const alpha = models.models.find((m) => m.model === 'alpha-small');
        assert.deepEqual(alpha?.price, { input: 0.1, output: 0.4 });
        assert.equal(alpha?.contextTokens, 128_000);
        assert.equal(models.models.find((m) => m.model === 'gamma-mystery')?.price, undefined);
        const table = await run(h, ['models'], env);
        assert.equal(table.code, 0, table.stderr);
        assert.match(table.stdout, /gamma-mystery.*unpriced/);
        assert.doesNotMatch(table.stdout, /gamma-mystery.*\$0(\.0+)?\b/);

        const workers = JSON.parse((await run(h, ['workers', '--json'], env)).stdout) as { workers: WorkerInfo[] };
        const names = workers.workers.map((w) => w.name);
        for (const role of ['architect', 'coder', 'reviewer', 'explainer']) assert.ok(names.includes(role), `${role} is listed`);
      });
    } finally {
      await fake.close();
    }
  });

  it('budget set, show and clear round-trip through the daemon; the cost report adds up what was spent', async () => {
    const fake = await startFakeProvider();
    try {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const env = clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY } });
        const set = await run(h, ['budget', 'set', '--daily', '1', '--monthly', '20', '--json'], env);
        assert.equal(set.code, 0, set.stderr);
        const state = JSON.parse(set.stdout) as BudgetState;
        assert.equal(state.limits.dailyMicros, 1_000_000);
        assert.equal(state.limits.monthlyMicros, 20_000_000);
        const bad = await run(h, ['budget', 'set', '--daily', 'lots'], env);
        assert.equal(bad.code, 2);
        assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);

        fake.setDefault({ kind: 'answer', text: 'ok', usage: { input: 1_000, output: 500 } });
        const task = await run(h, ['explain kubernetes'], env);
        assert.equal(task.code, 0, task.stderr);
        const report = JSON.parse((await run(h, ['cost', 'report', '--json'], env)).stdout) as CostReport;
        // 1,000 × 0.1 + 500 × 0.4 µ$ at alpha's price.
        assert.equal(report.todayMicros, 300);
        assert.equal(report.byProvider.find((r) => r.key === 'alpha')?.calls, 1);
        const text = await run(h, ['cost', 'report'], env);
        assert.match(text.stdout, /Today: \$0\.0003\d* \/ \$1\.00/);

        const cleared = JSON.parse((await run(h, ['budget', 'clear', '--json'], env)).stdout) as BudgetState;
        assert.deepEqual(cleared.limits, {});
      });
    } finally {
      await fake.close();
    }
  });

  it('an unpriced model is refused under a limit, with how to allow it; allowed in config.yaml, the next task runs', async () => {
    const fake = await startFakeProvider();
    try {
      await inTempHome(async (h) => {
        const only = ['routing:', '  useAgentClis: false', 'providers:', UNPRICED.replace('URL', fake.url)].join('\n');
        writeConfig(h, only);
        const env = clientEnv(h, { extra: { ALPHA_KEY } });
        assert.equal((await run(h, ['budget', 'set', '--daily', '1'], env)).code, 0);
        const refused = await run(h, ['explain kubernetes'], env);
        assert.equal(refused.code, 10, refused.stderr);
        assert.match(refused.stderr, /unpriced|no known price/i);
        assert.match(refused.stderr, /allowUnpriced/);
        assert.equal(fake.requests.length, 0);

        // An edited config.yaml applies to the next task, without a daemon restart.
        writeConfig(h, `${only}budget:\n  allowUnpriced: true\n`);
        const allowed = await run(h, ['explain kubernetes'], env);
        assert.equal(allowed.code, 0, allowed.stderr);
        assert.match(allowed.stderr, /unpriced/);
      });
    } finally {
      await fake.close();
    }
  });
});
