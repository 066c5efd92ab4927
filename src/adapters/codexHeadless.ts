/**
 * Codex's `codex exec --json` output (0.169.0; samples in test/fixtures/headless/codex-*). One
 * JSON object a line: `thread.started` (`thread_id`, the session to resume), `turn.started`,
 * `item.completed` items (an `agent_message` holds a whole message: Codex prints no deltas;
 * `error` items are notices such as "clamping SessionEnd hook timeout", not failures), `error`
 * lines while it reconnects (`Reconnecting... 2/5 (…429…)`), then `turn.completed` with `usage`
 * or `turn.failed` with the error's message. Its stderr holds banners and `ERROR:` lines.
 */
import type { CallFailure, StreamEvent } from '../protocol/providerProtocol.js';
import { isObject } from '../platform/jsonValue.js';
import { parseResetTime } from '../limits/resetTime.js';
import type { HeadlessExit, HeadlessParser } from './agentDescriptor.js';
import { cliFailure, exitFailure, jsonLine, num, plainLines, text } from './headlessFailure.js';

const LOGIN_HINT = 'run codex login, or set OPENAI_API_KEY';

/** `You’ve hit your usage limit. … try again at 10:58 AM.`: the plan's window, with its reset. */
const USAGE_LIMIT = /You['’]ve hit your usage limit/;
const QUOTA = /Quota exceeded|insufficient_quota|purchase more credits/i;
const RATE_LIMITED = /last status: 429\b|429 Too Many Requests|\brate limit/i;
const AUTH = /\b401\b|Unauthorized|not logged in|\blog ?in\b|invalid api key|missing bearer/i;
const STATUS = /\b(?:last status|unexpected status):? (\d{3})\b/;
const RECONNECTING = /^Reconnecting\.\.\. \d+\/\d+/;

export class CodexHeadlessParser implements HeadlessParser {
  private wroteText = false;
  private completed = false;
  private failed: string | undefined;
  private lastError: string | undefined;

  line(raw: string): StreamEvent[] {
    const o = jsonLine(raw);
    if (!o) return [];
    switch (o.type) {
      case 'thread.started': {
        const id = text(o.thread_id);
        return id ? [{ type: 'session', id }] : [];
      }
      case 'item.completed': {
        const item = isObject(o.item) ? o.item : {};
        const t = text(item.text);
        if (item.type !== 'agent_message' || !t) return [];
        const sep = this.wroteText ? '\n\n' : '';
        this.wroteText = true;
        return [{ type: 'delta', text: sep + t }];
      }
      case 'error': {
        const m = text(o.message) ?? '';
        if (RECONNECTING.test(m)) return [{ type: 'warning', text: m }];
        this.lastError = m;
        return [];
      }
      case 'turn.completed': {
        this.completed = true;
        const u = isObject(o.usage) ? o.usage : {};
        // OpenAI's accounting: input includes the cached part, output includes reasoning.
        const usage = {
          inputTokens: num(u.input_tokens) ?? 0,
          outputTokens: num(u.output_tokens) ?? 0,
          cacheReadTokens: num(u.cached_input_tokens) ?? 0,
          cacheWriteTokens: num(u.cache_write_input_tokens) ?? 0,
        };
        return [{ type: 'usage', usage }, { type: 'finish', reason: 'stop' }];
      }
      case 'turn.failed': {
        this.failed = (isObject(o.error) ? text(o.error.message) : undefined) ?? 'turn failed';
        return [{ type: 'finish', reason: 'error' }];
      }
      default:
        return [];
    }
  }

  end(exit: HeadlessExit): CallFailure | undefined {
    if (this.completed && !this.failed && exit.code === 0) return undefined;
    const stderrError = plainLines(exit.stderrTail)
      .filter((l) => l.startsWith('ERROR: '))
      .at(-1)
      ?.slice('ERROR: '.length);
    const message = this.failed ?? this.lastError ?? stderrError;
    if (!message) return exitFailure('codex', exit);
    const code = STATUS.exec(message)?.[1];
    const status = code === undefined ? undefined : Number(code);
    // Codex prints the reset in local time, as the process's zone reads it.
    if (USAGE_LIMIT.test(message)) return cliFailure('rate_limited', message, { status: 429, resetAt: parseResetTime(message, exit.now) });
    if (QUOTA.test(message)) return cliFailure('quota', message, { status: 429 });
    if (RATE_LIMITED.test(message) || status === 429) return cliFailure('rate_limited', message, { status: 429, resetAt: parseResetTime(message, exit.now) });
    if (status === 401 || status === 403 || AUTH.test(message)) return cliFailure('auth', message, { status, hint: LOGIN_HINT });
    if (status === 503 || status === 529) return cliFailure('overloaded', message, { status });
    if (status !== undefined && status >= 500) return cliFailure('server', message, { status });
    return cliFailure('cli_failed', message, { status });
  }
}
