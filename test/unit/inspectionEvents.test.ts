import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, setup } from 'xstate';
import { createInspectionRecorder, stateValueToString } from '../../src/supervisor/inspectionEvents.js';
import type { NewEvent } from '../../src/protocol/eventRecord.js';

const machine = setup({
  types: { events: {} as { type: 'go'; secret?: string } | { type: 'boom' } },
  actors: {
    explode: fromPromise(async () => {
      throw new Error('exploded');
    }),
  },
}).createMachine({
  initial: 'idle',
  states: {
    idle: { on: { go: 'running' } },
    running: {
      initial: 'attached',
      states: { attached: {} },
      on: {
        go: 'done',
        boom: 'failing',
      },
    },
    // An invoked actor that rejects with no onError fails the machine.
    failing: { invoke: { src: 'explode' } },
    done: { type: 'final' },
  },
});

test('state changes become flat actor.transition records named by systemId', () => {
  const events: NewEvent[] = [];
  const actor = createActor(machine, { systemId: 'agent:test-1', inspect: createInspectionRecorder((e) => events.push(e)) });
  actor.start();
  actor.send({ type: 'go', secret: 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx' });
  actor.send({ type: 'go' });
  assert.deepEqual(
    events.map((e) => [e.type, e.actor, e.payload.from ?? null, e.payload.to ?? null]),
    [
      ['actor.spawned', 'agent:test-1', null, null],
      ['actor.transition', 'agent:test-1', null, 'idle'],
      ['actor.transition', 'agent:test-1', 'idle', 'running.attached'],
      ['actor.transition', 'agent:test-1', 'running.attached', 'done'],
      ['actor.done', 'agent:test-1', null, null],
    ],
  );
  assert.doesNotMatch(JSON.stringify(events), /sk-ant/, 'event payloads are reduced to their type');
});

test('an actor that fails is recorded with its error', async () => {
  const events: NewEvent[] = [];
  const actor = createActor(machine, { systemId: 'agent:x', inspect: createInspectionRecorder((e) => events.push(e)) });
  actor.subscribe({ error: () => undefined });
  actor.start();
  actor.send({ type: 'go' });
  actor.send({ type: 'boom' });
  await new Promise<void>((resolve) => actor.subscribe({ error: () => resolve() }));
  const failed = events.find((e) => e.type === 'actor.failed' && e.actor === 'agent:x');
  assert.ok(failed);
  assert.equal(failed.payload.error, 'exploded');
});

test('nested and parallel state values print as dotted paths', () => {
  assert.equal(stateValueToString('idle'), 'idle');
  assert.equal(stateValueToString({ running: { pty: 'attached' } }), 'running.pty.attached');
  assert.equal(stateValueToString({ a: 'x', b: 'y' }), 'a.x,b.y');
});
