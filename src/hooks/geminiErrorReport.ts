/**
 * When a Gemini CLI turn fails, Gemini writes an error report to its temp dir
 * (`os.tmpdir()`: `$TMPDIR`, else `/tmp`) named `gemini-client-error-<where>-<ISO time, with `-`
 * for `:` and `.`>.json`, and prints "Full report available at: <path>" (0.61.0). Its first
 * bytes are `{"error": {"message": …, "stack": "<ErrorClass>: <message>\n at …"}`, then the
 * whole conversation. A hook is Gemini's child and inherits `TMPDIR`, so on `SessionEnd` after an
 * unanswered request the report says why the request failed: `TerminalQuotaError` (the daily
 * quota, which Gemini does not retry) is a limit; anything else (an auth error, a cancelled
 * call) is not proof of one.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** What a report says failed. */
export interface GeminiErrorReport {
  /** The error class at the head of the stack: `TerminalQuotaError`, `RetryableQuotaError`, … */
  errorClass: string;
  /** Its message, at most {@link MAX_MESSAGE} chars. */
  message: string;
  /** When it was written (from its name), ms since the epoch. */
  at: number;
}

const REPORT_NAME = /^gemini-client-error-[\w.-]+-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.json$/;
/** The error comes first in the file; the conversation after it can be megabytes. */
const HEAD_BYTES = 8192;
const MAX_MESSAGE = 300;
/** Reports from this long before the request started or after the hook fired are someone else's. */
const SLACK_MS = 2_000;
/** Bound on names looked at, so a huge temp dir cannot slow the hook down much. */
const MAX_NAMES = 20_000;
const STACK_HEAD = /"stack"\s*:\s*"([A-Z][\w$]*(?:Error|Exception)): ((?:[^"\\]|\\[^n])*)/;

/** Gemini's temp dir as Node's `os.tmpdir()` computes it on POSIX, from the hook's environment. */
export function geminiTempDir(env: Readonly<Record<string, string | undefined>>): string {
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}

function atOf(m: RegExpExecArray): number {
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`);
}

function readHead(file: string): string | undefined {
  let fd: number;
  try {
    // Not a symlink, not a FIFO that would block the hook.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0)).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The newest report in `dir` written between `since` and `until` (ms, with a little slack), or
 * undefined when there is none or it cannot be read.
 */
export function latestGeminiErrorReport(dir: string, since: number, until: number): GeminiErrorReport | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  let best: { name: string; at: number } | undefined;
  for (const name of names.slice(0, MAX_NAMES)) {
    if (!name.startsWith('gemini-client-error-')) continue;
    const m = REPORT_NAME.exec(name);
    if (!m) continue;
    const at = atOf(m);
    if (!(at >= since - SLACK_MS && at <= until + SLACK_MS)) continue;
    if (!best || at > best.at) best = { name, at };
  }
  if (!best) return undefined;
  const head = readHead(join(dir, best.name));
  const stack = head === undefined ? null : STACK_HEAD.exec(head);
  if (!stack) return undefined;
  return { errorClass: stack[1]!, message: stack[2]!.replace(/\\(.)/g, '$1').slice(0, MAX_MESSAGE), at: best.at };
}
