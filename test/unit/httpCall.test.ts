/**
 * runHttpCall against the fake provider (a real HTTP server on 127.0.0.1) on each wire: the
 * streamed text, usage and finish; every way a provider fails (limits with their reset time,
 * a wrong key that never shows, 5xx, overload, HTML, cut and erroring streams, silence before
 * and during the answer, an answer too large, a refused connection); cancellation; and the
 * pooled connection that two calls share.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import type { HttpCallSpec, HttpWire } from '../../src/providers/callSpec.js';
import { closeDispatchers, runHttpCall } from '../../src/providers/httpCall.js';
import type { CallOutcome, StreamEvent } from '../../src/protocol/providerProtocol.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fakeProviderServer.js';
import { waitFor } from '../helpers/waitFor.js';

const KEY = 'sk-test-THISKEYMUSTNEVERSHOW0123456789';

const WIRES: Array<{ wire: HttpWire; base: (url: string) => string; keyVariable: string }> = [
  { wire: 'openai-chat', base: (u) => `${u}/v1`, keyVariable: 'OPENAI_API_KEY' },
  { wire: 'anthropic-messages', base: (u) => u, keyVariable: 'ANTHROPIC_API_KEY' },
  { wire: 'gemini-generate', base: (u) => u, keyVariable: 'GEMINI_API_KEY' },
];

function specFor(fake: FakeProvider, wire: HttpWire, extra: Partial<HttpCallSpec> = {}): HttpCallSpec {
  const w = WIRES.find((x) => x.wire === wire)!;
  return {
    kind: 'http',
    provider: `fake-${wire}`,
    wire,
    baseUrl: w.base(fake.url),
    apiKey: KEY,
    keyVariable: w.keyVariable,
    model: wire === 'gemini-generate' ? 'gemini-2.5-flash' : wire === 'anthropic-messages' ? 'claude-sonnet-4-5' : 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello to the test' },
    ],
    maxOutputTokens: 256,
    timeouts: { firstByteMs: 5_000, idleMs: 5_000 },
    maxAnswerBytes: 1024 * 1024,
    ...extra,
  };
}

interface Run {
  events: StreamEvent[];
  text: string;
  outcome: CallOutcome;
}

async function call(spec: HttpCallSpec, signal = new AbortController().signal, onEvent?: (e: StreamEvent) => void): Promise<Run> {
  const events: StreamEvent[] = [];
  const outcome = await runHttpCall(
    spec,
    (e) => {
      events.push(e);
      onEvent?.(e);
    },
    signal,
  );
  return { events, outcome, text: events.map((e) => (e.type === 'delta' ? e.text : '')).join('') };
}

/** Every string a run produced: what must never hold the key. */
function allText(run: Run): string {
  return JSON.stringify(run);
}

let fake: FakeProvider;
before(async () => {
  fake = await startFakeProvider();
});
afterEach(async () => {
  // Each test starts with a fresh pool, so a connection count means this test's connections.
  await closeDispatchers();
});
after(async () => {
  await fake.close();
  await closeDispatchers();
  assert.equal(fake.openConnections, 0, 'the fake holds no open socket after close');
});

for (const { wire } of WIRES) {
  describe(`${wire}`, () => {
    it('streams the text in order, then usage, then finish', async () => {
      fake.enqueue({ kind: 'answer', text: 'Hello, test! How are you?', chunks: 4, usage: { input: 17, output: 7 } });
      const r = await call(specFor(fake, wire));
      assert.equal(r.text, 'Hello, test! How are you?');
      assert.equal(r.events[0]?.type, 'response');
      assert.equal((r.events[0] as { status: number }).status, 200);
      assert.ok(r.events.filter((e) => e.type === 'delta').length >= 3, 'the answer arrived in several deltas');
      const last = r.events.at(-1);
      assert.deepEqual(last, { type: 'finish', reason: 'stop' });
      const usages = r.events.filter((e) => e.type === 'usage');
      assert.deepEqual(usages.at(-1), { type: 'usage', usage: r.outcome.usage });
      assert.equal(r.outcome.usage?.inputTokens, 17);
      assert.equal(r.outcome.usage?.outputTokens, 7);
      assert.equal(r.outcome.finish, 'stop');
      assert.equal(r.outcome.failure, undefined);
      assert.equal(r.outcome.chars, 'Hello, test! How are you?'.length);
      assert.ok(r.outcome.firstDeltaMs !== undefined && r.outcome.firstDeltaMs <= r.outcome.durationMs);
    });

    it('sends the wire\'s own request: path, auth header, system prompt and token cap', async () => {
      await call(specFor(fake, wire));
      const req = fake.requests.at(-1)!;
      assert.equal(req.method, 'POST');
      if (wire === 'openai-chat') {
        assert.equal(req.path, '/v1/chat/completions');
        assert.equal(req.headers['authorization'], `Bearer ${KEY}`);
        assert.deepEqual(req.body.messages[0], { role: 'system', content: 'You are terse.' });
        assert.equal(req.body.stream, true);
        assert.deepEqual(req.body.stream_options, { include_usage: true });
        assert.equal(req.body.max_tokens, 256, 'a compatible server gets max_tokens');
      } else if (wire === 'anthropic-messages') {
        assert.equal(req.path, '/v1/messages');
        assert.equal(req.headers['x-api-key'], KEY);
        assert.equal(req.headers['anthropic-version'], '2023-06-01');
        assert.equal(req.body.system, 'You are terse.');
        assert.deepEqual(req.body.messages, [{ role: 'user', content: 'Say hello to the test' }]);
        assert.equal(req.body.max_tokens, 256);
      } else {
        assert.equal(req.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
        assert.equal(req.headers['x-goog-api-key'], KEY);
        assert.deepEqual(req.body.systemInstruction, { parts: [{ text: 'You are terse.' }] });
        assert.deepEqual(req.body.contents, [{ role: 'user', parts: [{ text: 'Say hello to the test' }] }]);
        assert.equal(req.body.generationConfig.maxOutputTokens, 256);
      }
    });

    it('the default answer names the prompt, with usage counted', async () => {
      const r = await call(specFor(fake, wire));
      assert.equal(r.text, 'fake answer to: Say hello to the test');
      assert.ok((r.outcome.usage?.inputTokens ?? 0) > 0 && (r.outcome.usage?.outputTokens ?? 0) > 0);
    });

    it('a 429 is rate_limited with the reset time the vendor gave, and the raw headers are streamed', async () => {
      fake.enqueue({ kind: 'rate-limit', retryAfterSeconds: 30 });
      const before = Date.now();
      const r = await call(specFor(fake, wire));
      const f = r.outcome.failure!;
      assert.equal(f.kind, 'rate_limited');
      assert.equal(f.status, 429);
      assert.equal(f.moveOn, true);
      assert.ok(f.resetAt! >= before + 29_000 && f.resetAt! <= Date.now() + 31_000, `resetAt ${f.resetAt} about 30 s ahead`);
      assert.equal(r.outcome.finish, 'error');
      const response = r.events[0] as { type: 'response'; headers: Record<string, string> };
      if (wire === 'openai-chat') assert.equal(response.headers['x-ratelimit-remaining-requests'], '0');
      if (wire === 'anthropic-messages') assert.equal(response.headers['anthropic-ratelimit-requests-remaining'], '0');
      assert.ok(!f.message.includes('\n'));
    });

    it('a wrong key is auth, with a hint naming the variable, and the key appears nowhere', async () => {
      fake.enqueue({ kind: 'auth' });
      const r = await call(specFor(fake, wire));
      const f = r.outcome.failure!;
      assert.equal(f.kind, 'auth');
      assert.equal(f.moveOn, true);
      assert.equal(f.hint, `check ${WIRES.find((w) => w.wire === wire)!.keyVariable}`);
      assert.ok(!allText(r).includes(KEY));
      assert.ok(!allText(r).includes(KEY.slice(-4)), 'not even the tail OpenAI echoes');
    });

    it('a 500 is server, an overload is overloaded; both move on', async () => {
      fake.enqueue({ kind: 'server-error' }, { kind: 'overloaded' });
      const a = await call(specFor(fake, wire));
      const b = await call(specFor(fake, wire));
      assert.equal(a.outcome.failure?.kind, 'server');
      assert.equal(a.outcome.failure?.status, 500);
      assert.equal(b.outcome.failure?.kind, 'overloaded');
      assert.ok(a.outcome.failure?.moveOn && b.outcome.failure?.moveOn);
    });

    it('an HTML page from a proxy is named as such', async () => {
      fake.enqueue({ kind: 'html' });
      const r = await call(specFor(fake, wire));
      assert.equal(r.outcome.failure?.kind, 'server');
      assert.equal(r.outcome.failure?.message, 'answered with an HTML page (status 502)');
    });

    it('a stream that ends without its terminator is malformed, with the text so far streamed', async () => {
      fake.enqueue({ kind: 'truncate', text: 'half an ans' });
      const r = await call(specFor(fake, wire));
      assert.equal(r.text, 'half an ans');
      assert.equal(r.outcome.failure?.kind, 'malformed');
      assert.match(r.outcome.failure!.message, /ended before/);
      assert.equal(r.outcome.failure?.moveOn, true);
      assert.ok(!r.events.some((e) => e.type === 'finish'));
    });

    it('an error inside a 200 stream is classified (overloaded)', async () => {
      fake.enqueue({ kind: 'stream-error' });
      const r = await call(specFor(fake, wire));
      assert.equal(r.text, 'partial ');
      const f = r.outcome.failure!;
      assert.equal(f.kind, wire === 'openai-chat' ? 'overloaded' : 'overloaded');
      assert.equal(f.moveOn, true);
    });
  });
}

describe('timeouts, size, cancel, network, pooling', () => {
  it('a provider that never answers is a first-byte timeout, named', async () => {
    fake.enqueue({ kind: 'stall-headers' });
    const r = await call(specFor(fake, 'openai-chat', { timeouts: { firstByteMs: 150, idleMs: 5_000 } }));
    assert.equal(r.outcome.failure?.kind, 'first_byte_timeout');
    assert.match(r.outcome.failure!.message, /first-byte timeout/);
    assert.equal(r.outcome.failure?.moveOn, true);
    await waitFor(() => fake.openConnections === 0, 'the stalled socket is closed');
  });

  it('silence mid-answer is an idle timeout, with the text so far', async () => {
    fake.enqueue({ kind: 'stall-after', text: 'I was saying' });
    const r = await call(specFor(fake, 'anthropic-messages', { timeouts: { firstByteMs: 5_000, idleMs: 150 } }));
    assert.equal(r.text, 'I was saying');
    assert.equal(r.outcome.failure?.kind, 'idle_timeout');
    assert.match(r.outcome.failure!.message, /idle timeout/);
    assert.ok(r.outcome.usage, 'what message_start reported is kept');
    await waitFor(() => fake.openConnections === 0, 'the stalled socket is closed');
  });

  it('an answer beyond maxAnswerBytes is cut: too_large', async () => {
    fake.enqueue({ kind: 'answer', text: 'x'.repeat(200_000), chunks: 50 });
    const r = await call(specFor(fake, 'gemini-generate', { maxAnswerBytes: 20_000 }));
    assert.equal(r.outcome.failure?.kind, 'too_large');
    assert.equal(r.outcome.failure?.moveOn, false);
    assert.ok(r.text.length < 20_000);
  });

  it('abort mid-stream finishes cancelled, without a failure, keeping usage so far, and closes the socket', async () => {
    fake.enqueue({ kind: 'stall-after', text: 'streaming' });
    const ac = new AbortController();
    const r = await call(specFor(fake, 'anthropic-messages'), ac.signal, (e) => {
      if (e.type === 'delta') ac.abort();
    });
    assert.equal(r.outcome.finish, 'cancelled');
    assert.equal(r.outcome.failure, undefined);
    assert.equal(r.text, 'streaming');
    assert.ok(r.outcome.usage && r.outcome.usage.inputTokens > 0);
    await waitFor(() => fake.openConnections === 0, 'the cancelled socket is closed');
  });

  it('an already aborted signal sends nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const n = fake.requests.length;
    const r = await call(specFor(fake, 'openai-chat'), ac.signal);
    assert.equal(r.outcome.finish, 'cancelled');
    assert.equal(fake.requests.length, n);
  });

  it('a refused connection is network, naming the host and never the key', async () => {
    const port = await freePort();
    const r = await call({ ...specFor(fake, 'openai-chat'), baseUrl: `http://127.0.0.1:${port}/v1` });
    const f = r.outcome.failure!;
    assert.equal(f.kind, 'network');
    assert.match(f.message, new RegExp(`127\\.0\\.0\\.1:${port}.*connection refused`));
    assert.equal(f.moveOn, true);
    assert.ok(!allText(r).includes(KEY));
  });

  it('a 200 that is not an event stream is malformed; one with an error body is that error', async () => {
    fake.enqueue(
      { kind: 'status', status: 200, body: '{"choices":[]}', headers: { 'content-type': 'application/json' } },
      { kind: 'status', status: 200, body: '{"error":{"message":"Rate limit exceeded: free-models-per-day","code":429}}', headers: { 'content-type': 'application/json' } },
    );
    const a = await call(specFor(fake, 'openai-chat'));
    assert.equal(a.outcome.failure?.kind, 'malformed');
    assert.match(a.outcome.failure!.message, /application\/json instead of an event stream/);
    const b = await call(specFor(fake, 'openai-chat'));
    assert.equal(b.outcome.failure?.kind, 'rate_limited');
  });

  it('bad JSON in a data line is malformed', async () => {
    fake.enqueue({ kind: 'status', status: 200, body: 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\ndata: {not json\n\n', headers: { 'content-type': 'text/event-stream' } });
    const r = await call(specFor(fake, 'openai-chat'));
    assert.equal(r.text, 'hi');
    assert.equal(r.outcome.failure?.kind, 'malformed');
    assert.equal(r.outcome.failure?.moveOn, true);
  });

  it('two sequential calls reuse one pooled connection', async () => {
    const before = fake.connections;
    const a = await call(specFor(fake, 'openai-chat'));
    const b = await call(specFor(fake, 'openai-chat'));
    assert.equal(a.outcome.failure, undefined);
    assert.equal(b.outcome.failure, undefined);
    assert.equal(fake.connections - before, 1);
  });

  it("OpenAI's own host gets max_completion_tokens; the spec can say which", async () => {
    await call(specFor(fake, 'openai-chat', { maxTokensField: 'max_completion_tokens' }));
    const body = fake.requests.at(-1)!.body;
    assert.equal(body.max_completion_tokens, 256);
    assert.equal(body.max_tokens, undefined);
  });

  it('no key: no auth header (a local Ollama)', async () => {
    const { apiKey: _none, ...spec } = specFor(fake, 'openai-chat');
    const r = await call(spec);
    assert.equal(r.outcome.failure, undefined);
    assert.equal(fake.requests.at(-1)!.headers['authorization'], undefined);
  });

  it('ANTHROPIC_AUTH_TOKEN style: a bearer token instead of x-api-key', async () => {
    await call(specFor(fake, 'anthropic-messages', { authScheme: 'bearer' }));
    const h = fake.requests.at(-1)!.headers;
    assert.equal(h['authorization'], `Bearer ${KEY}`);
    assert.equal(h['x-api-key'], undefined);
  });

  it('an emit that throws is rethrown, after the request is closed', async () => {
    fake.enqueue({ kind: 'stall-after', text: 'boom' });
    await assert.rejects(
      runHttpCall(specFor(fake, 'openai-chat'), (e) => {
        if (e.type === 'delta') throw new Error('listener broke');
      }, new AbortController().signal),
      /listener broke/,
    );
    await waitFor(() => fake.openConnections === 0, 'the socket is closed');
  });
});

describe('the fake provider', () => {
  it('lists Ollama models and OpenAI-compatible models', async () => {
    const f = await startFakeProvider({ ollamaModels: ['llama3.2:1b'] });
    try {
      const tags = (await (await fetch(`${f.url}/api/tags`)).json()) as { models: Array<{ name: string }> };
      assert.deepEqual(tags.models.map((m) => m.name), ['llama3.2:1b']);
      const list = (await (await fetch(`${f.url}/v1/models`)).json()) as { data: Array<{ id: string }> };
      assert.deepEqual(list.data.map((m) => m.id), ['llama3.2:1b']);
    } finally {
      await f.close();
    }
  });

  it('close() ends a stalled response', async () => {
    const f = await startFakeProvider();
    f.enqueue({ kind: 'stall-headers' });
    const pending = call({ ...specFor(f, 'openai-chat'), provider: 'stall-close' });
    await waitFor(() => f.requests.length === 1, 'the request reached the fake');
    await f.close();
    const r = await pending;
    assert.equal(r.outcome.failure?.kind, 'network');
    assert.equal(f.openConnections, 0);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}
