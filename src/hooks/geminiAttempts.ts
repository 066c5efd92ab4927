/**
 * Gemini CLI retries a failed model call inside one `BeforeModel … AfterModel` span: its
 * `retryWithBackoff` calls the request function again, and the `BeforeModel` hook fires inside
 * that function, so it fires once per attempt with the same `llm_request.messages`. A hook
 * process is stateless, so the attempts of the conversation's current request are kept in a tiny
 * file under the spool dir; a second attempt of the same request, with no response in between,
 * is the early warning that Gemini is retrying into a limit.
 *
 * The state per conversation is `{request, model, count, first, last}` (bounded, a few hundred
 * bytes). Any response (`AfterModel`, `AfterAgent`) or a new prompt (`BeforeAgent`) clears it;
 * `SessionEnd` reads and clears it.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../platform/atomicWrite.js';
import { ensurePrivateDir, type RelayPaths } from '../platform/paths.js';
import { isObject } from '../platform/jsonValue.js';
import { isNumber } from './payloadFields.js';

/**
 * A repeat closer than this is not a backoff retry: Gemini's 429/5xx backoff waits ≥ ~3.5 s
 * (5 s ± 30 % jitter, then longer), while its invalid-content retry waits 500 ms and a hook
 * seen twice for one call is immediate.
 */
const MIN_RETRY_GAP_MS = 1_000;
/**
 * A repeat further apart than this is a new request, not a retry. Backoff delays cap at 30 s;
 * "Keep trying" in the interactive quota dialog re-sends after the user answers.
 */
const MAX_RETRY_GAP_MS = 10 * 60_000;
/** Files of conversations that never ended (crashed, killed) are removed after this long. */
export const STALE_ATTEMPTS_MS = 24 * 3_600_000;

export interface GeminiAttempts {
  /** Hash of the request's `llm_request.messages`: equal for every attempt of one request. */
  request: string;
  /** The model of the last attempt (Gemini may switch to a fallback model between attempts). */
  model?: string;
  /** Attempts so far without a response. */
  count: number;
  /** When the first and the last attempt started, ms since the epoch. */
  first: number;
  last: number;
}

export interface GeminiAttemptStore {
  load(conversation: string): GeminiAttempts | undefined;
  save(conversation: string, state: GeminiAttempts): void;
  clear(conversation: string): void;
  /** Forget conversations idle longer than {@link STALE_ATTEMPTS_MS}. */
  prune(now: number): void;
}

/** A stable short id for a request's messages (or anything JSON). Throws on a cyclic value. */
export function requestKey(messages: unknown): string {
  return createHash('sha256').update(JSON.stringify(messages) ?? 'undefined').digest('hex').slice(0, 32);
}

/** The state after a `BeforeModel` for `request` at `at` (pure). */
export function recordAttempt(
  prev: GeminiAttempts | undefined,
  request: string,
  model: string | undefined,
  at: number,
): GeminiAttempts {
  const next = (count: number, first: number): GeminiAttempts =>
    model === undefined ? { request, count, first, last: at } : { request, model, count, first, last: at };
  if (!prev || prev.request !== request) return next(1, at);
  const gap = at - prev.last;
  // Out of order or too close: the same attempt, not a new one.
  if (gap < MIN_RETRY_GAP_MS) return prev;
  if (gap > MAX_RETRY_GAP_MS) return next(1, at);
  return next(prev.count + 1, prev.first);
}

/**
 * A state file's content as {@link GeminiAttempts}, or undefined when it is not one this module
 * wrote: the file sits in a directory other processes can write to (same user), so it is checked
 * like a payload. The bounds are far beyond what {@link recordAttempt} produces (a 32-char hash, a
 * model name, a count that resets after 10 minutes without a retry).
 */
function asAttempts(value: unknown): GeminiAttempts | undefined {
  if (!isObject(value)) return undefined;
  const { request, model, count, first, last } = value;
  if (typeof request !== 'string' || request.length > 64) return undefined;
  if (model !== undefined && (typeof model !== 'string' || model.length > 200)) return undefined;
  if (!isNumber(count) || !Number.isInteger(count) || count < 1 || count > 1_000_000) return undefined;
  if (!isNumber(first) || !isNumber(last)) return undefined;
  // Only the known fields: whatever else the file held is not carried into the next save.
  return model === undefined ? { request, count, first, last } : { request, model, count, first, last };
}

/** The state file is tiny; anything bigger was not written by this module. */
const MAX_STATE_BYTES = 4096;
/**
 * A state file, or the temp file of a save that never finished: `.gemini-….json.<pid>.<id>.tmp`
 * (platform/atomicWrite.ts), or `gemini-….json.<pid>.tmp` from before it.
 */
const STATE_FILE = /^(?:gemini-[0-9a-f]{24}\.json(?:\.\d+\.tmp)?|\.gemini-[0-9a-f]{24}\.json\.\d+\.[0-9a-z]+\.tmp)$/;

/** The attempts of each conversation in `spool/gemini-<hash>.json`, 0600, written atomically. */
export function fileAttemptStore(paths: RelayPaths): GeminiAttemptStore {
  // A hash, not the session id: the file name must be safe whatever the payload says, and the
  // conversation is keyed by its transcript path (see parseGemini.ts).
  const fileOf = (conversation: string): string =>
    join(paths.spool, `gemini-${createHash('sha256').update(conversation).digest('hex').slice(0, 24)}.json`);

  return {
    load(conversation) {
      let fd: number;
      try {
        fd = openSync(fileOf(conversation), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        const buf = Buffer.alloc(MAX_STATE_BYTES);
        const n = readSync(fd, buf, 0, MAX_STATE_BYTES, 0);
        return asAttempts(JSON.parse(buf.subarray(0, n).toString('utf8')));
      } catch {
        return undefined;
      } finally {
        closeSync(fd);
      }
    },
    save(conversation, state) {
      ensurePrivateDir(paths.home);
      ensurePrivateDir(paths.spool);
      // Atomic: a reader sees the old state or the new one, never half of one.
      writeFileAtomicSync(fileOf(conversation), JSON.stringify(state));
    },
    clear(conversation) {
      rmSync(fileOf(conversation), { force: true });
    },
    prune(now) {
      let names: string[];
      try {
        names = readdirSync(paths.spool);
      } catch {
        return;
      }
      // Bounded: the hook must stay fast even if the spool dir holds thousands of entries.
      for (const name of names.slice(0, 1000)) {
        if (!STATE_FILE.test(name)) continue;
        const file = join(paths.spool, name);
        try {
          if (now - lstatSync(file).mtimeMs > STALE_ATTEMPTS_MS) rmSync(file, { force: true });
        } catch {
          // Removed by another hook meanwhile.
        }
      }
    },
  };
}
