import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActor, waitFor } from 'xstate';
import type { AgentInfo } from '../../src/protocol/agentProtocol.js';
import type { NewEvent } from '../../src/protocol/eventRecord.js';
import type { QuotaLow } from '../../src/protocol/proxyProtocol.js';
import type { RateLimited } from '../../src/protocol/rateLimited.js';
import type { SnapshotInfo } from '../../src/protocol/relayProtocol.js';
import { ManualClock } from '../../src/platform/clock.js';
import { relayPaths } from '../../src/platform/paths.js';
import { DeliveredHookIds } from '../../src/actors/hooks/deliveredHookIds.js';
import { handleHookEvent, type HookListenerDeps } from '../../src/actors/hooks/hookListener.js';
import { endsTurn } from '../../src/adapters/registry.js';
import {
  createRelaySessionMachine,
  type HandoffOutcome,
  type HandoffRequest,
  type SuccessorChoice,
} from '../../src/supervisor/relay/relaySessionMachine.js';

/** 2026-11-21 10:00:00 UTC. */
const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
const MIN = 60_000;

function agentInfo(id: string, name: string): AgentInfo {
  return {
    id,
    kind: name === 'claude' || name === 'codex' ? name : 'cli',
    name,
    command: name,
    args: [],
    cwd: '/w',
    pid: 1,
    state: 'running',
    relaySession: 'r1',
    attached: 0,
    startedAt: T0,
    exit: null,
  };
}

function quota(agent: string, over: Partial<QuotaLow> = {}): QuotaLow {
  return {
    source: 'proxy',
    agent,
    route: 'anthropic',
    window: 'requests',
    remaining: 8,
    limit: 100,
    share: 0.08,
    threshold: 0.1,
    resetAt: T0 + 57 * MIN,
    at: T0,
    ...over,
  };
}

function limit(agent: string): RateLimited {
  return { source: 'hook:claude', agent, severity: 'limit', rule: 'claude.stop_failure', matched: 'rate_limit', at: T0 };
}

/** One session of claude → codex over fakes: the handoffs asked for, the events logged. */
function world(opts: { choice?: SuccessorChoice; order?: string[] } = {}) {
  const clock = new ManualClock(T0);
  const handoffs: HandoffRequest[] = [];
  const events: NewEvent[] = [];
  const chosen: HandoffRequest[] = [];
  const machine = createRelaySessionMachine(
    {
      clock,
      debounceMs: 30_000,
      actOnWarnings: false,
      retryMs: 60_000,
      performHandoff: async (req): Promise<HandoffOutcome> => {
        handoffs.push(req);
        const to = req.preferred ?? 'codex';
        const snapshot: SnapshotInfo = {
          id: `s${handoffs.length}`,
          relaySession: req.relaySession,
          fromAgent: req.fromAgent,
          toAgent: `${to}-1`,
          reason: req.trigger.kind === 'limit' ? req.trigger.limit.rule : req.trigger.kind,
          limitedUntil: null,
          path: `/snap/s${handoffs.length}.md`,
          createdAt: clock.now(),
        };
        return { kind: 'handedOff', agent: agentInfo(`${to}-1`, to), snapshot, markdown: '# snapshot', turns: [] };
      },
      chooseSuccessor: (req) => {
        chosen.push(req);
        return opts.choice ?? { name: 'codex', gaps: [] };
      },
      record: (e) => events.push(e),
    },
    // Local time varies by machine: the reason's clock time is UTC here.
    (at) => new Date(at).toISOString().slice(11, 16),
  );
  const actor = createActor(machine, {
    input: { id: 'r1', order: opts.order ?? ['claude', 'codex'], first: { id: 'claude-1', name: 'claude' }, cwd: '/w', task: 'fix the bug' },
    clock,
  });
  actor.start();
  const settled = () => waitFor(actor, (s) => !s.matches('handingOff'), { timeout: 2_000 });
  const ofType = (type: string) => events.filter((e) => e.type === type);
  return { clock, actor, handoffs, events, chosen, settled, ofType };
}

test('quota_low then the turn end: one handoff to the chosen successor, at the turn end and not before', async () => {
  const w = world();
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'successorChosen' });
  assert.equal(w.handoffs.length, 0, 'no handoff before the turn ends');
  const planned = w.ofType('handoff.planned');
  assert.equal(planned.length, 1);
  assert.equal(planned[0]?.payload.to, 'codex');
  assert.equal(planned[0]?.payload.reason, 'quota_low requests 8% left, resets 10:57');
  assert.equal(w.ofType('handoff.started').length, 0);

  w.actor.send({ type: 'turn.ended', agent: 'claude-1', at: T0 + MIN });
  await w.settled();
  assert.equal(w.handoffs.length, 1);
  const req = w.handoffs[0]!;
  assert.equal(req.trigger.kind, 'quota_low');
  assert.equal(req.preferred, 'codex');
  const started = w.ofType('handoff.started');
  assert.equal(started.length, 1);
  assert.equal(started[0]?.payload.trigger, 'quota_low');
  assert.equal(started[0]?.payload.reason, 'quota_low requests 8% left, resets 10:57');
  assert.equal(w.ofType('handoff.completed')[0]?.payload.to, 'codex');
  const after = w.actor.getSnapshot();
  assert.deepEqual(after.value, { running: 'working' });
  assert.equal(after.context.activeAgent, 'codex-1');
  assert.equal(after.context.planned, null);
});

test('five quota_lows and a turn end: one choice, one handoff', async () => {
  const w = world();
  for (let i = 0; i < 5; i++) w.actor.send({ type: 'quota.low', quota: quota('claude', { remaining: 8 - i, share: (8 - i) / 100 }) });
  assert.equal(w.chosen.length, 1, 'the successor is chosen once');
  assert.equal(w.ofType('handoff.planned').length, 1);
  w.actor.send({ type: 'turn.ended', agent: 'claude', at: T0 + MIN });
  w.actor.send({ type: 'turn.ended', agent: 'claude', at: T0 + MIN });
  await w.settled();
  assert.equal(w.handoffs.length, 1);
  assert.equal(w.ofType('handoff.started').length, 1);
});

test('quota_low then a real rate limit before the turn ends: one immediate handoff, to the chosen successor', async () => {
  const w = world();
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  w.actor.send({ type: 'limit.reported', limit: limit('claude-1') });
  assert.ok(w.actor.getSnapshot().matches('handingOff'), 'the limit hands off at once');
  // The turn that failed ends too: it must not start a second handoff.
  w.actor.send({ type: 'turn.ended', agent: 'claude-1', at: T0 + MIN });
  await w.settled();
  w.actor.send({ type: 'turn.ended', agent: 'claude-1', at: T0 + MIN });
  assert.equal(w.handoffs.length, 1);
  assert.equal(w.handoffs[0]?.trigger.kind, 'limit');
  assert.equal(w.handoffs[0]?.preferred, 'codex');
  const started = w.ofType('handoff.started');
  assert.equal(started.length, 1);
  assert.equal(started[0]?.payload.to, 'codex');
});

test('quota_low for another agent name, or a turn end of another agent: nothing', async () => {
  const w = world();
  w.actor.send({ type: 'quota.low', quota: quota('gemini') });
  w.actor.send({ type: 'quota.low', quota: quota('codex-7') });
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'working' });
  assert.equal(w.chosen.length, 0);
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  w.actor.send({ type: 'turn.ended', agent: 'codex', at: T0 + MIN });
  w.actor.send({ type: 'turn.ended', agent: 'claude-2', at: T0 + MIN });
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'successorChosen' });
  assert.equal(w.handoffs.length, 0);
  assert.equal(w.events.filter((e) => e.type.startsWith('handoff.') && e.type !== 'handoff.planned').length, 0);
});

test('quota_low with no next agent available: no plan, the reason logged, and a turn end changes nothing', async () => {
  const w = world({ choice: { name: null, gaps: [{ name: 'codex', why: 'not_installed' }] } });
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'working' });
  const np = w.ofType('handoff.not_planned');
  assert.equal(np.length, 1);
  assert.match(String(np[0]?.payload.reason), /^quota_low requests 8% left, resets 10:57; no other agent can take over$/);
  assert.deepEqual(np[0]?.payload.unavailable, [{ name: 'codex', why: 'not_installed' }]);
  w.actor.send({ type: 'turn.ended', agent: 'claude-1', at: T0 + MIN });
  assert.equal(w.handoffs.length, 0);
  // The hard limit still hands off as before.
  w.actor.send({ type: 'limit.reported', limit: limit('claude-1') });
  await w.settled();
  assert.equal(w.handoffs.length, 1);
  assert.equal(w.handoffs[0]?.trigger.kind, 'limit');
});

test('an order with only the active agent: a quota_low is not acted on', () => {
  const w = world({ order: ['claude'] });
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'working' });
  assert.equal(w.chosen.length, 0);
  assert.equal(w.events.length, 0);
});

test('the window resets before the turn ends: the plan lapses, a later turn end hands nothing off', async () => {
  const w = world();
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  w.clock.advance(58 * MIN);
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'working' });
  assert.equal(w.ofType('handoff.plan_lapsed').length, 1);
  assert.equal(w.actor.getSnapshot().context.planned, null);
  w.actor.send({ type: 'turn.ended', agent: 'claude-1', at: w.clock.now() });
  assert.equal(w.handoffs.length, 0);
  // A new low window plans again.
  w.actor.send({ type: 'quota.low', quota: quota('claude', { resetAt: w.clock.now() + 30 * MIN }) });
  assert.deepEqual(w.actor.getSnapshot().value, { running: 'successorChosen' });
  w.actor.stop();
  assert.equal(w.clock.pending, 0, 'no timer left behind');
});

test('the active agent exits done while a successor is chosen: the session ends, no handoff', () => {
  const w = world();
  w.actor.send({ type: 'quota.low', quota: quota('claude') });
  w.actor.send({ type: 'agent.exited', agent: { ...agentInfo('claude-1', 'claude'), state: 'exited', exit: { code: 0, signal: null, reason: 'done' } } });
  assert.equal(w.actor.getSnapshot().value, 'ended');
  assert.equal(w.handoffs.length, 0);
  assert.equal(w.clock.pending, 0);
});

test('each hooked CLI names the hook event that ends its turn', () => {
  assert.ok(endsTurn('claude', 'Stop'));
  assert.ok(endsTurn('codex', 'Stop'));
  assert.ok(endsTurn('gemini', 'AfterAgent'));
  assert.ok(endsTurn('opencode', 'session.idle'));
  assert.equal(endsTurn('claude', 'StopFailure'), false);
  assert.equal(endsTurn('claude', 'SessionEnd'), false);
  assert.equal(endsTurn('gemini', 'Stop'), false);
  assert.equal(endsTurn('cli', 'Stop'), false);
});

test('the hook listener reports a turn end by agent id (or CLI name), and never for a turn that ended in a limit', async () => {
  const ended: Array<[string, number]> = [];
  const limits: RateLimited[] = [];
  let seq = 0;
  const deps: HookListenerDeps = {
    paths: relayPaths('/nonexistent-relay-home'),
    record: (e) => ({ ...e, seq: ++seq, at: T0 }),
    durable: async () => undefined,
    reportLimit: (e) => limits.push(e),
    turnEnded: (agent, at) => ended.push([agent, at]),
    isLogged: () => false,
    warn: () => undefined,
  };
  const delivered = new DeliveredHookIds(() => false);
  await handleHookEvent(deps, delivered, { v: 1, agent: 'claude', event: 'Stop', relayAgent: 'claude-1', relaySession: 'r1', at: T0 + 1 });
  await handleHookEvent(deps, delivered, { v: 1, agent: 'gemini', event: 'AfterAgent', at: T0 + 2 });
  await handleHookEvent(deps, delivered, { v: 1, agent: 'claude', event: 'SessionStart', relayAgent: 'claude-1', at: T0 + 3 });
  await handleHookEvent(deps, delivered, {
    v: 1,
    agent: 'codex',
    event: 'Stop',
    relayAgent: 'codex-1',
    limit: { severity: 'limit', rule: 'codex.usage_limit', matched: 'usage limit' },
    at: T0 + 4,
  });
  assert.deepEqual(ended, [
    ['claude-1', T0 + 1],
    ['gemini', T0 + 2],
  ]);
  assert.equal(limits.length, 1, 'the limit went the limit path');
});
