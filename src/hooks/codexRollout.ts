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
import { Fields, Invalid } from './payloadFields.js';

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
 * The upstream HTTP status inside one `codex_error_info` variant
 * (`{response_too_many_failed_attempts: {http_status_code: 429}}`); the variant itself may be
 * absent, but when present it must be an object.
 */
function variantStatus(info: Fields, variant: string, key: 'http_status_code' | 'httpStatusCode'): number | undefined | Invalid {
  const v = info.optionalObject(variant);
  if (v === undefined || v instanceof Invalid) return v;
  return v.nullishNumber(key) ?? undefined;
}

/**
 * `codex_error_info` as the rollout spells it: a string (`usage_limit_exceeded`,
 * `internal_server_error`…) or a variant with the upstream HTTP status. The camelCase forms are
 * the app-server protocol's; accepted in case the rollout ever follows it.
 */
const STATUS_VARIANTS = [
  ['response_too_many_failed_attempts', 'http_status_code'],
  ['http_connection_failed', 'http_status_code'],
  ['response_stream_connection_failed', 'http_status_code'],
  ['response_stream_disconnected', 'http_status_code'],
  ['responseTooManyFailedAttempts', 'httpStatusCode'],
  ['httpConnectionFailed', 'httpStatusCode'],
] as const;

/** `codex_error_info` (missing or null: undefined) as its string, or the HTTP statuses of its variants. */
type ErrorInfo = string | { statuses: (number | undefined)[] } | undefined;

function readErrorInfo(error: Fields): ErrorInfo | Invalid {
  const info: unknown = error.record.codex_error_info;
  if (info === undefined || info === null || typeof info === 'string') return info ?? undefined;
  const f = Fields.of(info, `${error.where}.codex_error_info`);
  if (f instanceof Invalid) return f;
  const statuses: (number | undefined)[] = [];
  for (const [variant, key] of STATUS_VARIANTS) {
    const status = variantStatus(f, variant, key);
    if (status instanceof Invalid) return status;
    statuses.push(status);
  }
  return { statuses };
}

/** The `payload` of a `task_complete` line: `{type, turn_id?, error?: {message?, codex_error_info?}}`. */
interface TaskComplete {
  turn_id?: string | undefined;
  error?: { message?: string | null | undefined; info: ErrorInfo } | undefined;
}

function readTaskComplete(line: unknown): TaskComplete | Invalid {
  const f = Fields.of(line, 'line');
  if (f instanceof Invalid) return f;
  if (f.record.type !== 'event_msg') return new Invalid('type: not event_msg');
  const p = f.object('payload');
  if (p instanceof Invalid) return p;
  if (p.record.type !== 'task_complete') return new Invalid('payload.type: not task_complete');
  const turn_id = p.optionalString('turn_id');
  if (turn_id instanceof Invalid) return turn_id;
  const e = p.nullishObject('error');
  if (e instanceof Invalid) return e;
  if (e === undefined) return { turn_id };
  const message = e.nullishString('message');
  if (message instanceof Invalid) return message;
  const info = readErrorInfo(e);
  if (info instanceof Invalid) return info;
  return { turn_id, error: { message, info } };
}

/** One rate-limit window of a `token_count` line; every field may be missing or null. */
interface Window {
  used_percent?: number | null | undefined;
  resets_at?: number | null | undefined;
  resets_in_seconds?: number | null | undefined;
}

function readWindow(limits: Fields, key: 'primary' | 'secondary'): Window | undefined | Invalid {
  const w = limits.nullishObject(key);
  if (w === undefined || w instanceof Invalid) return w;
  const used_percent = w.nullishNumber('used_percent');
  if (used_percent instanceof Invalid) return used_percent;
  const resets_at = w.nullishNumber('resets_at');
  if (resets_at instanceof Invalid) return resets_at;
  const resets_in_seconds = w.nullishNumber('resets_in_seconds');
  if (resets_in_seconds instanceof Invalid) return resets_in_seconds;
  return { used_percent, resets_at, resets_in_seconds };
}

/** A `token_count` line: `{timestamp?, type, payload: {type, rate_limits?: {primary?, secondary?}}}`. */
interface TokenCount {
  timestamp?: string | undefined;
  windows: (Window | undefined)[];
}

function readTokenCount(line: unknown): TokenCount | Invalid {
  const f = Fields.of(line, 'line');
  if (f instanceof Invalid) return f;
  const timestamp = f.optionalString('timestamp');
  if (timestamp instanceof Invalid) return timestamp;
  if (f.record.type !== 'event_msg') return new Invalid('type: not event_msg');
  const p = f.object('payload');
  if (p instanceof Invalid) return p;
  if (p.record.type !== 'token_count') return new Invalid('payload.type: not token_count');
  const limits = p.nullishObject('rate_limits');
  if (limits instanceof Invalid) return limits;
  if (limits === undefined) return { timestamp, windows: [] };
  const primary = readWindow(limits, 'primary');
  if (primary instanceof Invalid) return primary;
  const secondary = readWindow(limits, 'secondary');
  if (secondary instanceof Invalid) return secondary;
  return { timestamp, windows: [primary, secondary] };
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
  for (const w of line.windows) {
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
    const p = readTaskComplete(parseLine(line));
    if (p instanceof Invalid) continue;
    outcome = {};
    if (p.turn_id) outcome.turnId = p.turn_id;
    if (p.error) {
      outcome.failure = classify(p.error.info);
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
    const parsed = readTokenCount(parseLine(line));
    if (parsed instanceof Invalid) continue;
    const at = exhaustedReset(parsed);
    if (at !== undefined) outcome.windowResetAt = at;
    break;
  }
  return outcome;
}
