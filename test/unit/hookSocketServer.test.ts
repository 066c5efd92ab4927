import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';
import { HookSocketServer } from '../../src/actors/hooks/hookSocketServer.js';
import { tempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

interface Client {
  socket: Socket;
  closed: () => boolean;
  answer: () => string;
}

function connect(path: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let closed = false;
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.once('close', () => (closed = true));
    socket.once('connect', () => resolve({ socket, closed: () => closed, answer: () => answer }));
    socket.once('error', reject);
  });
}

test('at the hook.sock connection cap the oldest idle connection makes room; one with a line in hand is kept and answered', async (t) => {
  let release!: () => void;
  const handling = new Promise<void>((r) => (release = r));
  const clients: Client[] = [];
  let lines = 0;
  const handle = (): Promise<void> => {
    lines++;
    return handling;
  };
  const server = new HookSocketServer(join(tempDir(t, 'hs'), 'hook.sock'), handle, { maxConnections: 3, idleTimeoutMs: 60_000 });
  // Registered after tempDir's: runs before the dir is removed.
  t.after(async () => {
    for (const c of clients) c.socket.destroy();
    await server.close();
  });
  const path = (server as unknown as { path: string }).path;
  await server.listen();

  const busy = await connect(path);
  clients.push(busy);
  busy.socket.write('{"line":1}\n');
  await waitFor(() => lines === 1, 'the first line to be in hand');
  const idle1 = await connect(path);
  const idle2 = await connect(path);
  clients.push(idle1, idle2);
  await waitFor(() => server.connections === 3, 'three connections held');

  const hook1 = await connect(path);
  const hook2 = await connect(path);
  clients.push(hook1, hook2);
  await waitFor(() => idle1.closed() && idle2.closed(), 'the two idle connections to be closed for the new ones');
  assert.equal(busy.closed(), false, 'the busy connection is kept');
  assert.equal(server.connections, 3, 'never more than the cap');

  // Every connection busy: a new one is turned away.
  hook1.socket.write('{"line":2}\n');
  hook2.socket.write('{"line":3}\n');
  await waitFor(() => lines === 3, 'the lines to be in hand');
  const extra = await connect(path);
  clients.push(extra);
  await waitFor(() => extra.closed(), 'a connection over a full, busy cap to be refused');

  release();
  await waitFor(() => busy.answer() === 'ok\n' && hook1.answer() === 'ok\n', 'the busy ones to be answered');
});

test('an idle hook.sock connection is closed after the idle timeout, one being answered is not', async (t) => {
  let release!: () => void;
  const handling = new Promise<void>((r) => (release = r));
  const clients: Client[] = [];
  const server = new HookSocketServer(join(tempDir(t, 'hs'), 'hook.sock'), () => handling, { idleTimeoutMs: 100 });
  t.after(async () => {
    for (const c of clients) c.socket.destroy();
    await server.close();
  });
  await server.listen();
  const path = (server as unknown as { path: string }).path;
  const idle = await connect(path);
  const busy = await connect(path);
  clients.push(idle, busy);
  busy.socket.write('{"line":1}\n');
  await waitFor(() => idle.closed(), 'the idle connection to be closed');
  assert.equal(busy.closed(), false);
  release();
  await waitFor(() => busy.answer() === 'ok\n', 'the busy one answered');
  await waitFor(() => busy.closed(), 'and closed once idle after its answer');
  assert.equal(server.connections, 0);
});
