/**
 * OpenCode's `opencode run --format json` output (1.18.33; samples in
 * test/fixtures/headless/opencode-*). One JSON object a line, each with `sessionID`:
 * `step_start`, `text` (a whole text part: OpenCode prints no deltas), `tool_use`, `step_finish`
 * (`reason`, `tokens` {input, output, reasoning, cache {read, write}}, `cost` in USD) per model
 * step, and `error` when the provider failed — `error.data` carries the provider's
 * `statusCode`, `responseHeaders` and `responseBody`, which say when a limit lifts.
 */
import type { CallFailure, FinishReason, StreamEvent, TokenUsage } from '../protocol/providerProtocol.js';
import { isObject, type JsonObject } from '../platform/jsonValue.js';
import { parseResetTime } from '../limits/resetTime.js';
import { resetFromHeaders } from '../limits/rateLimitHeaders.js';
import type { HeadlessExit, HeadlessParser } from './agentDescriptor.js';
import { cliFailure, exitFailure, jsonLine, kindOfStatus, num, plainLines, text, usdToMicros } from './headlessFailure.js';

const LOGIN_HINT = 'run opencode auth login, or set the provider key OpenCode uses';

const QUOTA = /insufficient_quota|exceeded your current quota|billing/i;
const RATE_LIMITED = /[Rr]ate[ _-]?limit|\b429\b|[Tt]oo [Mm]any [Rr]equests|RESOURCE_EXHAUSTED/;

const STEP_REASONS: Record<string, FinishReason> = { stop: 'stop', length: 'length', 'tool-calls': 'tool', 'content-filter': 'content_filter' };

/** String-valued headers only (what resetFromHeaders reads). */
function headersOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, h] of Object.entries(v)) if (typeof h === 'string') out[k] = h;
  return out;
}

export class OpencodeHeadlessParser implements HeadlessParser {
  private session: string | undefined;
  private wroteText = false;
  private usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  private costMicros: number | undefined;
  private finished = false;
  private error: JsonObject | undefined;

  line(raw: string): StreamEvent[] {
    const o = jsonLine(raw);
    if (!o) return [];
    const events: StreamEvent[] = [];
    const sid = text(o.sessionID);
    if (sid && sid !== this.session) {
      this.session = sid;
      events.push({ type: 'session', id: sid });
    }
    const part = isObject(o.part) ? o.part : {};
    if (o.type === 'text') {
      const t = text(part.text);
      if (t) {
        events.push({ type: 'delta', text: (this.wroteText ? '\n\n' : '') + t });
        this.wroteText = true;
      }
    } else if (o.type === 'step_finish') {
      this.addStep(part);
      events.push({ type: 'usage', usage: { ...this.usage, ...(this.costMicros !== undefined ? { reportedCostMicros: this.costMicros } : {}) } });
      const reason = STEP_REASONS[text(part.reason) ?? ''] ?? 'unknown';
      // A step that called tools is followed by another; only the last one ends the answer.
      if (reason !== 'tool') {
        this.finished = true;
        events.push({ type: 'finish', reason });
      }
    } else if (o.type === 'error') {
      this.error = isObject(o.error) ? o.error : {};
      events.push({ type: 'finish', reason: 'error' });
    }
    return events;
  }

  /**
   * OpenCode counts `input` without the cached part and `reasoning` apart from `output` (its own
   * cost adds them separately); the protocol counts cached input in input, reasoning in output.
   */
  private addStep(part: JsonObject): void {
    const t = isObject(part.tokens) ? part.tokens : {};
    const cache = isObject(t.cache) ? t.cache : {};
    const read = num(cache.read) ?? 0;
    const write = num(cache.write) ?? 0;
    this.usage.inputTokens += (num(t.input) ?? 0) + read + write;
    this.usage.outputTokens += (num(t.output) ?? 0) + (num(t.reasoning) ?? 0);
    this.usage.cacheReadTokens! += read;
    this.usage.cacheWriteTokens! += write;
    const cost = num(part.cost);
    if (cost !== undefined) this.costMicros = (this.costMicros ?? 0) + usdToMicros(cost);
  }

  end(exit: HeadlessExit): CallFailure | undefined {
    if (!this.error) {
      if (this.finished && exit.code === 0) return undefined;
      return this.fromStderr(exit);
    }
    const data = isObject(this.error.data) ? this.error.data : {};
    const message = text(data.message) ?? text(this.error.name) ?? 'provider error';
    const status = num(data.statusCode);
    const body = text(data.responseBody) ?? '';
    if (status === 429 || (status === undefined && RATE_LIMITED.test(message))) {
      const resetAt = resetFromHeaders(headersOf(data.responseHeaders), exit.now) ?? parseResetTime(message, exit.now);
      return cliFailure(QUOTA.test(`${message} ${body}`) ? 'quota' : 'rate_limited', message, { status: 429, resetAt });
    }
    if (this.error.name === 'ProviderAuthError' || status === 401 || status === 403) {
      return cliFailure('auth', message, { status, hint: LOGIN_HINT });
    }
    return cliFailure(kindOfStatus(status) ?? 'cli_failed', message, { status });
  }

  /** Without `--format json`'s error line (an older build, a crash): its `Error: …` on stderr. */
  private fromStderr(exit: HeadlessExit): CallFailure {
    const line = plainLines(exit.stderrTail)
      .filter((l) => l.startsWith('Error: '))
      .at(-1)
      ?.slice('Error: '.length);
    if (!line) return exitFailure('opencode', exit);
    if (RATE_LIMITED.test(line)) return cliFailure(QUOTA.test(line) ? 'quota' : 'rate_limited', line, { resetAt: parseResetTime(line, exit.now) });
    return cliFailure('cli_failed', line);
  }
}
