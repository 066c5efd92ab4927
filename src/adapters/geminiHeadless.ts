/**
 * Gemini CLI's `-p … -o stream-json` output (0.61.0; samples in test/fixtures/headless/gemini-*).
 * One JSON object a line: `init` (`session_id`, `model`), `message` (the user's echo, then the
 * assistant's text as `delta: true` pieces), `tool_use`/`tool_result`, and a final `result` with
 * `status` and `stats` (tokens). A quota failure is a `result` with `status: "error"`, exit code
 * 173 (429 mod 256) and the classified error on stderr: `TerminalQuotaError` (daily quota, not
 * retried) or `RetryableQuotaError` (per-minute, after its retries), with `Please retry in 2.0s`.
 */
import type { CallFailure, StreamEvent } from '../protocol/providerProtocol.js';
import { isObject } from '../platform/jsonValue.js';
import { parseResetTime } from '../limits/resetTime.js';
import type { HeadlessExit, HeadlessParser } from './agentDescriptor.js';
import { cliFailure, exitFailure, jsonLine, num, plainLines, text } from './headlessFailure.js';

const LOGIN_HINT = 'run gemini once to log in, or set GEMINI_API_KEY';

/** Gemini's exit codes (0.61.0): 429 mod 256 for a quota error in JSON modes; 41 for auth. */
export const GEMINI_EXIT_QUOTA = 173;
const GEMINI_EXIT_AUTH = 41;

const QUOTA_TEXT = /TerminalQuotaError|RetryableQuotaError|[Qq]uota|RESOURCE_EXHAUSTED|\b429\b|[Rr]ate limit/;
/** Spent for the day (or longer): a quota, not a short rate window. */
const TERMINAL = /TerminalQuotaError|exhausted your daily quota/;
const AUTH = /FatalAuthenticationError|API key not valid|Please set an Auth method|UNAUTHENTICATED|\b401\b/;

/** `[API Error: You have exhausted your daily quota on this model.]\nPlease wait…` → its sentence. */
function apiErrorSentence(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/^\[API Error:\s*/, '').replace(/\]$/, '');
}

export class GeminiHeadlessParser implements HeadlessParser {
  private succeeded = false;
  private errorMessage: string | undefined;

  line(raw: string): StreamEvent[] {
    const o = jsonLine(raw);
    if (!o) return [];
    switch (o.type) {
      case 'init': {
        const id = text(o.session_id);
        return id ? [{ type: 'session', id }] : [];
      }
      case 'message': {
        const t = text(o.content);
        return o.role === 'assistant' && t ? [{ type: 'delta', text: t }] : [];
      }
      case 'result': {
        const s = isObject(o.stats) ? o.stats : {};
        const cached = num(s.cached) ?? 0;
        const usage = { inputTokens: num(s.input_tokens) ?? 0, outputTokens: num(s.output_tokens) ?? 0, cacheReadTokens: cached };
        if (o.status === 'success') {
          this.succeeded = true;
          return [{ type: 'usage', usage }, { type: 'finish', reason: 'stop' }];
        }
        this.errorMessage = (isObject(o.error) ? text(o.error.message) : undefined) ?? 'error';
        return [{ type: 'usage', usage }, { type: 'finish', reason: 'error' }];
      }
      default:
        return [];
    }
  }

  end(exit: HeadlessExit): CallFailure | undefined {
    if (this.succeeded && exit.code === 0) return undefined;
    const stderr = plainLines(exit.stderrTail);
    // The classified error's line names its class; the lines after it carry the retry delay.
    const at = stderr.findIndex((l) => /(?:Terminal|Retryable)QuotaError:/.test(l));
    const classified = at >= 0 ? stderr.slice(at, at + 4).join('\n') : undefined;
    const all = [this.errorMessage ?? '', classified ?? ''].join('\n');
    const sentence = this.errorMessage ? apiErrorSentence(this.errorMessage) : classified?.split('\n')[0]?.replace(/^.*?(?:Terminal|Retryable)QuotaError:\s*/, '');
    if (exit.code === GEMINI_EXIT_QUOTA || QUOTA_TEXT.test(all)) {
      const kind = TERMINAL.test(all) ? 'quota' : 'rate_limited';
      return cliFailure(kind, sentence ?? 'quota exceeded', { status: 429, resetAt: parseResetTime(all, exit.now) });
    }
    if (exit.code === GEMINI_EXIT_AUTH || AUTH.test(all) || stderr.some((l) => AUTH.test(l))) {
      return cliFailure('auth', sentence ?? stderr.find((l) => AUTH.test(l)) ?? 'not authenticated', { hint: LOGIN_HINT });
    }
    if (sentence) return cliFailure('cli_failed', sentence);
    return exitFailure('gemini', exit);
  }
}
