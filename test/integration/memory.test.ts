/**
 * Memory from the command line, against the real daemon: `relay remember` (project = git root,
 * else global; a `key: value` fact updated by its key), `recall`, `forget`, `knowledge`, and the
 * relevant facts reaching the model in front of a task.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startFakeProvider } from '../helpers/fakeProviderServer.js';
import { inTempHome, startRelay } from '../helpers/relayWorld.js';
import type { TempHome } from '../helpers/tempHome.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';
import type { StoredFact } from '../../src/protocol/knowledgeProtocol.js';

/** A git project (a `.git` dir is all it takes) with a subdirectory, and a dir outside any project. */
function dirs(h: TempHome): { project: string; sub: string; outside: string } {
  const project = join(h.root, 'proj');
  const sub = join(project, 'src', 'api');
  const outside = join(h.root, 'elsewhere');
  for (const d of [join(project, '.git'), sub, outside]) mkdirSync(d, { recursive: true });
  return { project, sub, outside };
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  return startRelay(args, env, cwd, 60_000).done;
}

async function facts(env: NodeJS.ProcessEnv, cwd: string): Promise<StoredFact[]> {
  const r = await run(['knowledge', '--json'], env, cwd);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { facts: StoredFact[] }).facts;
}

describe('relay remember / recall / forget / knowledge', { timeout: 120_000 }, () => {
  it('a key: value fact lives in the project (its git root), is updated by its key, and is forgotten by it', async () => {
    await inTempHome(async (h) => {
      const env = clientEnv(h);
      const { project, sub, outside } = dirs(h);
      const first = await run(['remember', 'deploy: make ship'], env, sub);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`remembered deploy \\(project ${project.replace(/[/.]/g, '\\$&')}, #\\d+\\)`));
      const second = await run(['remember', 'Deploy:', 'make release'], env, project);
      assert.match(second.stdout, /^updated deploy/);
      assert.deepEqual((await facts(env, sub)).map((f) => f.text), ['Deploy: make release'], 'one fact, updated, not two');
      assert.deepEqual(await facts(env, outside), [], "another directory does not see the project's facts");

      assert.equal((await run(['remember', '--global', 'editor: vim'], env, sub)).code, 0);
      assert.deepEqual((await facts(env, outside)).map((f) => f.text), ['editor: vim']);
      assert.equal((await facts(env, sub)).length, 2, 'the project sees global facts too');

      const recalled = await run(['recall', 'deploying', '--json'], env, sub);
      assert.deepEqual((JSON.parse(recalled.stdout) as { facts: StoredFact[] }).facts.map((f) => f.text), ['Deploy: make release']);
      const odd = await run(['recall', '"*) OR (NEAR', '--json'], env, sub);
      assert.equal(odd.code, 0, `any text is a safe query: ${odd.stderr}`);

      assert.equal((await run(['forget', 'deploy'], env, sub)).code, 0);
      assert.deepEqual((await facts(env, sub)).map((f) => f.text), ['editor: vim']);
      const missing = await run(['forget', 'deploy'], env, sub);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no fact named "deploy"/);
    });
  });

  it('the facts relevant to a task reach the model in front of it', async () => {
    const fake = await startFakeProvider();
    try {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const env = clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY } });
        const { project } = dirs(h);
        assert.equal((await run(['remember', 'deploy: run make release, never make ship'], env, project)).code, 0);
        assert.equal((await run(['remember', 'lunch: pizza on fridays'], env, project)).code, 0);
        const r = await run(['how do we deploy this service'], env, project);
        assert.equal(r.code, 0, r.stderr);
        const sent = JSON.stringify(fake.requests[0]!.body.messages);
        assert.match(sent, /deploy: run make release, never make ship/);
        assert.doesNotMatch(sent, /pizza/, 'only the relevant facts');
      });
    } finally {
      await fake.close();
    }
  });
});
