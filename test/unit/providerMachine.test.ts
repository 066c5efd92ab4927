import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActor } from 'xstate';
import { providerHealth, providerMachine } from '../../src/actors/provider/providerMachine.js';
import { ManualClock } from '../../src/platform/clock.js';
import type { CallFailure } from '../../src/protocol/providerProtocol.js';

const input = { name: 'openai', maxCooldownMs: 15 * 60_000, defaultCooldownMs: 60_000, breakerFailures: 3, breakerOpenMs: 60_000 };
const fail = (kind: CallFailure['kind'], extra: Partial<CallFailure> = {}): CallFailure => ({ kind, message: `${kind} happened`, moveOn: true, ...extra });

function start(clock: ManualClock) {
  const actor = createActor(providerMachine, { input, clock });
  actor.start();
  return { actor, health: () => providerHealth(actor.getSnapshot()) };
}

test('a 429 cools the provider until its retry-after, then it is ready again (injected clock)', () => {
  const clock = new ManualClock(1_000_000);
  const { actor, health } = start(clock);
  actor.send({ type: 'call.failed', failure: fail('rate_limited', { resetAt: clock.now() + 30_000 }), at: clock.now() });
  assert.deepEqual(health(), { state: 'cooling', until: 1_030_000, why: 'rate_limited happened' });
  clock.advance(29_999);
  assert.equal(health().state, 'cooling');
  clock.advance(1);
  assert.deepEqual(health(), { state: 'ready' });
  actor.stop();
});

test('a multi-hour retry-after is capped, so the fallback is not blocked for hours', () => {
  const clock = new ManualClock(0);
  const { actor, health } = start(clock);
  actor.send({ type: 'call.failed', failure: fail('quota', { resetAt: 5 * 3_600_000 }), at: 0 });
  assert.equal(health().until, input.maxCooldownMs);
  clock.advance(input.maxCooldownMs);
  assert.equal(health().state, 'ready');
  actor.stop();
});

test('repeated 5xx open the circuit breaker; one success in between resets the count', () => {
  const clock = new ManualClock(0);
  const { actor, health } = start(clock);
  actor.send({ type: 'call.failed', failure: fail('server'), at: 0 });
  actor.send({ type: 'call.failed', failure: fail('server'), at: 0 });
  actor.send({ type: 'call.succeeded' });
  actor.send({ type: 'call.failed', failure: fail('server'), at: 0 });
  actor.send({ type: 'call.failed', failure: fail('server'), at: 0 });
  assert.equal(health().state, 'ready');
  actor.send({ type: 'call.failed', failure: fail('overloaded'), at: 0 });
  assert.equal(health().state, 'open');
  clock.advance(input.breakerOpenMs);
  assert.equal(health().state, 'ready');
  actor.stop();
});

test('an auth failure disables the provider with its hint until it is detected again', () => {
  const clock = new ManualClock(0);
  const { actor, health } = start(clock);
  actor.send({ type: 'call.failed', failure: fail('auth', { message: 'openai: 401 invalid key', hint: 'check OPENAI_API_KEY' }), at: 0 });
  assert.deepEqual(health(), { state: 'disabled', why: 'openai: 401 invalid key — check OPENAI_API_KEY' });
  clock.advance(24 * 3_600_000);
  assert.equal(health().state, 'disabled');
  actor.send({ type: 'provider.reset' });
  assert.equal(health().state, 'ready');
  actor.stop();
});
