/**
 * How the last Codex turn ended, read from its rollout file (`$CODEX_HOME/sessions/…/rollout-
 * <ts>-<uuid>.jsonl`, lines `{timestamp, type, payload}`). Codex fires no hook on a failed turn,
 * but it writes the failure into the rollout: the turn's `event_msg` of type `task_complete`
 * carries `error.codex_error_info` (CLI-FACTS.md), and the `token_count` before it carries the
 * account's rate-limit windows with their reset times.
 *
 * Only the file's tail is read (a long session's rollout grows to megabytes, and the hook runs
 * inside Codex's loop), and only lines that name the two event types are parsed.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';

/** Enough for the last turns of any session: a turn's closing lines are a few KB. */
export const ROLLOUT_TAIL_BYTES = 256 * 1024;

/**
 * The last `maxBytes` of a regular file as text, starting at a line boundary, or undefined.
 * O_NONBLOCK so that a FIFO named in a payload cannot block the hook; anything that is not a
 * regular file is refused after the open.
 */
export function readFileTail(path: string, maxBytes: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const length = Math.min(st.size, maxBytes);
    const start = st.size - length;
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    const text = buf.subarray(0, got).toString('utf8');
    // Started mid-file: the first line is a fragment.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

const httpStatus = z.object({ http_status_code: z.number().nullish() }).partial();
const httpStatusCamel = z.object({ httpStatusCode: z.number().nullish() }).partial();

/**
 * `codex_error_info` as the rollout spells it: a string (`usage_limit_exceeded`,
 * `internal_server_error`…) or a variant with the upstream HTTP status. The camelCase forms are
 * the app-server protocol's; accepted in case the rollout ever follows it.
 */
const errorInfoSchema = z.union([
  z.string(),
  z
    .object({
      response_too_many_failed_attempts: httpStatus,
      http_connection_failed: httpStatus,
      response_stream_connection_failed: httpStatus,
      response_stream_disconnected: httpStatus,
      responseTooManyFailedAttempts: httpStatusCamel,
      httpConnectionFailed: httpStatusCamel,
    })
    .partial(),
]);

const taskCompleteSchema = z.object({
  type: z.literal('event_msg'),
  payload: z.object({
    type: z.literal('task_complete'),
    turn_id: z.string().optional(),
    error: z
      .object({ message: z.string().nullish(), codex_error_info: errorInfoSchema.nullish() })
      .nullish(),
  }),
});

const windowSchema = z.object({
  used_percent: z.number().nullish(),
  resets_at: z.number().nullish(),
  resets_in_seconds: z.number().nullish(),
});

const tokenCountSchema = z.object({
  timestamp: z.string().optional(),
  type: z.literal('event_msg'),
  payload: z.object({
    type: z.literal('token_count'),
    rate_limits: z.object({ primary: windowSchema.nullish(), secondary: windowSchema.nullish() }).nullish(),
  }),
});

export type CodexFailure =
  /** `usage_limit_exceeded`: the plan's usage window is used up. */
  | 'usage_limit'
  /** Codex retried a 429 until it gave up. */
  | 'http_429'
  /** Any other failure (overload, 5xx, auth, context window…): not a limit. */
  | 'other';

export interface CodexTurnOutcome {
  turnId?: string;
  failure?: CodexFailure;
  /** The error message Codex showed for the turn. */
  message?: string;
  /**
   * Latest reset among the rate-limit windows at 100 % in the turn's last `token_count`; a
   * window with room left says nothing about when this limit lifts.
   */
  windowResetAt?: number;
}

function classify(info: z.infer<typeof errorInfoSchema> | null | undefined): CodexFailure {
  if (info === null || info === undefined) return 'other';
  if (typeof info === 'string') return info === 'usage_limit_exceeded' || info === 'usageLimitExceeded' ? 'usage_limit' : 'other';
  const statuses = [
    info.response_too_many_failed_attempts?.http_status_code,
    info.http_connection_failed?.http_status_code,
    info.response_stream_connection_failed?.http_status_code,
    info.response_stream_disconnected?.http_status_code,
    info.responseTooManyFailedAttempts?.httpStatusCode,
    info.httpConnectionFailed?.httpStatusCode,
  ];
  return statuses.includes(429) ? 'http_429' : 'other';
}

/** Epoch seconds or, from older Codex versions, seconds after the line's timestamp. */
function windowReset(w: z.infer<typeof windowSchema>, lineAt: number | undefined): number | undefined {
  if (typeof w.resets_at === 'number' && w.resets_at > 0) return w.resets_at * 1000;
  if (typeof w.resets_in_seconds === 'number' && lineAt !== undefined) return lineAt + w.resets_in_seconds * 1000;
  return undefined;
}

function exhaustedReset(line: z.infer<typeof tokenCountSchema>): number | undefined {
  const limits = line.payload.rate_limits;
  if (!limits) return undefined;
  const lineAt = line.timestamp ? Date.parse(line.timestamp) : NaN;
  let latest: number | undefined;
  for (const w of [limits.primary, limits.secondary]) {
    if (!w || typeof w.used_percent !== 'number' || w.used_percent < 100) continue;
    const at = windowReset(w, Number.isNaN(lineAt) ? undefined : lineAt);
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * The outcome of the last completed turn in a rollout's text, or undefined when the text holds
 * no `task_complete`. A turn that succeeded has no `failure`.
 */
export function lastTurnOutcome(rollout: string): CodexTurnOutcome | undefined {
  const lines = rollout.split('\n');
  let i = lines.length - 1;
  let outcome: CodexTurnOutcome | undefined;
  for (; i >= 0; i--) {
    const line = lines[i]!;
    if (!line.includes('"task_complete"')) continue;
    const parsed = taskCompleteSchema.safeParse(parseLine(line));
    if (!parsed.success) continue;
    const p = parsed.data.payload;
    outcome = {};
    if (p.turn_id) outcome.turnId = p.turn_id;
    if (p.error) {
      outcome.failure = classify(p.error.codex_error_info);
      if (p.error.message) outcome.message = p.error.message;
    }
    break;
  }
  if (!outcome?.failure || outcome.failure === 'other') return outcome;
  // The turn's rate-limit snapshot comes before its task_complete, after the turn started.
  for (i -= 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.includes('"task_started"') || line.includes('"task_complete"')) break;
    if (!line.includes('"token_count"')) continue;
    const parsed = tokenCountSchema.safeParse(parseLine(line));
    if (!parsed.success) continue;
    const at = exhaustedReset(parsed.data);
    if (at !== undefined) outcome.windowResetAt = at;
    break;
  }
  return outcome;
}
