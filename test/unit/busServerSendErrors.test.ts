/**
 * A publish or a reply the server's socket fails to send is reported through `onError`, not
 * swallowed; one cut short by close() is not. ZeroMQ gives no reliable way to make a live socket's
 * send fail (a PUB drops at its high-water mark, a ROUTER drops a reply to a peer that is gone),
 * so the server's send queues get a fake socket whose sends fail: everything else is the real bus.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BusClient } from '../../src/bus/busClient.js';
import { BusServer, type RequestHandlers } from '../../src/bus/busServer.js';
import { SendQueue } from '../../src/bus/sendQueue.js';
import type { RelayError } from '../../src/platform/errors.js';
import { ensureHome } from '../../src/platform/paths.js';
import { makeTempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';

const h = makeTempHome();
ensureHome(h.paths);
const reported: RelayError[] = [];
const handlers = { 'daemon.ping': () => ({ pid: 1, startedAt: 2 }) } as unknown as RequestHandlers;
const server = new BusServer({ paths: h.paths, handlers, onError: (e) => reported.push(e) });
await server.bind();
const client = new BusClient(h.paths);

after(async () => {
  await client.close();
  await server.close();
  await h.cleanup();
});

/**
 * From now on the server's replies (or events) go through a socket whose every send fails, as a
 * socket in trouble's would; the queue in front of it is the real one.
 */
function failSends(queue: 'replies' | 'events'): SendQueue {
  const failing = { send: () => Promise.reject(Object.assign(new Error('Socket is busy'), { code: 'EBUSY' })) };
  const sends = new SendQueue(failing);
  (server as unknown as Record<typeof queue, SendQueue>)[queue] = sends;
  return sends;
}

test('a reply that cannot be sent is reported with the request it answers', async () => {
  assert.deepEqual(await client.request('daemon.ping', {}), { pid: 1, startedAt: 2 });
  assert.equal(reported.length, 0);
  failSends('replies');
  await assert.rejects(client.request('daemon.ping', {}, 300), { code: 'E_TIMEOUT' });
  const [e] = await waitFor(() => (reported.length > 0 ? reported : undefined), 'the failed reply to be reported');
  assert.equal(e!.code, 'E_INTERNAL');
  assert.match(e!.message, /^the reply to "daemon\.ping" request \S+ could not be sent: Socket is busy$/);
});

test('an event that cannot be published is reported with its topic; after close nothing is', async () => {
  reported.length = 0;
  const events = failSends('events');
  server.publish('ev:handoff.completed', { n: 1 });
  await waitFor(() => reported.length > 0, 'the failed publish to be reported');
  assert.equal(reported[0]!.message, 'the event "ev:handoff.completed" could not be sent: Socket is busy');

  reported.length = 0;
  server.publish('ev:late', { n: 2 });
  await server.close();
  // The queue runs its sends in order: once a later one has settled, the late publish's failure
  // has been handled (its handler was attached before the queue's own).
  await events.send(['ev:after']).catch(() => undefined);
  assert.deepEqual(reported, [], 'a send cut short by close is not a failure to report');
});
