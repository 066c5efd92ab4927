/**
 * A bare ZeroMQ ROUTER that sends every message straight back: the floor under a bus round trip
 * on this machine (two processes, ipc, zeromq.js) with none of Relay's envelope, codec or
 * handler code. Run as a child: `zmqEchoServer.ts <endpoint>`; says `ready` over IPC once bound.
 */
import { Router } from 'zeromq';

const endpoint = process.argv[2];
if (!endpoint) throw new Error('usage: zmqEchoServer.ts <endpoint>');
const router = new Router();
router.linger = 0;
await router.bind(endpoint);
process.send?.('ready');
// The parent going away (IPC closed) ends the echo, so it never outlives the bench.
process.on('disconnect', () => router.close());
try {
  for await (const frames of router) await router.send(frames);
} catch (e) {
  if (!router.closed) throw e;
}
