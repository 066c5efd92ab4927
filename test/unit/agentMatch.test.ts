/**
 * Which agent `relay stop|rm|logs|attach <word>` means: the word is taken as `relay handoff`
 * takes it (an id, an agent name, a relay session id), and a word that fits several agents is
 * an error naming them rather than a guess.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchAgent } from '../../src/actors/agent/agentMatch.js';
import { RelayError } from '../../src/platform/errors.js';
import type { AgentInfo, AgentState } from '../../src/protocol/agentProtocol.js';

function agent(id: string, state: AgentState, extra: Partial<AgentInfo> = {}): AgentInfo {
  const name = id.replace(/-\d+$/, '');
  return {
    id,
    kind: name,
    name,
    command: name,
    args: [],
    cwd: '/w',
    pid: 1,
    state,
    relaySession: null,
    attached: 0,
    startedAt: 0,
    exit: state === 'exited' ? { reason: 'done', code: 0, signal: null } : null,
    ...extra,
  };
}

function refusal(query: string, agents: AgentInfo[]): string {
  try {
    matchAgent(query, agents);
  } catch (e) {
    assert.ok(e instanceof RelayError);
    assert.equal(e.code, 'E_USAGE');
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  assert.fail(`"${query}" was matched`);
}

test('an agent id is taken as it is, even when other agents share its name', () => {
  const agents = [agent('claude-1', 'running'), agent('claude-2', 'running')];
  assert.equal(matchAgent('claude-1', agents).id, 'claude-1');
});

test('an agent name means the one active agent of that name: a parked or exited one of the same name does not make it ambiguous', () => {
  const agents = [agent('claude-1', 'exited'), agent('claude-2', 'parked'), agent('claude-3', 'idle'), agent('codex-1', 'running')];
  assert.equal(matchAgent('claude', agents).id, 'claude-3');
  // Only a parked one left alive: that one (the agent a finished session left behind).
  assert.equal(matchAgent('claude', agents.filter((a) => a.id !== 'claude-3')).id, 'claude-2');
  // Only exited ones, and just one of them.
  assert.equal(matchAgent('codex', [agent('codex-1', 'exited')]).id, 'codex-1');
});

test('a relay session id means its active agent, as relay handoff takes it', () => {
  const agents = [agent('claude-1', 'parked', { relaySession: 'r1' }), agent('codex-2', 'running', { relaySession: 'r1' }), agent('claude-3', 'running', { relaySession: 'r2' })];
  assert.equal(matchAgent('r1', agents).id, 'codex-2');
});

test('a name that fits several agents is refused with their ids', () => {
  assert.equal(refusal('claude', [agent('claude-1', 'running'), agent('claude-2', 'idle')]), '"claude" matches 2 agents: claude-1 (running), claude-2 (idle)');
  assert.equal(refusal('claude', [agent('claude-1', 'exited'), agent('claude-2', 'exited', { previousRun: true })]), '"claude" matches 2 agents: claude-1 (exited), claude-2 (exited)');
});

test('an unknown name is refused, naming the agents that run', () => {
  assert.equal(refusal('gemini', [agent('claude-1', 'running'), agent('codex-1', 'exited')]), 'no agent named "gemini" (running: claude-1 (running))');
  assert.equal(refusal('gemini', []), 'no agent named "gemini"');
});
