/**
 * A fake model provider on 127.0.0.1 (a real node:http server), speaking the three wire formats
 * Relay calls as the vendors do — event names, chunk shapes, usage fields, CRLF for Gemini, and
 * each vendor's own error bodies and rate-limit headers — chosen by path:
 *   POST /chat/completions, /v1/chat/completions        OpenAI-compatible (OpenAI, DeepSeek, Ollama)
 *   POST /v1/messages                                   Anthropic messages
 *   POST /v1beta/models/<model>:streamGenerateContent   Gemini (`?alt=sse`; a JSON array without)
 *   GET  /api/tags                                      Ollama's model list
 *   GET  /v1/models                                     OpenAI-compatible model list
 * Each generation request takes the next queued {@link FakeStep}, or the default one.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeStep =
  | { kind: 'answer'; text?: string; chunks?: number; usage?: { input: number; output: number }; chunkDelayMs?: number }
  /** Raw override: this status, body and headers, nothing else. */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** The vendor's real 429 body and headers for the wire hit. */
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  | { kind: 'auth' }
  | { kind: 'overloaded' }
  | { kind: 'server-error' }
  /** A corporate proxy's 502 page. */
  | { kind: 'html' }
  /** Accept the request and never answer (not even headers). */
  | { kind: 'stall-headers' }
  /** Headers and `text` as the first delta, then silence. */
  | { kind: 'stall-after'; text: string }
  /** `text` streamed, then the response ends cleanly without the wire's terminator. */
  | { kind: 'truncate'; text: string }
  /** A 200 stream with a delta, then the vendor's in-stream error (overloaded). */
  | { kind: 'stream-error' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
}

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  /** TCP connections open now. */
  readonly openConnections: number;
  enqueue(...steps: FakeStep[]): void;
  setDefault(step: FakeStep): void;
  close(): Promise<void>;
}

type Wire = 'openai' | 'anthropic' | 'gemini';

const DEFAULT_STEP: FakeStep = { kind: 'answer' };

export async function startFakeProvider(opts: { ollamaModels?: string[] } = {}): Promise<FakeProvider> {
  const queue: FakeStep[] = [];
  let fallback: FakeStep = DEFAULT_STEP;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const ollamaModels = opts.ollamaModels ?? ['llama3.2:3b', 'qwen2.5-coder:7b'];

  const later = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  // Hold sockets open as the real APIs do, long enough for the client's pool to reuse them.
  server.keepAliveTimeout = 60_000;

  const fake: FakeProvider = {
    url: '',
    requests: [],
    connections: 0,
    get openConnections() {
      return sockets.size;
    },
    enqueue: (...steps) => void queue.push(...steps),
    setDefault: (step) => void (fallback = step),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const gone = [...sockets].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))));
      for (const s of sockets) s.destroy();
      await Promise.all([closed, ...gone]);
      sockets.clear();
    },
  };

  server.on('connection', (socket: Socket) => {
    fake.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: any = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // Recorded as the text it was: a test may assert on a malformed request.
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    fake.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers, body });

    if (req.method === 'GET' && url.pathname === '/api/tags') return json(res, 200, ollamaTags(ollamaModels));
    if (req.method === 'GET' && (url.pathname === '/v1/models' || url.pathname === '/models')) return json(res, 200, modelList(ollamaModels));
    const wire = wireOf(req.method, url.pathname);
    if (!wire) return json(res, 404, { error: { message: `Unknown request URL: ${req.method} ${url.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
    const model = wire === 'gemini' ? decodeURIComponent(/models\/([^:]+):/.exec(url.pathname)?.[1] ?? '') : String(body?.model ?? '');
    const step = queue.shift() ?? fallback;
    await respond(res, wire, step, { model, body, sse: wire !== 'gemini' || url.searchParams.get('alt') === 'sse' });
  }

  async function respond(res: ServerResponse, wire: Wire, step: FakeStep, call: Call): Promise<void> {
    switch (step.kind) {
      case 'status':
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(step.body ?? '');
        return;
      case 'rate-limit':
        return rateLimit(res, wire, step.retryAfterSeconds);
      case 'auth':
        return authError(res, wire);
      case 'overloaded':
        return overloaded(res, wire);
      case 'server-error':
        return serverError(res, wire);
      case 'html':
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n');
        return;
      case 'stall-headers':
        return; // The socket stays open until the client gives up or close() destroys it.
      case 'stall-after': {
        const s = new Stream(res, wire, call);
        s.begin();
        s.delta(step.text);
        return;
      }
      case 'truncate': {
        const s = new Stream(res, wire, call);
        s.begin();
        s.delta(step.text);
        res.end();
        return;
      }
      case 'stream-error': {
        const s = new Stream(res, wire, call);
        s.begin();
        s.delta('partial ');
        s.error();
        res.end();
        return;
      }
      case 'answer': {
        const text = step.text ?? `fake answer to: ${lastUserText(wire, call.body).slice(0, 60)}`;
        const usage = step.usage ?? { input: Math.max(1, Math.ceil(promptChars(wire, call.body) / 4)), output: Math.max(1, Math.ceil(text.length / 4)) };
        const s = new Stream(res, wire, call);
        s.begin(usage.input);
        for (const piece of split(text, step.chunks ?? 3)) {
          if (step.chunkDelayMs) await later(step.chunkDelayMs);
          if (res.destroyed) return;
          s.delta(piece);
        }
        s.end(usage);
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

interface Call {
  model: string;
  body: any;
  /** False for Gemini's non-SSE endpoint, which answers one JSON array. */
  sse: boolean;
}

function wireOf(method: string | undefined, path: string): Wire | undefined {
  if (method !== 'POST') return undefined;
  if (path === '/chat/completions' || path === '/v1/chat/completions') return 'openai';
  if (path === '/v1/messages') return 'anthropic';
  if (/^\/v1beta\/models\/[^/:]+:streamGenerateContent$/.test(path)) return 'gemini';
  return undefined;
}

/**
 * One streamed answer in the wire's own framing. Gemini separates events with CRLF pairs, the
 * others with LF pairs, as the real servers do.
 */
class Stream {
  private readonly id = `fake${Math.random().toString(36).slice(2, 10)}`;
  private readonly created = Math.floor(Date.now() / 1000);
  private readonly geminiChunks: unknown[] = [];
  private inputTokens = 0;

  constructor(
    private readonly res: ServerResponse,
    private readonly wire: Wire,
    private readonly call: Call,
  ) {}

  begin(inputTokens = 1): void {
    this.inputTokens = inputTokens;
    const h = this.call.sse ? { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } : { 'content-type': 'application/json; charset=UTF-8' };
    if (this.wire === 'openai') {
      this.res.writeHead(200, { ...h, 'x-request-id': `req_${this.id}`, ...openaiLimitHeaders(499, '120ms') });
      this.chunk({ role: 'assistant', content: '', refusal: null }, null);
    } else if (this.wire === 'anthropic') {
      this.res.writeHead(200, { ...h, 'request-id': `req_${this.id}`, ...anthropicLimitHeaders(49) });
      this.event('message_start', {
        type: 'message_start',
        message: {
          id: `msg_${this.id}`,
          type: 'message',
          role: 'assistant',
          model: this.call.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1, service_tier: 'standard' },
        },
      });
      this.event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      this.event('ping', { type: 'ping' });
    } else {
      this.res.writeHead(200, h);
    }
  }

  delta(text: string): void {
    if (this.wire === 'openai') this.chunk({ content: text }, null);
    else if (this.wire === 'anthropic') this.event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });
    else this.gemini({ candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: this.inputTokens, totalTokenCount: this.inputTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: this.inputTokens }] }, modelVersion: this.call.model, responseId: this.id });
  }

  end(usage: { input: number; output: number }): void {
    if (this.wire === 'openai') {
      this.chunk({}, 'stop');
      if (this.call.body?.stream_options?.include_usage) {
        this.write(`data: ${JSON.stringify({ ...this.chunkBase(), choices: [], usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } } })}\n\n`);
      }
      this.write('data: [DONE]\n\n');
    } else if (this.wire === 'anthropic') {
      this.event('content_block_stop', { type: 'content_block_stop', index: 0 });
      this.event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output } });
      this.event('message_stop', { type: 'message_stop' });
    } else {
      this.gemini({
        candidates: [{ content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: usage.input, candidatesTokenCount: usage.output, totalTokenCount: usage.input + usage.output, promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.input }] },
        modelVersion: this.call.model,
        responseId: this.id,
      });
      if (!this.call.sse) this.res.write(JSON.stringify(this.geminiChunks));
    }
    this.res.end();
  }

  /** The vendor's in-stream error after a 200: each says "overloaded" its own way. */
  error(): void {
    if (this.wire === 'openai') this.write(`data: ${JSON.stringify({ error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: null } })}\n\n`);
    else if (this.wire === 'anthropic') this.event('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: `req_${this.id}` });
    else this.gemini({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
  }

  private chunkBase(): Record<string, unknown> {
    return { id: `chatcmpl-${this.id}`, object: 'chat.completion.chunk', created: this.created, model: this.call.model, system_fingerprint: 'fp_fake' };
  }

  private chunk(delta: Record<string, unknown>, finish: string | null): void {
    const usage = this.call.body?.stream_options?.include_usage ? { usage: null } : {};
    this.write(`data: ${JSON.stringify({ ...this.chunkBase(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...usage })}\n\n`);
  }

  private event(name: string, data: unknown): void {
    this.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  private gemini(data: unknown): void {
    if (this.call.sse) this.write(`data: ${JSON.stringify(data)}\r\n\r\n`);
    else this.geminiChunks.push(data);
  }

  private write(text: string): void {
    if (!this.res.destroyed) this.res.write(text);
  }
}

function openaiLimitHeaders(remainingRequests: number, resetRequests: string): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': '500',
    'x-ratelimit-limit-tokens': '30000',
    'x-ratelimit-remaining-requests': String(remainingRequests),
    'x-ratelimit-remaining-tokens': remainingRequests === 0 ? '0' : '29000',
    'x-ratelimit-reset-requests': resetRequests,
    'x-ratelimit-reset-tokens': '6m0s',
  };
}

function anthropicLimitHeaders(remainingRequests: number, resetSeconds = 60): Record<string, string> {
  const reset = new Date(Math.ceil(Date.now() / 1000) * 1000 + resetSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': String(remainingRequests),
    'anthropic-ratelimit-requests-reset': reset,
    'anthropic-ratelimit-tokens-limit': '40000',
    'anthropic-ratelimit-tokens-remaining': '40000',
    'anthropic-ratelimit-tokens-reset': reset,
  };
}

function rateLimit(res: ServerResponse, wire: Wire, retryAfter: number | undefined): void {
  if (wire === 'openai') {
    // As OpenAI sent it to OpenCode in the shared samples (retry-after 2, the request window spent).
    const seconds = retryAfter ?? 2;
    return json(res, 429, { error: { message: `Rate limit reached for gpt-4o-mini in organization org-fake on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in ${seconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`, type: 'requests', param: null, code: 'rate_limit_exceeded' } }, {
      'retry-after': String(seconds),
      'x-request-id': 'req_fake429',
      ...openaiLimitHeaders(0, `${seconds}s`),
    });
  }
  if (wire === 'anthropic') {
    const seconds = retryAfter ?? 60;
    return json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'This request would exceed the rate limit for your organization (fake-org) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.' }, request_id: 'req_fake429' }, {
      'retry-after': String(seconds),
      'x-should-retry': 'true',
      'request-id': 'req_fake429',
      ...anthropicLimitHeaders(0, seconds),
    });
  }
  // Gemini sends no retry-after header: the delay is in the body's RetryInfo.
  const seconds = retryAfter ?? 37;
  return json(res, 429, {
    error: {
      code: 429,
      message: `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10, model: gemini-2.5-flash\nPlease retry in ${seconds}s.`,
      status: 'RESOURCE_EXHAUSTED',
      details: [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' }, quotaValue: '10' }] },
        { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${seconds}s` },
      ],
    },
  });
}

function authError(res: ServerResponse, wire: Wire): void {
  if (wire === 'openai') {
    // OpenAI echoes the first and last characters of the wrong key.
    const key = /^Bearer (.+)$/.exec(String(res.req.headers['authorization'] ?? ''))?.[1] ?? '';
    const shown = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(12)}${key.slice(-4)}` : '';
    return json(res, 401, { error: { message: `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
  }
  if (wire === 'anthropic') return json(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' }, request_id: 'req_fake401' });
  // Gemini says 400 INVALID_ARGUMENT for a wrong key.
  return json(res, 400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }] } });
}

function overloaded(res: ServerResponse, wire: Wire): void {
  if (wire === 'openai') return json(res, 503, { error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null } });
  if (wire === 'anthropic') return json(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_fake529' });
  return json(res, 503, { error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
}

function serverError(res: ServerResponse, wire: Wire): void {
  if (wire === 'openai') return json(res, 500, { error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } });
  if (wire === 'anthropic') return json(res, 500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' }, request_id: 'req_fake500' });
  return json(res, 500, { error: { code: 500, message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', status: 'INTERNAL' } });
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function ollamaTags(models: string[]): unknown {
  return {
    models: models.map((name) => ({
      name,
      model: name,
      modified_at: '2026-11-20T09:00:00.000000000Z',
      size: 2_019_393_189,
      digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
      details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
    })),
  };
}

function modelList(models: string[]): unknown {
  return { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_732_000_000, owned_by: 'library' })) };
}

/** The text of the last user turn, whichever wire's request shape it came in. */
function lastUserText(wire: Wire, body: any): string {
  if (wire === 'gemini') {
    const user = [...(body?.contents ?? [])].reverse().find((c: any) => c?.role === 'user');
    return (user?.parts ?? []).map((p: any) => p?.text ?? '').join('');
  }
  const user = [...(body?.messages ?? [])].reverse().find((m: any) => m?.role === 'user');
  if (typeof user?.content === 'string') return user.content;
  // Content blocks, as Claude Code sends them: its own reminders first, the prompt's text after.
  const blocks: any[] = Array.isArray(user?.content) ? user.content : [];
  return blocks
    .filter((b) => b?.type === 'text' && typeof b.text === 'string' && !b.text.startsWith('<system-reminder>'))
    .map((b) => b.text as string)
    .join(' ');
}

function promptChars(wire: Wire, body: any): number {
  if (wire === 'gemini') return JSON.stringify(body?.contents ?? []).length + JSON.stringify(body?.systemInstruction ?? '').length;
  return (body?.messages ?? []).reduce((n: number, m: any) => n + String(m?.content ?? '').length, 0) + String(body?.system ?? '').length;
}

/** `text` in `n` pieces of about equal length (fewer when it is shorter than `n`). */
function split(text: string, n: number): string[] {
  if (text === '') return [];
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, n)));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A fake provider for the length of `body`, closed after it however it ends. */
export async function withFakeProvider(body: (fake: FakeProvider) => Promise<void>): Promise<void> {
  const fake = await startFakeProvider();
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}
