/**
 * OpenAI chat completions, streamed (`POST {baseUrl}/chat/completions`), as OpenAI, DeepSeek,
 * Ollama, LM Studio, vLLM and OpenRouter speak it. Chunks carry `choices[0].delta.content`;
 * `finish_reason` comes in the last content chunk, the usage (with `stream_options.include_usage`)
 * in a chunk of its own with no choices after it, and `data: [DONE]` ends the stream.
 */
import type { HttpCallSpec } from '../callSpec.js';
import type { FinishReason, StreamEvent, TokenUsage } from '../../protocol/providerProtocol.js';
import { classifyStreamError } from '../../limits/httpFailure.js';
import { isObject } from '../../platform/jsonValue.js';
import type { SseEvent } from './sseStream.js';
import { authHeader, count, joinUrl, JSON_SSE_HEADERS, parseData, type WireDecoder, type WireFormat, type WireRequest } from './wireFormat.js';

const FINISH: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool',
  function_call: 'tool',
  content_filter: 'content_filter',
};

/** OpenAI's own API (and Azure's) take `max_completion_tokens`; everyone else `max_tokens`. */
function maxTokensField(spec: HttpCallSpec): 'max_tokens' | 'max_completion_tokens' {
  if (spec.maxTokensField) return spec.maxTokensField;
  let host = '';
  try {
    host = new URL(spec.baseUrl).hostname;
  } catch {
    // An invalid base URL fails when the request is sent, with the network failure's message.
  }
  return host === 'api.openai.com' || host.endsWith('.openai.azure.com') ? 'max_completion_tokens' : 'max_tokens';
}

function request(spec: HttpCallSpec): WireRequest {
  return {
    url: joinUrl(spec.baseUrl, 'chat/completions'),
    headers: { ...JSON_SSE_HEADERS, ...authHeader(spec, 'bearer') },
    body: JSON.stringify({
      model: spec.model,
      messages: spec.messages.map((m) => ({ role: m.role, content: m.content })),
      stream: true,
      stream_options: { include_usage: true },
      [maxTokensField(spec)]: spec.maxOutputTokens,
    }),
  };
}

/** `prompt_tokens` already counts the cached ones (OpenAI `cached_tokens`, DeepSeek `prompt_cache_hit_tokens`). */
function usageOf(u: Record<string, unknown>): TokenUsage {
  const usage: TokenUsage = { inputTokens: count(u['prompt_tokens']), outputTokens: count(u['completion_tokens']) };
  const details = u['prompt_tokens_details'];
  const cached = isObject(details) && details['cached_tokens'] !== undefined ? details['cached_tokens'] : u['prompt_cache_hit_tokens'];
  if (typeof cached === 'number') usage.cacheReadTokens = count(cached);
  return usage;
}

function decoder(provider: string): WireDecoder {
  let usage: TokenUsage | undefined;
  let finish: FinishReason | undefined;
  let done = false;
  return {
    terminator: 'data: [DONE]',
    get usage() {
      return usage;
    },
    feed(event: SseEvent, emit: (e: StreamEvent) => void) {
      if (event.data === '[DONE]') {
        done = true;
        return undefined;
      }
      const parsed = parseData(provider, event.data);
      if ('failure' in parsed) return parsed.failure;
      const chunk = parsed.json;
      if (!isObject(chunk)) return undefined;
      const error = classifyStreamError(provider, chunk, Date.now());
      if (error) return error;
      const choice = Array.isArray(chunk['choices']) ? chunk['choices'][0] : undefined;
      if (isObject(choice)) {
        const delta = choice['delta'];
        // `reasoning_content` (DeepSeek's reasoner) is thinking, not the answer: not streamed.
        if (isObject(delta) && typeof delta['content'] === 'string' && delta['content'] !== '') emit({ type: 'delta', text: delta['content'] });
        const reason = choice['finish_reason'];
        if (typeof reason === 'string' && reason) finish = FINISH[reason] ?? 'unknown';
      }
      if (isObject(chunk['usage'])) {
        usage = usageOf(chunk['usage']);
        emit({ type: 'usage', usage });
      }
      return undefined;
    },
    end() {
      return done ? (finish ?? 'stop') : undefined;
    },
  };
}

export const openaiChat: WireFormat = { request, decoder };
