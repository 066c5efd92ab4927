import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildExit, RestartType, Strategy } from '../../src/platform/childSpec.js';
import {
  backoffDelay,
  decideRestart,
  shouldRestart,
  type ExitFacts,
  type RestartPolicy,
} from '../../src/supervisor/restartPolicy.js';

const crash: ChildExit = { normal: false, code: 1, reason: 'exited with code 1' };
const clean: ChildExit = { normal: true, code: 0, reason: 'exited with code 0' };

function policy(strategy: Strategy = 'one_for_one', over: Partial<RestartPolicy> = {}): RestartPolicy {
  return { strategy, intensity: 3, periodMs: 5000, backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 10_000 }, ...over };
}

function facts(over: Partial<ExitFacts> = {}): ExitFacts {
  const ids = ['a', 'b', 'c', 'd'];
  return {
    children: ids.map((id) => ({ id, restart: 'permanent' as RestartType })),
    restartTimes: [],
    childId: 'b',
    exit: crash,
    failures: 0,
    startedAt: 50_000,
    now: 50_500,
    ...over,
  };
}

test('one_for_one restarts only the child that exited', () => {
  assert.deepEqual(decideRestart(policy('one_for_one'), facts()), {
    action: 'restart', stop: [], start: ['b'], delayMs: 100, failures: 1,
  });
});

test('rest_for_one stops the later children in reverse order and restarts from the child on', () => {
  const d = decideRestart(policy('rest_for_one'), facts());
  assert.equal(d.action, 'restart');
  assert.deepEqual(d.action === 'restart' && [d.stop, d.start], [['d', 'c'], ['b', 'c', 'd']]);
});

test('one_for_all stops every other child in reverse order and restarts all in order', () => {
  const d = decideRestart(policy('one_for_all'), facts());
  assert.deepEqual(d.action === 'restart' && [d.stop, d.start], [['d', 'c', 'a'], ['a', 'b', 'c', 'd']]);
});

test('a temporary sibling is stopped by a group restart but not started again', () => {
  const children = facts().children.map((c) => (c.id === 'c' ? { ...c, restart: 'temporary' as RestartType } : c));
  const d = decideRestart(policy('one_for_all'), facts({ children }));
  assert.deepEqual(d.action === 'restart' && [d.stop, d.start], [['d', 'c', 'a'], ['a', 'b', 'd']]);
});

test('restart types: permanent always, transient only abnormal, temporary never', () => {
  const cases: [RestartType, ChildExit, string][] = [
    ['permanent', clean, 'restart'],
    ['permanent', crash, 'restart'],
    ['transient', clean, 'ignore'],
    ['transient', crash, 'restart'],
    ['temporary', clean, 'ignore'],
    ['temporary', crash, 'ignore'],
  ];
  for (const [restart, exit, action] of cases) {
    const children = [{ id: 'b', restart }];
    assert.equal(decideRestart(policy(), facts({ children, exit })).action, action, `${restart} after ${exit.reason}`);
    assert.equal(shouldRestart(restart, exit), action === 'restart');
  }
});

test('the restart beyond the intensity within the period gives up, naming the child and the numbers', () => {
  const now = 50_500;
  const within = [now - 4000, now - 2000, now - 1];
  const d = decideRestart(policy('one_for_one', { intensity: 3 }), facts({ restartTimes: within, now }));
  assert.equal(d.action, 'give_up');
  assert.match(d.action === 'give_up' ? d.reason : '', /child b .*exited with code 1.*restart 4 within 5000ms.*intensity of 3/);
  // The third restart in the window is still allowed.
  assert.equal(decideRestart(policy(), facts({ restartTimes: within.slice(1), now })).action, 'restart');
});

test('intensity 0 gives up on the first restart', () => {
  assert.equal(decideRestart(policy('one_for_one', { intensity: 0 }), facts()).action, 'give_up');
});

test('restarts older than the period do not count', () => {
  const now = 50_500;
  const old = [now - 9000, now - 6000, now - 5000, now - 100];
  assert.equal(decideRestart(policy(), facts({ restartTimes: old, now })).action, 'restart');
});

test('a transient child that exits normally is ignored even when the intensity is spent', () => {
  const children = [{ id: 'b', restart: 'transient' as RestartType }];
  const d = decideRestart(policy('one_for_one', { intensity: 0 }), facts({ children, exit: clean }));
  assert.deepEqual(d, { action: 'ignore' });
});

test('backoff doubles per consecutive failure and is capped', () => {
  const delays = [0, 1, 2, 3, 4, 5].map((failures) => {
    const d = decideRestart(policy(), facts({ failures }));
    return d.action === 'restart' ? d.delayMs : -1;
  });
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay({ initialMs: 10, maxMs: 1e6, factor: 3, resetAfterMs: 0 }, 2), 90);
});

test('backoff resets after resetAfterMs of uptime', () => {
  const stable = decideRestart(policy(), facts({ failures: 4, startedAt: 0, now: 10_000 }));
  assert.deepEqual(stable.action === 'restart' && [stable.delayMs, stable.failures], [100, 1]);
  const flapping = decideRestart(policy(), facts({ failures: 4, startedAt: 0, now: 9_999 }));
  assert.deepEqual(flapping.action === 'restart' && [flapping.delayMs, flapping.failures], [1000, 5]);
});
