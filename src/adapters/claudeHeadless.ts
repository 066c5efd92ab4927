/**
 * Claude Code's `-p --output-format stream-json --verbose [--include-partial-messages]` output
 * (2.1.197; samples in test/fixtures/headless/claude-*). One JSON object a line:
 * - `system/init` first (its `session_id` is on every line after it too);
 * - with partial messages, `stream_event` lines wrapping the API's own SSE events
 *   (`content_block_delta` / `text_delta` is the text as it arrives); then, and always, one
 *   `assistant` line per finished message with its whole content;
 * - `system/api_retry` per retry (`error_status`, `retry_delay_ms`);
 * - `rate_limit_event` (`status: rejected`, `resetsAt` epoch s, `rateLimitType`) on a plan limit;
 * - a failed turn is a synthetic `assistant` message with an `error` field whose text is the
 *   error, never the answer;
 * - `result` last: `is_error` + `api_error_status` (its `subtype` says success even then),
 *   `usage`, `modelUsage` per model, `total_cost_usd`.
 */
import type { CallFailure, FinishReason, StreamEvent, TokenUsage } from '../protocol/providerProtocol.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import { parseResetTime } from '../limits/resetTime.js';
import type { HeadlessExit, HeadlessParser } from './agentDescriptor.js';
import { cliFailure, exitFailure, jsonLine, kindOfStatus, num, text, usdToMicros } from './headlessFailure.js';

const LOGIN_HINT = 'run claude once to log in, or set ANTHROPIC_API_KEY';

/** Claude's plan-limit sentences (CLI-FACTS.md); "monthly" and credits are spent money, not a window. */
const PLAN_LIMIT = /^(?:You['’]ve (?:hit|reached|used) (?:up |all )?your\b.*\blimit\b|You['’]re out of (?:extra )?usage credits\b)/;
const SPENT = /\bmonthly\b|\bcredits\b/i;
const NOT_LOGGED_IN = /\bNot logged in\b|\/login\b|Invalid API key|OAuth token|authentication/i;

const STOP_REASONS: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool',
  refusal: 'content_filter',
};

/** The text blocks of an API message's content. */
function textOf(message: unknown): string {
  if (!isObject(message) || !Array.isArray(message.content)) return '';
  return message.content
    .filter((b): b is JsonObject => isObject(b) && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
}

/** Input counted the protocol's way: cache reads and writes are part of it. */
function apiUsage(u: JsonObject): TokenUsage {
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(u.cache_creation_input_tokens) ?? 0;
  return { inputTokens: (num(u.input_tokens) ?? 0) + cacheRead + cacheWrite, outputTokens: num(u.output_tokens) ?? 0, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite };
}

/**
 * The run's whole usage from its `result`: `modelUsage` sums every model the run called (a
 * title or a sub-agent on another model included), where `usage` is only the last turn's.
 */
function resultUsage(result: JsonObject): TokenUsage | undefined {
  let usage: TokenUsage | undefined;
  if (isObject(result.modelUsage) && Object.keys(result.modelUsage).length > 0) {
    usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    for (const m of Object.values(result.modelUsage)) {
      if (!isObject(m)) continue;
      const read = num(m.cacheReadInputTokens) ?? 0;
      const write = num(m.cacheCreationInputTokens) ?? 0;
      usage.inputTokens += (num(m.inputTokens) ?? 0) + read + write;
      usage.outputTokens += num(m.outputTokens) ?? 0;
      usage.cacheReadTokens! += read;
      usage.cacheWriteTokens! += write;
    }
  } else if (isObject(result.usage)) usage = apiUsage(result.usage);
  const cost = num(result.total_cost_usd);
  if (usage && cost !== undefined) usage.reportedCostMicros = usdToMicros(cost);
  return usage;
}

export class ClaudeHeadlessParser implements HeadlessParser {
  private session: string | undefined;
  /** Partial messages are on: `assistant` lines repeat text already streamed. */
  private streamed = false;
  private wroteText = false;
  /** Usage of the messages finished so far, and of the one streaming now (partial messages). */
  private done: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  private current: TokenUsage | undefined;
  private result: JsonObject | undefined;
  /** The synthetic error message of a failed turn. */
  private errorText: string | undefined;
  private rejection: { resetAt?: number; window?: string } | undefined;

  line(raw: string): StreamEvent[] {
    const o = jsonLine(raw);
    if (!o) return [];
    const events: StreamEvent[] = [];
    const sid = text(o.session_id);
    if (sid && sid !== this.session) {
      this.session = sid;
      events.push({ type: 'session', id: sid });
    }
    switch (o.type) {
      case 'stream_event':
        this.streamEvent(o.event, events);
        break;
      case 'assistant': {
        const t = textOf(o.message);
        if (o.error !== undefined) this.errorText = t || text(o.error);
        else if (!this.streamed && t) this.pushText(t, events);
        break;
      }
      case 'system':
        if (o.subtype === 'api_retry') {
          const status = num(o.error_status);
          const delay = num(o.retry_delay_ms);
          const attempt = `${num(o.attempt) ?? '?'}/${num(o.max_retries) ?? '?'}`;
          const warning: Extract<StreamEvent, { type: 'warning' }> = {
            type: 'warning',
            text: `API error${status !== undefined ? ` ${status}` : ''} (${text(o.error) ?? 'error'}), retry ${attempt}`,
          };
          // The retry's own delay: when the CLI tries again, not when the limit lifts.
          if (delay !== undefined) warning.resetAt = Date.now() + Math.round(delay);
          events.push(warning);
        }
        break;
      case 'rate_limit_event': {
        const info = isObject(o.rate_limit_info) ? o.rate_limit_info : {};
        if (info.status === 'rejected') {
          const resetsAt = num(info.resetsAt);
          this.rejection = { resetAt: resetsAt !== undefined ? resetsAt * 1000 : undefined, window: text(info.rateLimitType) };
        } else if (info.status === 'allowed_warning') {
          events.push({ type: 'warning', text: `close to the ${text(info.rateLimitType) ?? 'usage'} limit` });
        }
        break;
      }
      case 'result': {
        this.result = o;
        const usage = resultUsage(o);
        if (usage) events.push({ type: 'usage', usage });
        const reason = o.is_error === true ? 'error' : (STOP_REASONS[text(o.stop_reason) ?? ''] ?? 'unknown');
        events.push({ type: 'finish', reason });
        break;
      }
    }
    return events;
  }

  private streamEvent(e: unknown, events: StreamEvent[]): void {
    if (!isObject(e)) return;
    if (e.type === 'message_start' && isObject(e.message) && isObject(e.message.usage)) {
      this.current = apiUsage(e.message.usage);
    } else if (e.type === 'content_block_delta' && isObject(e.delta) && e.delta.type === 'text_delta') {
      const t = text(e.delta.text);
      if (t) {
        this.streamed = true;
        this.pushText(t, events, true);
      }
    } else if (e.type === 'message_delta' && isObject(e.usage) && this.current) {
      // The delta's count is cumulative for the message.
      this.current.outputTokens = num(e.usage.output_tokens) ?? this.current.outputTokens;
      events.push({ type: 'usage', usage: this.sum(this.current) });
    } else if (e.type === 'message_stop' && this.current) {
      this.done = this.sum(this.current);
      this.current = undefined;
    }
  }

  private sum(u: TokenUsage): TokenUsage {
    return { inputTokens: this.done.inputTokens + u.inputTokens, outputTokens: this.done.outputTokens + u.outputTokens };
  }

  /** Whole messages are separated by a blank line; deltas of one message join as they come. */
  private pushText(t: string, events: StreamEvent[], delta = false): void {
    const sep = this.wroteText && !delta ? '\n\n' : '';
    this.wroteText = true;
    events.push({ type: 'delta', text: sep + t });
  }

  end(exit: HeadlessExit): CallFailure | undefined {
    const r = this.result;
    if (r && r.is_error !== true && exit.code === 0) return undefined;
    const message = text(r?.result) || this.errorText;
    const status = num(r?.api_error_status);
    if (message && PLAN_LIMIT.test(message)) {
      const resetAt = this.rejection?.resetAt ?? parseResetTime(message, exit.now);
      return cliFailure(SPENT.test(message) ? 'quota' : 'rate_limited', message, { status: status ?? 429, resetAt });
    }
    if (this.rejection || status === 429) {
      // A rejection naming no window is the transient "Server is temporarily limiting requests".
      const resetAt = this.rejection?.resetAt ?? (message ? parseResetTime(message, exit.now) : undefined);
      return cliFailure('rate_limited', message ?? 'rate limited', { status: 429, resetAt });
    }
    if (status === 401 || status === 403 || (message && NOT_LOGGED_IN.test(message))) {
      return cliFailure('auth', message ?? 'not logged in', { status, hint: LOGIN_HINT });
    }
    const kind = kindOfStatus(status) ?? (message && /\bOverloaded\b/i.test(message) ? 'overloaded' : undefined);
    if (kind) return cliFailure(kind, message ?? `API error ${status}`, { status });
    if (message) return cliFailure('cli_failed', message, { status });
    if (exit.code === 0 && exit.signal === null) return cliFailure('malformed', 'claude ended without a result line');
    return exitFailure('claude', exit);
  }
}
