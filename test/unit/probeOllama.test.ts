import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { probeOllama } from '../../src/providers/probeOllama.js';

/** A tiny HTTP server on 127.0.0.1, closed (every socket with it) when the test ends. */
async function serve(t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ base: string; requests: string[]; server: Server }> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    handler(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(server.listening, false);
  });
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const TAGS = {
  models: [
    { name: 'qwen2.5-coder:7b', model: 'qwen2.5-coder:7b', size: 4_683_087_332, details: { family: 'qwen2' } },
    { name: 'llama3.2:latest', model: 'llama3.2:latest', size: 2_019_393_189, details: { family: 'llama' } },
  ],
};

test('an Ollama server: its models from GET /api/tags, asked at the root of the /v1 URL', async (t) => {
  const { base, requests } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(TAGS));
  });
  assert.deepEqual(await probeOllama(`${base}/v1`), { ok: true, models: ['llama3.2:latest', 'qwen2.5-coder:7b'] });
  assert.deepEqual(await probeOllama(base), { ok: true, models: ['llama3.2:latest', 'qwen2.5-coder:7b'] });
  assert.deepEqual(requests, ['GET /api/tags', 'GET /api/tags']);
});

test('an Ollama with no models pulled is found, with an empty list', async (t) => {
  const { base } = await serve(t, (_req, res) => res.end('{"models":[]}'));
  assert.deepEqual(await probeOllama(base), { ok: true, models: [] });
});

test('a closed port: nothing listens there, answered at once', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const t0 = performance.now();
  assert.deepEqual(await probeOllama(`http://127.0.0.1:${port}/v1`), { ok: false, why: `nothing listens on 127.0.0.1:${port}` });
  assert.ok(performance.now() - t0 < 300);
});

test('a server that never answers costs the timeout, no more', async (t) => {
  const { base } = await serve(t, () => {
    /* never answers */
  });
  const t0 = performance.now();
  const result = await probeOllama(base, 100);
  const took = performance.now() - t0;
  assert.deepEqual(result, { ok: false, why: `no answer from ${new URL(base).host} within 100 ms` });
  assert.ok(took >= 90 && took < 1_000, `took ${took.toFixed(0)} ms`);
});

test('something else on the port: an error status or a page that is not a model list', async (t) => {
  const { base } = await serve(t, (req, res) => {
    if (req.url === '/api/tags') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Corporate proxy login</body></html>');
    }
  });
  const host = new URL(base).host;
  assert.deepEqual(await probeOllama(base), { ok: false, why: `${host}: /api/tags is not an Ollama model list` });
  const missing = await serve(t, (_req, res) => {
    res.writeHead(404);
    res.end('404 page not found');
  });
  assert.deepEqual(await probeOllama(missing.base), { ok: false, why: `${new URL(missing.base).host}: HTTP 404 for /api/tags` });
});

test('a huge answer is cut off, not read to the end', async (t) => {
  const { base } = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"models":[');
    const chunk = `${JSON.stringify({ name: 'x'.repeat(1_000) })},`.repeat(100);
    // About 3 MB, well past the 1 MB a tag list may take; the rest is never sent.
    for (let i = 0; i < 30; i++) res.write(chunk);
    res.end('{"name":"last"}]}');
  });
  assert.deepEqual(await probeOllama(base), { ok: false, why: `${new URL(base).host}: answer larger than 1048576 bytes, not Ollama` });
});

test('never throws: a base URL that is not a URL is an answer too', async () => {
  assert.deepEqual(await probeOllama('not a url'), { ok: false, why: 'not a URL: not a url' });
});
