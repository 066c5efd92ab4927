/**
 * Anthropic messages, streamed (`POST {baseUrl}/v1/messages`). Named events: `message_start`
 * (input usage: `input_tokens` excludes the cache reads and writes, which are added here),
 * `content_block_delta` (`text_delta`; thinking and tool-input deltas are not answer text),
 * `message_delta` (stop reason, cumulative `output_tokens`), `message_stop` (the terminator),
 * `ping`, and `error` (e.g. overloaded_error after a 200).
 */
import type { HttpCallSpec } from '../callSpec.js';
import type { FinishReason, StreamEvent, TokenUsage } from '../../protocol/providerProtocol.js';
import { classifyStreamError } from '../../limits/httpFailure.js';
import { isObject } from '../../platform/jsonValue.js';
import type { SseEvent } from './sseStream.js';
import { authHeader, count, joinUrl, JSON_SSE_HEADERS, parseData, type WireDecoder, type WireFormat, type WireRequest } from './wireFormat.js';

/** The API version every request names; the event shapes above are this version's. */
export const ANTHROPIC_VERSION = '2023-06-01';

const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool',
  refusal: 'content_filter',
};

function request(spec: HttpCallSpec): WireRequest {
  const system = spec.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const body: Record<string, unknown> = {
    model: spec.model,
    max_tokens: spec.maxOutputTokens,
    messages: spec.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
    stream: true,
  };
  if (system.length > 0) body['system'] = system.join('\n\n');
  return {
    url: joinUrl(spec.baseUrl, 'v1/messages'),
    headers: { ...JSON_SSE_HEADERS, 'anthropic-version': ANTHROPIC_VERSION, ...authHeader(spec, 'x-api-key') },
    body: JSON.stringify(body),
  };
}

function decoder(provider: string): WireDecoder {
  let input = 0;
  let cacheRead: number | undefined;
  let cacheWrite: number | undefined;
  let output = 0;
  let usage: TokenUsage | undefined;
  let finish: FinishReason | undefined;
  let done = false;

  const report = (u: Record<string, unknown>, emit: (e: StreamEvent) => void): void => {
    // message_delta repeats the input side in newer versions; absent fields keep what message_start said.
    if (u['input_tokens'] !== undefined) input = count(u['input_tokens']);
    if (u['cache_read_input_tokens'] !== undefined && u['cache_read_input_tokens'] !== null) cacheRead = count(u['cache_read_input_tokens']);
    if (u['cache_creation_input_tokens'] !== undefined && u['cache_creation_input_tokens'] !== null) cacheWrite = count(u['cache_creation_input_tokens']);
    if (u['output_tokens'] !== undefined) output = count(u['output_tokens']);
    usage = { inputTokens: input + (cacheRead ?? 0) + (cacheWrite ?? 0), outputTokens: output };
    if (cacheRead !== undefined) usage.cacheReadTokens = cacheRead;
    if (cacheWrite !== undefined) usage.cacheWriteTokens = cacheWrite;
    emit({ type: 'usage', usage });
  };

  return {
    terminator: 'event: message_stop',
    get usage() {
      return usage;
    },
    feed(event: SseEvent, emit: (e: StreamEvent) => void) {
      const parsed = parseData(provider, event.data);
      if ('failure' in parsed) return parsed.failure;
      const msg = parsed.json;
      if (!isObject(msg)) return undefined;
      const type = msg['type'] ?? event.event;
      if (type === 'error' || event.event === 'error') {
        return classifyStreamError(provider, msg, Date.now()) ?? classifyStreamError(provider, { error: { type: 'api_error', message: event.data } }, Date.now());
      }
      if (type === 'content_block_delta') {
        const delta = msg['delta'];
        if (isObject(delta) && delta['type'] === 'text_delta' && typeof delta['text'] === 'string' && delta['text'] !== '') emit({ type: 'delta', text: delta['text'] });
      } else if (type === 'message_start') {
        const message = msg['message'];
        if (isObject(message) && isObject(message['usage'])) report(message['usage'], emit);
      } else if (type === 'message_delta') {
        const delta = msg['delta'];
        if (isObject(delta) && typeof delta['stop_reason'] === 'string') finish = FINISH[delta['stop_reason']] ?? 'unknown';
        if (isObject(msg['usage'])) report(msg['usage'], emit);
      } else if (type === 'message_stop') {
        done = true;
      }
      return undefined;
    },
    end() {
      return done ? (finish ?? 'stop') : undefined;
    },
  };
}

export const anthropicMessages: WireFormat = { request, decoder };
