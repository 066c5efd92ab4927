/**
 * One streamed call to a provider's HTTP API, over its raw wire format (wire/*.ts) with undici —
 * no vendor SDK, so Relay sees the status, the rate-limit headers and the error body itself.
 * The same contract as runCliCall: events go to `emit` in order (`response` first, then deltas,
 * usage, finish) and the promise resolves with the {@link CallOutcome}. It never throws for a
 * provider problem (refused connection, 429, garbage, silence): those are the outcome's
 * `failure`. Only an `emit` that throws is rethrown, after the request is closed.
 *
 * Each provider name and origin has ONE pooled keep-alive dispatcher, so the calls of a worker
 * thread to the same API reuse their connections (TLS set-up is most of a short call's latency).
 */
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpCallSpec, HttpWire } from './callSpec.js';
import type { CallFailure, CallOutcome, FinishReason, StreamEvent, TokenUsage } from '../protocol/providerProtocol.js';
import { classifyHttpFailure, classifyStreamError, oneLine } from '../limits/httpFailure.js';
import { sseEvents } from './wire/sseStream.js';
import { malformed, type WireDecoder, type WireFormat } from './wire/wireFormat.js';
import { openaiChat } from './wire/openaiChat.js';
import { anthropicMessages } from './wire/anthropicMessages.js';
import { geminiGenerate } from './wire/geminiGenerate.js';

const WIRES: Readonly<Record<HttpWire, WireFormat>> = {
  'openai-chat': openaiChat,
  'anthropic-messages': anthropicMessages,
  'gemini-generate': geminiGenerate,
};

/** How much of an error body is read for its message: vendors' error JSON is well under this. */
const ERROR_BODY_MAX = 64 * 1024;

/**
 * An idle pooled connection is kept this long. Providers close theirs after about a minute;
 * closing first avoids sending a request on a socket the server is about to drop.
 */
const KEEP_ALIVE_MS = 30_000;

/** Time to set up TCP (and TLS); a provider that cannot be reached fails well before first-byte. */
const CONNECT_TIMEOUT_MS = 10_000;

const dispatchers = new Map<string, Agent>();

function dispatcherFor(provider: string, origin: string): Agent {
  const key = `${provider} ${origin}`;
  let agent = dispatchers.get(key);
  if (!agent) {
    agent = new Agent({ keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS, connect: { timeout: CONNECT_TIMEOUT_MS } });
    dispatchers.set(key, agent);
  }
  return agent;
}

/** Close every pooled connection (a worker thread's last act, a test's cleanup). */
export async function closeDispatchers(): Promise<void> {
  const all = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(all.map((a) => a.destroy().catch(() => undefined)));
}

type StopReason = 'cancelled' | 'first_byte_timeout' | 'idle_timeout' | 'too_large';

/** Run `spec`, streaming its events to `emit`; resolves when the response is done or closed. */
export async function runHttpCall(spec: HttpCallSpec, emit: (e: StreamEvent) => void, signal: AbortSignal): Promise<CallOutcome> {
  return new HttpRun(spec, emit, signal).run();
}

/** The state of one call; a class because it owns a request, a timer and a listener until it ends. */
class HttpRun {
  private readonly started = performance.now();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stopReason: StopReason | undefined;
  private emitError: unknown;
  private hasEmitError = false;
  private chars = 0;
  private firstDeltaMs: number | undefined;
  private usage: TokenUsage | undefined;
  private bytes = 0;
  /** The response body was read to its end: the connection may go back to the pool. */
  private bodyDone = false;
  private readonly host: string;

  constructor(
    private readonly spec: HttpCallSpec,
    private readonly emitTo: (e: StreamEvent) => void,
    private readonly signal: AbortSignal,
  ) {
    this.host = hostOf(spec.baseUrl);
  }

  async run(): Promise<CallOutcome> {
    const { spec } = this;
    if (this.signal.aborted) return this.outcome(undefined, 'cancelled');
    const wire = WIRES[spec.wire];
    if (!wire) return this.outcome({ kind: 'bad_request', message: `unknown wire format ${String(spec.wire)}`, moveOn: true });
    let origin: string;
    try {
      origin = new URL(spec.baseUrl).origin;
    } catch {
      return this.outcome({ kind: 'network', message: `invalid base URL for ${spec.provider}`, moveOn: true, hint: 'check the base URL in the provider settings' });
    }
    const onAbort = (): void => this.stop('cancelled');
    this.signal.addEventListener('abort', onAbort, { once: true });
    this.arm(spec.timeouts.firstByteMs, 'first_byte_timeout');
    try {
      return await this.exchange(wire, origin);
    } finally {
      clearTimeout(this.timer);
      this.signal.removeEventListener('abort', onAbort);
      // A body read to its end leaves its socket to the pool; one still streaming is closed.
      if (!this.bodyDone) this.abort.abort();
      // undici frees the connection a tick after the body ends; a call started in between
      // would open a second one instead of reusing this one.
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private async exchange(wire: WireFormat, origin: string): Promise<CallOutcome> {
    const { spec } = this;
    const req = wire.request(spec);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: dispatcherFor(spec.provider, origin),
        signal: this.abort.signal,
        // Our own watchdog names the timeout (first byte vs idle); undici's would only say "timeout".
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (e) {
      return this.outcome(this.stopFailure() ?? this.networkFailure(e, false));
    }
    const headers = flatHeaders(res.headers);
    this.send({ type: 'response', status: res.statusCode, headers });
    if (this.hasEmitError) throw this.emitError;

    const contentType = headers['content-type'] ?? '';
    if (res.statusCode < 200 || res.statusCode > 299) {
      const body = await this.readSome(res.body);
      if (this.stopReason) return this.outcome(this.stopFailure());
      return this.outcome(classifyHttpFailure({ status: res.statusCode, headers, body, now: Date.now(), provider: spec.provider, keyVariable: spec.keyVariable }));
    }
    if (!/^text\/event-stream\b/i.test(contentType)) {
      const body = await this.readSome(res.body);
      if (this.stopReason) return this.outcome(this.stopFailure());
      return this.outcome(this.notAStream(res.statusCode, contentType, body));
    }
    return this.stream(res.body, wire.decoder(spec.provider));
  }

  private async stream(body: Dispatcher.ResponseData['body'], decoder: WireDecoder): Promise<CallOutcome> {
    let failure: CallFailure | undefined;
    let lastUsage: TokenUsage | undefined;
    const forward = (e: StreamEvent): void => {
      if (e.type === 'usage') lastUsage = e.usage;
      this.send(e);
    };
    try {
      for await (const event of sseEvents(this.watched(body))) {
        failure = decoder.feed(event, forward);
        if (this.hasEmitError) break;
        if (failure) break;
      }
    } catch (e) {
      if (!this.stopReason && !this.hasEmitError) failure = this.networkFailure(e, true);
    }
    this.usage = decoder.usage ?? this.usage;
    if (this.hasEmitError) throw this.emitError;
    if (this.stopReason === 'cancelled') return this.outcome(undefined, 'cancelled');
    if (this.stopReason) return this.outcome(this.stopFailure());
    if (failure) return this.outcome(failure);
    const finish: FinishReason | undefined = decoder.end();
    if (finish === undefined) {
      return this.outcome(malformed(`${this.spec.provider}: the stream ended before ${decoder.terminator} (truncated answer)`));
    }
    if (this.usage && this.usage !== lastUsage) this.send({ type: 'usage', usage: this.usage });
    this.send({ type: 'finish', reason: finish });
    if (this.hasEmitError) throw this.emitError;
    return this.outcome(undefined, finish);
  }

  /** The body's chunks, with the watchdog re-armed on each and the size cap applied. */
  private async *watched(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of body) {
      if (this.stopReason) return;
      this.bytes += chunk.length;
      if (this.bytes > this.spec.maxAnswerBytes) {
        this.stop('too_large');
        return;
      }
      this.arm(this.spec.timeouts.idleMs, 'idle_timeout');
      yield chunk;
    }
    this.bodyDone = true;
  }

  /** Up to ERROR_BODY_MAX of a body as text, under the same watchdog; what arrived if it breaks. */
  private async readSome(body: AsyncIterable<Uint8Array>): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        this.arm(this.spec.timeouts.idleMs, 'idle_timeout');
        chunks.push(Buffer.from(chunk));
        size += chunk.length;
        if (size >= ERROR_BODY_MAX) return Buffer.concat(chunks).subarray(0, ERROR_BODY_MAX).toString('utf8');
      }
      this.bodyDone = true;
    } catch {
      // A body cut mid-way still says something; the status decides the kind anyway.
    }
    return Buffer.concat(chunks).subarray(0, ERROR_BODY_MAX).toString('utf8');
  }

  /** A 2xx that is not SSE: a JSON error (some gateways say 200 and put the error in the body), HTML, or garbage. */
  private notAStream(status: number, contentType: string, body: string): CallFailure {
    const { provider } = this.spec;
    if (/text\/html/i.test(contentType) || /^\s*(<!doctype html|<html\b)/i.test(body)) {
      return malformed(`${provider} answered with an HTML page (status ${status})`);
    }
    try {
      const error = classifyStreamError(provider, JSON.parse(body), Date.now());
      if (error) return error;
    } catch {
      // Not JSON either: reported as what it is below.
    }
    return malformed(`${provider} answered ${status} with ${contentType || 'no content type'} instead of an event stream`);
  }

  private send(e: StreamEvent): void {
    if (this.hasEmitError) return;
    if (e.type === 'delta') {
      this.chars += e.text.length;
      this.firstDeltaMs ??= Math.round(performance.now() - this.started);
    } else if (e.type === 'usage') this.usage = e.usage;
    try {
      this.emitTo(e);
    } catch (err) {
      this.emitError = err;
      this.hasEmitError = true;
      this.abort.abort();
    }
  }

  /** (Re)start the one watchdog: first-byte until the body's first chunk, then idle between chunks. */
  private arm(ms: number, reason: StopReason): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(reason), ms);
  }

  private stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    clearTimeout(this.timer);
    this.abort.abort();
  }

  private stopFailure(): CallFailure | undefined {
    const { provider, timeouts, maxAnswerBytes } = this.spec;
    switch (this.stopReason) {
      case undefined:
      case 'cancelled':
        return undefined;
      case 'first_byte_timeout':
        return { kind: 'first_byte_timeout', message: `${provider} (${this.host}) sent nothing within ${seconds(timeouts.firstByteMs)} (first-byte timeout)`, moveOn: true };
      case 'idle_timeout':
        return { kind: 'idle_timeout', message: `${provider} (${this.host}) went silent for ${seconds(timeouts.idleMs)} mid-answer (idle timeout)`, moveOn: true };
      case 'too_large':
        return { kind: 'too_large', message: `${provider} answered more than ${mib(maxAnswerBytes)}; the answer was cut`, moveOn: false };
    }
  }

  /** A transport error as a `network` failure naming the host (never the URL's query, never a key). */
  private networkFailure(e: unknown, midAnswer: boolean): CallFailure {
    const err = e as { code?: string; message?: string; cause?: { code?: string } };
    const code = err.code ?? err.cause?.code ?? '';
    const what =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host not found (DNS)'
          : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET'
            ? 'connection reset'
            : code === 'UND_ERR_CONNECT_TIMEOUT'
              ? 'connect timeout'
              : (err.message ?? 'network error');
    const where = midAnswer ? ' mid-answer' : '';
    return { kind: 'network', message: oneLine(`cannot reach ${this.host}${where}: ${what}${code && !what.includes(code) ? ` (${code})` : ''}`), moveOn: true };
  }

  private outcome(failure: CallFailure | undefined, finish?: FinishReason): CallOutcome {
    const o: CallOutcome = {
      finish: finish ?? (failure ? 'error' : 'stop'),
      chars: this.chars,
      durationMs: Math.round(performance.now() - this.started),
    };
    if (failure) o.failure = failure;
    if (this.usage) o.usage = this.usage;
    if (this.firstDeltaMs !== undefined) o.firstDeltaMs = this.firstDeltaMs;
    return o;
  }
}

/** undici's headers (a value may be a list) as one lower-cased string per name. */
function flatHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return 'an invalid base URL';
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${bytes} bytes`;
}
