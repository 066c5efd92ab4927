/**
 * What each HTTP wire format (openaiChat, anthropicMessages, geminiGenerate) provides to
 * httpCall: the request for a spec, and a decoder from its SSE events to {@link StreamEvent}s.
 */
import type { HttpCallSpec } from '../callSpec.js';
import type { CallFailure, FinishReason, StreamEvent, TokenUsage } from '../../protocol/providerProtocol.js';
import { oneLine } from '../../limits/httpFailure.js';
import type { SseEvent } from './sseStream.js';

/** One POST, ready for undici; the headers hold the key, so they are never logged. */
export interface WireRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Turns one call's SSE events into stream events; a stateful object, one per call. */
export interface WireDecoder {
  /** Decode one event, emitting what it says; a failure ends the call (the stream is dropped). */
  feed(event: SseEvent, emit: (e: StreamEvent) => void): CallFailure | undefined;
  /** Once the stream has ended: the finish event if the wire's terminator came, else undefined (truncated). */
  end(): FinishReason | undefined;
  /** The latest usage the stream reported, for a call that is cut short. */
  readonly usage: TokenUsage | undefined;
  /** What the terminator is, for the "ended before …" message. */
  readonly terminator: string;
}

export interface WireFormat {
  request(spec: HttpCallSpec): WireRequest;
  decoder(provider: string): WireDecoder;
}

/** `base` + `path`, with exactly one slash between them. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The auth header for `spec`, by its scheme or the wire's default; none without a key. */
export function authHeader(spec: HttpCallSpec, fallback: NonNullable<HttpCallSpec['authScheme']>): Record<string, string> {
  if (!spec.apiKey) return {};
  const scheme = spec.authScheme ?? fallback;
  if (scheme === 'bearer') return { authorization: `Bearer ${spec.apiKey}` };
  return { [scheme]: spec.apiKey };
}

/** Headers every wire sends. */
export const JSON_SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json',
  accept: 'text/event-stream',
};

/** `data` as JSON, or a malformed failure naming the provider. */
export function parseData(provider: string, data: string): { json: unknown } | { failure: CallFailure } {
  try {
    return { json: JSON.parse(data) };
  } catch {
    return { failure: malformed(`${provider} sent an event that is not JSON: ${data.slice(0, 80)}`) };
  }
}

/** A non-negative integer token count, or 0. */
export function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0;
}

/** A stream Relay cannot read (bad JSON, no terminator, not SSE): another provider may do better. */
export function malformed(message: string): CallFailure {
  return { kind: 'malformed', message: oneLine(message), moveOn: true };
}
