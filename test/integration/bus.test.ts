import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Dealer } from 'zeromq';
import { BusServer, type RequestHandlers } from '../../src/bus/busServer.js';
import { BusClient } from '../../src/bus/busClient.js';
import { EventSubscriber } from '../../src/bus/eventSubscriber.js';
import { encode } from '../../src/bus/codec.js';
import { packEnvelope, BUS_VERSION } from '../../src/bus/envelope.js';
import { RelayError } from '../../src/platform/errors.js';
import { ensureHome, ipcEndpoint } from '../../src/platform/paths.js';
import { makeTempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';

const h = makeTempHome();
ensureHome(h.paths);
const badFrames: string[] = [];
const handlers = {
  'daemon.ping': () => ({ pid: 1, startedAt: 2 }),
  'daemon.status': () => {
    throw new RelayError('E_STORE_CORRUPT', 'relay.db is damaged', { hint: 'move it aside' });
  },
  // Never answers: lets the client's timeout show.
  'daemon.stop': () => new Promise<never>(() => undefined),
  'events.replay': () => ({ events: [], lastSeq: 0 }),
  'events.sync': ({ token }: { token: string }) => {
    server.publish(`sync:${token}`, { token });
    return { token };
  },
  'events.emit': () => ({ seq: 1 }),
} as unknown as RequestHandlers;
const server = new BusServer({ paths: h.paths, handlers, onError: (e) => badFrames.push(e.message) });
await server.bind();
const client = new BusClient(h.paths);

after(async () => {
  await client.close();
  await server.close();
  await h.cleanup();
});

test('a request gets its typed result', async () => {
  assert.deepEqual(await client.request('daemon.ping', {}), { pid: 1, startedAt: 2 });
});

test('overlapping requests are matched to their own replies', async () => {
  const results = await Promise.all(Array.from({ length: 200 }, () => client.request('daemon.ping', {})));
  assert.equal(results.length, 200);
  for (const r of results) assert.equal(r.pid, 1);
});

test('a daemon-side RelayError arrives with its code and hint', async () => {
  await assert.rejects(client.request('daemon.status', {}), (e: unknown) => {
    assert.ok(e instanceof RelayError);
    assert.equal(e.code, 'E_STORE_CORRUPT');
    assert.equal(e.hint, 'move it aside');
    return true;
  });
});

test('a request the daemon does not answer times out with a hint', async () => {
  await assert.rejects(client.request('daemon.stop', {}, 50), { code: 'E_TIMEOUT' });
});

test('an unknown request type and a peer of another bus version are refused, and the server keeps serving', async () => {
  const raw = new Dealer();
  raw.linger = 0;
  raw.connect(ipcEndpoint(h.paths.busSocket));
  try {
    await raw.send(packEnvelope({ v: BUS_VERSION, id: 'u1', type: 'no.such', from: 't', to: 'daemon', payload: {} }));
    const [reply] = await raw.receive();
    const { decode } = await import('../../src/bus/codec.js');
    const env = decode(reply!) as { payload: { ok: boolean; error: { code: string } } };
    assert.equal(env.payload.ok, false);
    assert.equal(env.payload.error.code, 'E_UNKNOWN_REQUEST');

    await raw.send(encode({ v: 99, id: 'x', type: 'daemon.ping', from: 't', to: 'daemon', payload: {} }));
    await raw.send(Buffer.from('not msgpack at all \xc1'));
    await waitFor(() => badFrames.length >= 2, 'both bad frames to be reported');
    assert.match(badFrames.join('\n'), /bus version 99/);
  } finally {
    raw.close();
  }
  assert.deepEqual(await client.request('daemon.ping', {}), { pid: 1, startedAt: 2 });
});

test('the event socket delivers by topic prefix, once the subscription is proved live', async () => {
  const got: [string, unknown][] = [];
  const sub = new EventSubscriber(h.paths, ['ev:handoff.'], (topic, value) => got.push([topic, value]));
  await sub.live(client);
  server.publish('ev:agent.exited', { n: 1 });
  server.publish('ev:handoff.started', { n: 2 });
  await waitFor(() => got.some(([t]) => t === 'ev:handoff.started'), 'the handoff event');
  await sub.close();
  assert.deepEqual(got, [['ev:handoff.started', { n: 2 }]], 'no sync token and no other topic leaks through');
});
