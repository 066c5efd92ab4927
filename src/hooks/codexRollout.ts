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
import { Fields, Invalid, nullish, optional, type CustomField, type Shape, type ShapeOf } from './payloadFields.js';

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

/*
 * Rollout lines are read with the same checks as hook payloads (payloadFields.ts). A line that
 * names `task_complete` or `token_count` but does not have the expected shape is skipped, and the
 * search goes on to the line before it: a malformed line says nothing about how the turn ended.
 */

/**
 * `codex_error_info` as the rollout spells it: a string (`usage_limit_exceeded`,
 * `internal_server_error`…) or a variant with the upstream HTTP status
 * (`{response_too_many_failed_attempts: {http_status_code: 429}}`); a variant may be absent, but
 * when present it must be an object. The camelCase forms are the app-server protocol's; accepted
 * in case the rollout ever follows it.
 */
const STATUS_VARIANTS = {
  response_too_many_failed_attempts: optional({ http_status_code: 'number|null?' }),
  http_connection_failed: optional({ http_status_code: 'number|null?' }),
  response_stream_connection_failed: optional({ http_status_code: 'number|null?' }),
  response_stream_disconnected: optional({ http_status_code: 'number|null?' }),
  responseTooManyFailedAttempts: optional({ httpStatusCode: 'number|null?' }),
  httpConnectionFailed: optional({ httpStatusCode: 'number|null?' }),
} as const;

/** `codex_error_info` (missing or null: undefined) as its string, or the HTTP statuses of its variants. */
type ErrorInfo = string | { statuses: (number | null | undefined)[] } | undefined;

function readErrorInfo(info: unknown, path: string): ErrorInfo | Invalid {
  if (info === undefined || info === null || typeof info === 'string') return info ?? undefined;
  const f = Fields.of(info, path);
  if (f instanceof Invalid) return f;
  const variants = f.read(STATUS_VARIANTS);
  if (variants instanceof Invalid) return variants;
  return { statuses: Object.values(variants).flatMap((v) => (v ? Object.values(v) : [])) };
}

/** A field that must hold exactly `expected` (the lines' `type`s). A rollout's reasons are never shown. */
function exactly(expected: string): CustomField<string> {
  return (value, path) => (value === expected ? expected : new Invalid(`${path}: not ${expected}`));
}

/** A `task_complete` line: its `payload` is `{type, turn_id?, error?: {message?, codex_error_info?}}`. */
const TASK_COMPLETE = {
  type: exactly('event_msg'),
  payload: {
    type: exactly('task_complete'),
    turn_id: 'string?',
    error: nullish({ message: 'string|null?', codex_error_info: readErrorInfo }),
  },
} as const;

/** One rate-limit window of a `token_count` line; every field may be missing or null. */
const WINDOW = { used_percent: 'number|null?', resets_at: 'number|null?', resets_in_seconds: 'number|null?' } as const;

type Window = ShapeOf<typeof WINDOW>;

/** A `token_count` line: `{timestamp?, type, payload: {type, rate_limits?: {primary?, secondary?}}}`. */
const TOKEN_COUNT = {
  timestamp: 'string?',
  type: exactly('event_msg'),
  payload: { type: exactly('token_count'), rate_limits: nullish({ primary: nullish(WINDOW), secondary: nullish(WINDOW) }) },
} as const;

type TokenCount = ShapeOf<typeof TOKEN_COUNT>;

/** The line's fields as `shape` reads them, or Invalid (not JSON, not an object, not that shape). */
function readLine<const S extends Shape>(line: string, shape: S): ShapeOf<S> | Invalid {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return new Invalid('line: not JSON');
  }
  const f = Fields.of(value, 'line');
  return f instanceof Invalid ? f : f.read(shape);
}

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

function classify(info: ErrorInfo): CodexFailure {
  if (info === undefined) return 'other';
  if (typeof info === 'string') return info === 'usage_limit_exceeded' || info === 'usageLimitExceeded' ? 'usage_limit' : 'other';
  return info.statuses.includes(429) ? 'http_429' : 'other';
}

/** Epoch seconds or, from older Codex versions, seconds after the line's timestamp. */
function windowReset(w: Window, lineAt: number | undefined): number | undefined {
  if (typeof w.resets_at === 'number' && w.resets_at > 0) return w.resets_at * 1000;
  if (typeof w.resets_in_seconds === 'number' && lineAt !== undefined) return lineAt + w.resets_in_seconds * 1000;
  return undefined;
}

function exhaustedReset(line: TokenCount): number | undefined {
  const lineAt = line.timestamp ? Date.parse(line.timestamp) : NaN;
  let latest: number | undefined;
  const limits = line.payload.rate_limits;
  for (const w of limits ? [limits.primary, limits.secondary] : []) {
    if (!w || typeof w.used_percent !== 'number' || w.used_percent < 100) continue;
    const at = windowReset(w, Number.isNaN(lineAt) ? undefined : lineAt);
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
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
    const p = readLine(line, TASK_COMPLETE);
    if (p instanceof Invalid) continue;
    const { turn_id, error } = p.payload;
    outcome = {};
    if (turn_id) outcome.turnId = turn_id;
    if (error) {
      outcome.failure = classify(error.codex_error_info);
      if (error.message) outcome.message = error.message;
    }
    break;
  }
  if (!outcome?.failure || outcome.failure === 'other') return outcome;
  // The turn's rate-limit snapshot comes before its task_complete, after the turn started.
  for (i -= 1; i >= 0; i--) {
    const line = lines[i]!;
    if (line.includes('"task_started"') || line.includes('"task_complete"')) break;
    if (!line.includes('"token_count"')) continue;
    const parsed = readLine(line, TOKEN_COUNT);
    if (parsed instanceof Invalid) continue;
    const at = exhaustedReset(parsed);
    if (at !== undefined) outcome.windowResetAt = at;
    break;
  }
  return outcome;
}
