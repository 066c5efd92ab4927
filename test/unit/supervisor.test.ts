import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMachine } from 'xstate';
import { ManualClock } from '../../src/platform/clock.js';
import { RelayError } from '../../src/platform/errors.js';
import type { ChildExit, ChildSpec, RestartType, Strategy } from '../../src/platform/childSpec.js';
import { actorChild } from '../../src/supervisor/actorChild.js';
import { Supervisor, supervisorChild, type SupervisorEvent } from '../../src/supervisor/supervisor.js';

/** An in-memory child: each start makes a handle the test can end on demand. */
interface Fake {
  spec: ChildSpec;
  starts: number;
  crash(reason?: string): void;
  exitNormally(): void;
  failNextStart: boolean;
}

function fake(id: string, log: string[], restart: RestartType = 'permanent'): Fake {
  let end: ((e: ChildExit) => void) | undefined;
  const f: Fake = {
    starts: 0,
    failNextStart: false,
    crash: (reason = 'crashed') => end?.({ normal: false, code: 1, reason }),
    exitNormally: () => end?.({ normal: true, code: 0, reason: 'exited with code 0' }),
    spec: {
      id,
      restart,
      shutdownMs: 100,
      async start() {
        if (f.failNextStart) {
          f.failNextStart = false;
          throw new Error(`${id} cannot start`);
        }
        f.starts++;
        log.push(`start:${id}`);
        let final: ChildExit | undefined;
        let resolve!: (e: ChildExit) => void;
        const exited = new Promise<ChildExit>((r) => (resolve = r));
        const settle = (e: ChildExit) => {
          if (!final) (final = e), resolve(e);
        };
        end = settle;
        return {
          exited,
          pid: 1000 + f.starts,
          async stop() {
            if (!final) log.push(`stop:${id}`);
            settle({ normal: true, reason: 'shutdown' });
            return exited;
          },
        };
      },
    },
  };
  return f;
}

function setup(strategy: Strategy, ids: string[], over: { intensity?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const log: string[] = [];
  const events: SupervisorEvent[] = [];
  const kids = Object.fromEntries(ids.map((id) => [id, fake(id, log)])) as Record<string, Fake>;
  const sup = new Supervisor({
    id: 'root',
    strategy,
    intensity: over.intensity ?? 5,
    periodMs: 10_000,
    backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 5000 },
    clock,
    children: ids.map((id) => kids[id]!.spec),
    onEvent: (e) => events.push(e),
  });
  return { clock, log, events, kids, sup };
}

/** Let every queued promise callback run (the supervisor's work is all promise-driven). */
async function drain(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

const types = (events: SupervisorEvent[]) => events.map((e) => `${e.type}${e.child ? `:${e.child}` : ''}`);

test('a crashed child is restarted only after the backoff delay', async () => {
  const { clock, kids, sup, events } = setup('one_for_one', ['a', 'b']);
  await sup.start();
  kids.b!.crash();
  await drain();
  assert.equal(sup.children().find((c) => c.id === 'b')?.state, 'restarting');
  assert.ok(events.some((e) => e.type === 'supervisor.child_restarting' && e.child === 'b' && e.delayMs === 100));

  clock.advance(99);
  await drain();
  assert.equal(kids.b!.starts, 1, 'nothing restarts before the delay');
  clock.advance(1);
  await drain();
  assert.equal(kids.b!.starts, 2);
  assert.equal(kids.a!.starts, 1, 'one_for_one leaves siblings alone');
  assert.deepEqual(
    sup.children().map(({ id, state, restarts }) => ({ id, state, restarts })),
    [{ id: 'a', state: 'running', restarts: 0 }, { id: 'b', state: 'running', restarts: 1 }],
  );
  await sup.stop();
});

test('rest_for_one stops later children in reverse start order and restarts them in order', async () => {
  const { clock, log, kids, sup } = setup('rest_for_one', ['a', 'b', 'c', 'd']);
  await sup.start();
  log.length = 0;
  kids.b!.crash();
  await drain();
  assert.deepEqual(log, ['stop:d', 'stop:c']);
  clock.advance(100);
  await drain();
  assert.deepEqual(log, ['stop:d', 'stop:c', 'start:b', 'start:c', 'start:d']);
  await sup.stop();
});

test('one_for_all stops all others in reverse start order and restarts all in order', async () => {
  const { clock, log, kids, sup, events } = setup('one_for_all', ['a', 'b', 'c']);
  await sup.start();
  log.length = 0;
  kids.b!.crash();
  await drain();
  assert.deepEqual(log, ['stop:c', 'stop:a']);
  clock.advance(100);
  await drain();
  assert.deepEqual(log.slice(2), ['start:a', 'start:b', 'start:c']);
  // Siblings stopped by the restart are reported as shutdowns, not crashes.
  const exits = events.filter((e) => e.type === 'supervisor.child_exited').map((e) => `${e.child}:${e.reason}`);
  assert.deepEqual(exits, ['b:crashed', 'c:shutdown', 'a:shutdown']);
  await sup.stop();
});

test('exceeding the intensity gives up: everything stops in reverse, the reason is emitted, done says gaveUp', async () => {
  const { clock, log, kids, sup, events } = setup('one_for_one', ['a', 'b', 'c'], { intensity: 1 });
  await sup.start();
  kids.b!.crash();
  await drain();
  clock.advance(100);
  await drain();
  assert.equal(kids.b!.starts, 2);
  log.length = 0;
  kids.b!.crash('segfault');
  const outcome = await sup.done;

  assert.equal(outcome.gaveUp, true);
  assert.match(outcome.reason, /child b exited \(segfault\).*intensity of 1/);
  assert.deepEqual(log, ['stop:c', 'stop:a']);
  const gaveUp = events.find((e) => e.type === 'supervisor.gave_up');
  assert.equal(gaveUp?.reason, outcome.reason);
  assert.equal(events.at(-1)?.type, 'supervisor.stopped');
  assert.equal(sup.state, 'stopped');
  assert.ok(sup.children().every((c) => c.state === 'stopped'));
  assert.equal(clock.pending, 0);
});

test('stop() stops children in reverse order and cancels a pending restart', async () => {
  const { clock, log, kids, sup, events } = setup('one_for_one', ['a', 'b', 'c']);
  await sup.start();
  kids.a!.crash();
  await drain();
  assert.equal(clock.pending, 1, 'a restart is scheduled');
  log.length = 0;
  await sup.stop();
  assert.deepEqual(log, ['stop:c', 'stop:b']);
  assert.equal(clock.pending, 0);
  clock.advance(10_000);
  await drain();
  assert.equal(kids.a!.starts, 1, 'the cancelled restart never ran');
  assert.deepEqual(await sup.done, { gaveUp: false, reason: 'stopped' });
  assert.equal(events.at(-1)?.type, 'supervisor.stopped');
  await sup.stop(); // idempotent
});

test('a child that fails to start stops the started ones in reverse and rejects with RelayError', async () => {
  const { log, kids, sup } = setup('one_for_one', ['a', 'b', 'c', 'd']);
  kids.c!.failNextStart = true;
  await assert.rejects(sup.start(), (e: unknown) => e instanceof RelayError && /child c failed to start: c cannot start/.test(e.message));
  assert.deepEqual(log, ['start:a', 'start:b', 'stop:b', 'stop:a']);
  assert.equal(sup.state, 'stopped');
  assert.equal((await sup.done).gaveUp, false);
});

test('transient children that exit normally and temporary ones are removed, not restarted', async () => {
  const clock = new ManualClock();
  const log: string[] = [];
  const events: SupervisorEvent[] = [];
  const t = fake('t', log, 'transient');
  const tmp = fake('tmp', log, 'temporary');
  const sup = new Supervisor({
    id: 'root', strategy: 'one_for_one', intensity: 5, periodMs: 1000,
    backoff: { initialMs: 10, maxMs: 100, resetAfterMs: 1000 }, clock, children: [t.spec, tmp.spec],
    onEvent: (e) => events.push(e),
  });
  await sup.start();
  t.exitNormally();
  tmp.crash();
  await drain();
  clock.advance(1000);
  await drain();
  assert.deepEqual(sup.children(), []);
  assert.deepEqual([t.starts, tmp.starts], [1, 1]);
  assert.deepEqual(types(events).filter((x) => x.includes('removed')), ['supervisor.child_removed:t', 'supervisor.child_removed:tmp']);
  await sup.stop();
});

test('dynamic children: startChild adds and supervises, terminateChild stops and removes', async () => {
  const { clock, log, sup } = setup('one_for_one', ['a']);
  await sup.start();
  const agent = fake('agent:1', log);
  await sup.startChild(agent.spec);
  await assert.rejects(sup.startChild(agent.spec), /already exists/);
  agent.crash();
  await drain();
  clock.advance(100);
  await drain();
  assert.equal(agent.starts, 2);
  assert.equal(await sup.terminateChild('agent:1'), true);
  assert.equal(await sup.terminateChild('agent:1'), false);
  assert.deepEqual(sup.children().map((c) => c.id), ['a']);
  assert.equal(log.at(-1), 'stop:agent:1');
  await sup.stop();
});

for (const [restart, restarted] of [['permanent', true], ['temporary', false]] as const) {
  test(`a nested supervisor that gives up is ${restarted ? 'restarted' : 'removed'} by its parent (${restart})`, async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const events: SupervisorEvent[] = [];
    const worker = fake('worker', log);
    const backoff = { initialMs: 50, maxMs: 500, resetAfterMs: 1000 };
    const inner = supervisorChild('agents', restart, 1000, () =>
      new Supervisor({ id: 'agents', strategy: 'one_for_one', intensity: 0, periodMs: 1000, backoff, clock, children: [worker.spec], onEvent: (e) => events.push(e) }),
    );
    const root = new Supervisor({ id: 'root', strategy: 'one_for_one', intensity: 3, periodMs: 1000, backoff, clock, children: [inner], onEvent: (e) => events.push(e) });
    await root.start();
    worker.crash();
    await drain();
    const innerGaveUp = events.find((e) => e.type === 'supervisor.gave_up');
    assert.equal(innerGaveUp?.supervisor, 'agents');
    const innerExit = events.find((e) => e.supervisor === 'root' && e.type === 'supervisor.child_exited');
    assert.match(innerExit?.reason ?? '', /^gave up: child worker/);

    clock.advance(50);
    await drain();
    if (restarted) {
      assert.equal(worker.starts, 2, 'the parent started a fresh nested supervisor');
      assert.deepEqual(root.children().map(({ id, state, restarts }) => ({ id, state, restarts })), [{ id: 'agents', state: 'running', restarts: 1 }]);
    } else {
      assert.equal(worker.starts, 1);
      assert.deepEqual(root.children(), []);
    }
    await root.stop();
    assert.equal((await root.done).gaveUp, false);
    // Stopping the root stops the nested tree too; a removed one has nothing left to stop.
    assert.deepEqual(log.filter((l) => l.startsWith('stop')), restarted ? ['stop:worker'] : []);
  });
}

test('an xstate actor child that errors exits abnormally and is restarted', async () => {
  const clock = new ManualClock();
  const events: SupervisorEvent[] = [];
  let entries = 0;
  const machine = createMachine({
    initial: 'up',
    states: {
      up: {
        entry: () => entries++,
        after: { 1000: { actions: () => { throw new Error('boom'); } } },
      },
    },
  });
  const sup = new Supervisor({
    id: 'root', strategy: 'one_for_one', intensity: 3, periodMs: 60_000,
    backoff: { initialMs: 100, maxMs: 1000, resetAfterMs: 60_000 }, clock,
    children: [actorChild({ id: 'budget', restart: 'permanent', shutdownMs: 100, logic: machine, clock, systemId: 'budget' })],
    onEvent: (e) => events.push(e),
  });
  await sup.start();
  assert.equal(entries, 1);
  clock.advance(1000);
  await drain();
  const exit = events.find((e) => e.type === 'supervisor.child_exited');
  assert.equal(exit?.reason, 'boom');
  clock.advance(100);
  await drain();
  assert.equal(entries, 2);
  await sup.stop();
  const last = events.filter((e) => e.type === 'supervisor.child_exited').at(-1);
  assert.equal(last?.reason, 'shutdown');
});

test('one_for_all: a child that fails its restart does not leave a sibling running outside the tree', async () => {
  const { clock, log, kids, sup } = setup('one_for_all', ['a', 'b']);
  await sup.start();
  kids.a!.failNextStart = true;
  kids.b!.crash();
  await drain();
  clock.advance(100); // first restart: a fails to start
  await drain();
  clock.advance(1_000); // the restart that failure scheduled
  await drain();
  // b crashed; a failed its first restart, so both start again once, together, after the backoff.
  assert.deepEqual(log, ['start:a', 'start:b', 'stop:a', 'start:a', 'start:b']);
  assert.deepEqual(
    sup.children().map((c) => [c.id, c.state]),
    [
      ['a', 'running'],
      ['b', 'running'],
    ],
  );
  await sup.stop();
});
