/**
 * The conversation graph from the command line, against the real daemon and a fake provider:
 * the one-liner continues the current session; fork, merge and attach really change what the
 * model is sent (a shared prefix once); list, show, log, diff, graph, context, rename, delete.
 */
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeProjectDirName } from '../../src/adapters/claudeTranscript.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fakeProviderServer.js';
import { agentEnv, fakeLog, inTempHome, plain, startRelay, startRelayPty, stopDaemonAndAssertGone, WAIT_MS, workDir } from '../helpers/relayWorld.js';
import type { TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';
import type { ContextPlanInfo, SessionGraph, SessionInfo } from '../../src/protocol/sessionProtocol.js';

type Env = NodeJS.ProcessEnv;

async function relay(env: Env, cwd: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return startRelay(args, env, cwd, 60_000).done;
}

async function ok(env: Env, cwd: string, ...args: string[]): Promise<string> {
  const r = await relay(env, cwd, ...args);
  assert.equal(r.code, 0, `relay ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function json<T>(env: Env, cwd: string, ...args: string[]): Promise<T> {
  return JSON.parse(await ok(env, cwd, ...args, '--json')) as T;
}

/** The chat text the model was sent in request `i`, one message per line, roles first. */
function sent(fake: FakeProvider, i: number): string {
  const messages = fake.requests[i]!.body.messages as { role: string; content: string }[];
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}

/** A session the real Claude Code wrote (agent-samples), kept in the repo. */
const SAMPLE = join(import.meta.dirname, '..', 'fixtures', 'transcripts', 'home', '.claude', 'projects', '-home-dev-project', '11111111-2222-4333-8444-555555555555.jsonl');

/**
 * A long Claude Code session on disk, in the recorded transcript's own line shapes: `turns`
 * user/assistant pairs of about 600 tokens each, in `cwd`'s project directory.
 */
function claudeSession(configDir: string, cwd: string, id: string, turns: number): void {
  const lines = readFileSync(SAMPLE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  const user = lines.find((l) => l.type === 'user' && typeof l.message?.content === 'string')!;
  const assistant = lines.find((l) => l.type === 'assistant')!;
  const out: string[] = [];
  for (let i = 0; i < turns; i++) {
    const at = new Date(Date.UTC(2026, 10, 21, 9, 0, i)).toISOString();
    out.push(JSON.stringify({ ...user, uuid: `u-${i}`, sessionId: id, cwd, timestamp: at, message: { role: 'user', content: `step ${i}: ${'please refactor the parser '.repeat(100)}` } }));
    out.push(JSON.stringify({ ...assistant, uuid: `a-${i}`, sessionId: id, cwd, timestamp: at, message: { ...assistant.message, content: [{ type: 'text', text: `done ${i}: ${'the parser is refactored '.repeat(100)}` }] } }));
  }
  const dir = join(configDir, 'projects', claudeProjectDirName(cwd));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.jsonl`), `${out.join('\n')}\n`);
}

/**
 * A private Relay world with the fake provider behind two configured providers (alpha the
 * cheaper), the client's environment holding their keys and a Claude config dir; all torn down after.
 */
async function inWorkspace(body: (w: { h: TempHome; fake: FakeProvider; env: Env }) => Promise<void>): Promise<void> {
  const fake = await startFakeProvider();
  try {
    await inTempHome(async (h) => {
      writeConfig(h, twoProvidersConfig(fake.url));
      await body({ h, fake, env: clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY, CLAUDE_CONFIG_DIR: claudeConfigDir(h) } }) });
    });
  } finally {
    await fake.close();
  }
}

const claudeConfigDir = (h: TempHome): string => join(h.root, 'claude-config');

/** A project directory where Claude Code ran a 30-turn session; its path. */
function longClaudeSession(h: TempHome): string {
  const project = join(h.root, 'shop');
  mkdirSync(project, { recursive: true });
  claudeSession(claudeConfigDir(h), project, '11111111-2222-4333-8444-555555555555', 30);
  return project;
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('relay session', { timeout: 240_000 }, () => {
  it('the one-liner continues the current session; --new starts one; --session picks one', async () => {
    await inWorkspace(async ({ h, fake, env }) => {
      fake.enqueue({ kind: 'answer', text: 'Paris is the capital.' }, { kind: 'answer', text: 'About 2 million.' }, { kind: 'answer', text: 'Fresh.' });
      await ok(env, h.root, 'what is the capital of France');
      const second = await relay(env, h.root, 'how many people live there');
      assert.match(second.stderr, /session #1: continuing after 2 earlier turns \(--new starts a fresh one\)/);
      assert.match(sent(fake, 1), /user: what is the capital of France\nassistant: Paris is the capital\.\n/, 'the earlier turn goes with the next one');
      await ok(env, h.root, '--new', 'tell me a joke');
      assert.doesNotMatch(sent(fake, 2), /capital/, '--new starts with nothing');

      const { sessions } = await json<{ sessions: SessionInfo[] }>(env, h.root, 'session', 'list');
      assert.deepEqual(sessions.map((s) => [s.number, s.messages, s.current]), [[2, 2, true], [1, 4, false]]);
      fake.enqueue({ kind: 'answer', text: 'Lyon is second.' });
      await ok(env, h.root, '--session', '1', 'and the second city');
      assert.match(sent(fake, 3), /capital of France[\s\S]*how many people/, '--session 1 continues #1');
      const list = await ok(env, h.root, 'session', 'list');
      assert.match(list, /^\*#1 /m, 'the session worked in last is the current one');
    });
  });

  it('fork and merge: the merged session sends the shared prefix once, then each side; graph shows the merge once', async () => {
    await inWorkspace(async ({ h, fake, env }) => {
      fake.enqueue({ kind: 'answer', text: 'Use Postgres.' }, { kind: 'answer', text: 'Add an index.' }, { kind: 'answer', text: 'Use Redis.' });
      await ok(env, h.root, 'which database for the shop');
      await ok(env, h.root, 'how to make orders fast');
      const fork = await json<SessionInfo>(env, h.root, 'session', 'fork', '1', '--name', 'cache idea');
      assert.equal(fork.number, 2);
      assert.equal(fork.lineage, 'fork of #1');
      await ok(env, h.root, 'what about a cache');
      assert.match(sent(fake, 2), /which database[\s\S]*Add an index\.[\s\S]*what about a cache/, 'a fork carries its parent\'s history');

      fake.enqueue({ kind: 'answer', text: 'Both, then.' });
      await ok(env, h.root, '--session', '1', 'and backups');
      const merged = await json<SessionInfo>(env, h.root, 'session', 'merge', '1', '2');
      assert.equal(merged.lineage, 'Derived: #1 #2');
      assert.equal(merged.current, true);
      fake.enqueue({ kind: 'answer', text: 'Summary.' });
      await ok(env, h.root, 'sum it up');
      const text = sent(fake, 4);
      assert.equal(count(text, 'which database for the shop'), 1, `the shared prefix once:\n${text}`);
      assert.match(text, /what about a cache/, "the fork's side");
      assert.match(text, /and backups/, "#1's side since the fork");

      const graph = await json<SessionGraph>(env, h.root, 'session', 'graph');
      assert.equal(graph.nodes.length, 3);
      const mergeEdges = graph.edges.filter((e) => e.child === merged.id && e.kind === 'merge');
      assert.equal(mergeEdges.length, 2, 'one node, two parents');
      const drawn = await ok(env, h.root, 'session', 'graph');
      assert.equal(count(drawn, '#3'), 1, `the merged session is drawn once:\n${drawn}`);
      for (const line of drawn.split('\n')) assert.ok(line.length <= 80, `fits 80 columns: ${line}`);

      const diff = await json<{ onlyA: { content: string }[]; onlyB: { content: string }[] }>(env, h.root, 'session', 'diff', '1', '2');
      assert.deepEqual(diff.onlyA.map((m) => m.content), ['and backups', 'Both, then.']);
      assert.deepEqual(diff.onlyB.map((m) => m.content), ['what about a cache', 'Use Redis.']);

      const { plan } = await json<{ plan: ContextPlanInfo }>(env, h.root, 'session', 'context', '3');
      assert.ok(plan.totalTokens > 0 && plan.totalTokens <= plan.budgetTokens);
      assert.equal(plan.parts.filter((p) => p.content === 'which database for the shop').length, 1);
      assert.ok(plan.parts.every((p) => p.tokens > 0 && p.why.length > 0), 'every part says its size and why');
      const shown = await ok(env, h.root, 'session', 'context', '3');
      assert.match(shown, /^context of #3: /);

      const log = await ok(env, h.root, 'session', 'log', '2');
      assert.match(log, /fork of #1/);
    });
  });

  it('attach, rename, delete: a deleted parent never breaks the history made from it', async () => {
    await inWorkspace(async ({ h, fake, env }) => {
      fake.enqueue({ kind: 'answer', text: 'The API spec.' }, { kind: 'answer', text: 'The UI.' }, { kind: 'answer', text: 'Together.' });
      await ok(env, h.root, 'describe the api');
      await ok(env, h.root, '--new', 'describe the ui');
      const attached = await json<{ session: SessionInfo }>(env, h.root, 'session', 'attach', '1');
      assert.equal(attached.session.number, 2);
      assert.match(attached.session.lineage, /attached #1/);
      await ok(env, h.root, 'how do they fit');
      assert.match(sent(fake, 2), /describe the api[\s\S]*describe the ui[\s\S]*how do they fit/);

      const renamed = await json<SessionInfo>(env, h.root, 'session', 'rename', '2', 'front', 'end');
      assert.equal(renamed.name, 'front end');

      const refused = await relay(env, h.root, 'session', 'delete', '1');
      assert.equal(refused.code, 2, 'no terminal to ask on: --yes is needed');
      assert.match(refused.stderr, /--yes/);
      await ok(env, h.root, 'session', 'delete', '1', '--yes');
      const { messages } = await json<{ messages: unknown[] }>(env, h.root, 'session', 'show', '2');
      assert.equal(messages.length, 4);
      fake.enqueue({ kind: 'answer', text: 'Still here.' });
      await ok(env, h.root, 'and now');
      assert.match(sent(fake, 3), /describe the api/, "an attached session's context outlives its deletion");
      const missing = await relay(env, h.root, 'session', 'show', '1');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no session 1/);
    });
  });

  it('a Claude Code session imported and continued: its older turns are summarised once by the cheapest model, and the summary is reused', async () => {
    await inWorkspace(async ({ h, fake, env }) => {
      const project = longClaudeSession(h);

      const imported = await json<SessionInfo & { turns: number }>(env, project, 'session', 'import', 'claude', '--latest');
      assert.equal(imported.turns, 60);
      assert.match(imported.lineage, /^imported from claude 11111111/);
      const again = await ok(env, project, 'session', 'import', 'claude');
      assert.match(again, /already imported, nothing new/);

      fake.enqueue({ kind: 'answer', text: 'They refactored the parser in 30 steps.' }, { kind: 'answer', text: 'Next: tests.' });
      const r = await relay(env, project, 'what is left to do');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /summarised \d+ older turns of this conversation with alpha\/alpha-small/);
      assert.equal(fake.requests.length, 2, 'one summary call, then the answer');
      assert.match(sent(fake, 0), /user: The conversation:\nUser: step 0: /);
      assert.equal(fake.requests[0]!.body.model, 'alpha-small', 'the cheapest model summarises');
      const answer = sent(fake, 1);
      assert.match(answer, /Summary of the \d+ earliest turns of this conversation:\nThey refactored the parser in 30 steps\./);
      assert.match(answer, /done 29: /, 'the newest turns are there as they are');
      assert.doesNotMatch(answer, /step 0: /, 'the summarised ones are not');
      assert.equal(r.stdout.trim(), 'Next: tests.');

      fake.enqueue({ kind: 'answer', text: 'Yes.' });
      const next = await relay(env, project, 'shall we start');
      assert.equal(next.code, 0, next.stderr);
      assert.equal(fake.requests.length, 3, 'the stored summary is reused: no second summary call');
      assert.match(sent(fake, 2), /They refactored the parser in 30 steps\./);
    });
  });

  it('a budget that refuses the summary call leaves the older turns out and calls nothing', async () => {
    await inWorkspace(async ({ h, fake, env }) => {
      const project = longClaudeSession(h);
      await ok(env, project, 'session', 'import', 'claude');
      await ok(env, project, 'budget', 'set', '--daily', '0.000001');
      const r = await relay(env, project, 'what is left to do');
      assert.equal(r.code, 10, r.stderr);
      assert.match(r.stderr, /older turns left out, not summarised: /);
      assert.equal(fake.requests.length, 0, 'neither the summary nor the task was called');
      const { plan } = await json<{ plan: ContextPlanInfo }>(env, project, 'session', 'context');
      assert.equal(plan.compacted?.by, 'marker', 'no summary was stored');
    });
  });

  it('open --in codex: the session continues in the agent, supervised, its context the first prompt', async () => {
    await inTempHome(async (h) => {
      const project = workDir(h);
      claudeSession(claudeConfigDir(h), project, '11111111-2222-4333-8444-555555555555', 2);
      const env = agentEnv(h, { CLAUDE_CONFIG_DIR: claudeConfigDir(h), FAKE_AGENT_SCRIPT: 'ok' });
      const imported = await json<SessionInfo>(env, project, 'session', 'import', 'claude');
      const open = startRelayPty(['session', 'open', String(imported.number), '--in', 'codex'], env, project);
      await waitFor(() => fakeLog(h).some((s) => s.kind === 'codex' && s.event === 'start'), 'codex to start', WAIT_MS);
      const start = fakeLog(h).find((s) => s.kind === 'codex' && s.event === 'start')!;
      assert.match(start.prompt ?? '', new RegExp(`^You are continuing Relay session #${imported.number}`));
      assert.match(start.prompt ?? '', /## User\nstep 0: [\s\S]*## Assistant\ndone 1: /, 'the turns, in order, with who said them');
      await waitFor(async () => (await open.screen()).some((l) => l.includes('MOCK_OK')), 'the agent to answer on the terminal', WAIT_MS);
      open.write('\x1d');
      const exit = await open.exited;
      assert.equal(exit.exitCode, 0, plain(open.raw()));
      assert.match(plain(open.raw()), /detached from codex-1/);

      const missing = await relay({ ...env, PATH: join(h.root, 'no-such-dir') }, project, 'session', 'open', '1', '--in', 'gemini');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /gemini is not on this PATH/);
      await stopDaemonAndAssertGone(h, start.pid ? [start.pid] : []);
    });
  });
});
