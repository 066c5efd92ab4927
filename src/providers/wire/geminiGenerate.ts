/**
 * Google Gemini, streamed (`POST {baseUrl}/v1beta/models/{model}:streamGenerateContent?alt=sse`).
 * Each event is a whole GenerateContentResponse: `candidates[0].content.parts[].text` (parts
 * marked `thought` are the model's thinking, not its answer), `usageMetadata` (cumulative), and
 * `finishReason` on the last one. There is no terminator event: a stream that ends without a
 * finish reason was cut.
 */
import type { HttpCallSpec } from '../callSpec.js';
import type { FinishReason, StreamEvent, TokenUsage } from '../../protocol/providerProtocol.js';
import { classifyStreamError } from '../../limits/httpFailure.js';
import { isObject } from '../../platform/jsonValue.js';
import type { SseEvent } from './sseStream.js';
import { authHeader, count, joinUrl, JSON_SSE_HEADERS, parseData, type WireDecoder, type WireFormat, type WireRequest } from './wireFormat.js';

const FINISH: Readonly<Record<string, FinishReason>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'error',
};

function request(spec: HttpCallSpec): WireRequest {
  const system = spec.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const body: Record<string, unknown> = {
    contents: spec.messages
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] })),
    generationConfig: { maxOutputTokens: spec.maxOutputTokens },
  };
  if (system.length > 0) body['systemInstruction'] = { parts: [{ text: system.join('\n\n') }] };
  // `models/gemini-2.5-flash` (as the model list names them) and `gemini-2.5-flash` both work.
  const model = encodeURIComponent(spec.model.replace(/^models\//, ''));
  return {
    url: joinUrl(spec.baseUrl, `v1beta/models/${model}:streamGenerateContent?alt=sse`),
    headers: { ...JSON_SSE_HEADERS, ...authHeader(spec, 'x-goog-api-key') },
    body: JSON.stringify(body),
  };
}

/** `promptTokenCount` includes the cached tokens; thinking tokens are billed as output. */
function usageOf(u: Record<string, unknown>): TokenUsage {
  const usage: TokenUsage = {
    inputTokens: count(u['promptTokenCount']),
    outputTokens: count(u['candidatesTokenCount']) + count(u['thoughtsTokenCount']),
  };
  if (u['cachedContentTokenCount'] !== undefined) usage.cacheReadTokens = count(u['cachedContentTokenCount']);
  return usage;
}

function decoder(provider: string): WireDecoder {
  let usage: TokenUsage | undefined;
  let finish: FinishReason | undefined;
  return {
    terminator: 'a finishReason',
    get usage() {
      return usage;
    },
    feed(event: SseEvent, emit: (e: StreamEvent) => void) {
      const parsed = parseData(provider, event.data);
      if ('failure' in parsed) return parsed.failure;
      const chunk = parsed.json;
      const error = classifyStreamError(provider, chunk, Date.now());
      if (error) return error;
      if (!isObject(chunk)) return undefined;
      const candidate = Array.isArray(chunk['candidates']) ? chunk['candidates'][0] : undefined;
      if (isObject(candidate)) {
        const content = candidate['content'];
        const parts = isObject(content) && Array.isArray(content['parts']) ? content['parts'] : [];
        for (const p of parts) {
          if (isObject(p) && p['thought'] !== true && typeof p['text'] === 'string' && p['text'] !== '') emit({ type: 'delta', text: p['text'] });
        }
        const reason = candidate['finishReason'];
        if (typeof reason === 'string' && reason && reason !== 'FINISH_REASON_UNSPECIFIED') finish = FINISH[reason] ?? 'unknown';
      } else {
        // A prompt blocked before any candidate: `promptFeedback.blockReason`, and that is the end.
        const feedback = chunk['promptFeedback'];
        if (isObject(feedback) && typeof feedback['blockReason'] === 'string') finish = 'content_filter';
      }
      if (isObject(chunk['usageMetadata'])) {
        usage = usageOf(chunk['usageMetadata']);
        // Every chunk repeats the running totals: report them once, with the last chunk.
        if (finish !== undefined) emit({ type: 'usage', usage });
      }
      return undefined;
    },
    end() {
      return finish;
    },
  };
}

export const geminiGenerate: WireFormat = { request, decoder };
