/**
 * OpenCode bus events, as Relay's OpenCode plugin forwards them to `relay hook opencode-event`:
 * the plugin's `event: async ({event}) => …` hook writes `JSON.stringify(event)` (`{id, type,
 * properties}`; a `{event: {…}}` wrapper is accepted too, and an optional top-level `directory`
 * from the plugin context becomes the event's cwd) to the hook's stdin. The plugin should
 * forward only the types below; the rest (message.part.*, busy/idle statuses) are ignored here.
 *
 * Signals, as the recorded plugin events show them:
 * - `session.status` `{type: "retry", attempt, message, next}` → `warning`, reset at `next`
 *   (epoch ms): OpenCode is retrying (it retries 5 times, honouring retry-after);
 * - `session.error` `{error: {name: "APIError", data: {statusCode: 429, responseHeaders,
 *   responseBody}}}` → `limit`, reset from the headers; `insufficient_quota` is a limit with no
 *   reset (a billing quota does not lift with the rate window);
 * - `message.updated` whose `info.error` is that same error → the same limit (it arrives right
 *   after `session.error`; the daemon debounces the pair);
 * - `session.created`, `session.idle`, and errors that are not 429 → events without a limit.
 */
import { parseResetTime } from '../limits/resetTime.js';
import { resetFromHeaders } from '../limits/rateLimitHeaders.js';
import {
  baseEvent,
  guarded,
  ignored,
  malformed,
  withLimit,
  type HookParseContext,
  type HookParseResult,
  type LimitFields,
} from './hookParse.js';
import { isObject } from '../platform/jsonValue.js';
import { Fields, Invalid, optional, type ShapeOf } from './payloadFields.js';

/*
 * Each shape below checks every field it names, read or not, and ignores the rest: an event
 * whose ids or error fields are not of the types OpenCode sends is logged as malformed, while
 * fields OpenCode adds in later versions change nothing.
 */

/** The bus event: `{type, properties?, directory?}` (`directory` from the plugin's context). */
const BUS_EVENT = {
  type: 'string',
  /** The event's own fields; read per `type` below. */
  properties: 'object?',
  directory: 'string?',
} as const;

/** OpenCode's `APIError` (`{name, data: {message, statusCode, responseHeaders, responseBody}}`). */
const API_ERROR = {
  name: 'string?',
  data: optional({
    message: 'string?',
    statusCode: 'number?',
    /** Header values that are not strings are skipped where the headers are read. */
    responseHeaders: 'object?',
    responseBody: 'string?',
  }),
} as const;

type ApiError = ShapeOf<typeof API_ERROR>;

/** `session.status`: `{sessionID?, status: {type, attempt?, message?, next?}}`. */
const STATUS = { sessionID: 'string?', status: { type: 'string', attempt: 'number?', message: 'string?', next: 'number?' } } as const;

/** `session.error`: `{sessionID?, error?}`. */
const SESSION_ERROR = { sessionID: 'string?', error: optional(API_ERROR) } as const;

/** `message.updated`: `{sessionID?, info: {sessionID?, error?, path?: {cwd?}}}`. */
const MESSAGE_UPDATED = {
  sessionID: 'string?',
  info: { sessionID: 'string?', error: optional(API_ERROR), path: optional({ cwd: 'string?' }) },
} as const;

/** `session.created` / `session.idle`: `{sessionID?, info?: {id?, directory?}}`. */
const SESSION = { sessionID: 'string?', info: optional({ id: 'string?', directory: 'string?' }) } as const;

/** Epoch ms in a plausible range: after 2001 and before 2286. */
function epochMs(n: number | undefined): number | undefined {
  return n !== undefined && n > 1e12 && n < 1e13 ? n : undefined;
}

const QUOTA = /insufficient_quota|exceeded your current quota/i;

/** The limit an OpenCode error reports, if it is a 429. */
function errorLimit(error: ApiError | undefined, source: 'session' | 'message', now: number): LimitFields | undefined {
  const data = error?.data;
  if (!data || data.statusCode !== 429) return undefined;
  const message = (data.message ?? '').slice(0, 2000);
  const matched = message || `${error?.name ?? 'error'} 429`;
  if (QUOTA.test(message) || QUOTA.test((data.responseBody ?? '').slice(0, 4096))) {
    return { severity: 'limit', rule: 'hook:opencode.quota_exceeded', matched };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(data.responseHeaders?.record ?? {})) if (typeof v === 'string') headers[k] = v;
  const resetAt = resetFromHeaders(headers, now) ?? (message ? parseResetTime(message, now) : undefined);
  return { severity: 'limit', rule: `hook:opencode.${source}_error_429`, matched, resetAt };
}

function unwrap(payload: unknown): unknown {
  if (isObject(payload) && 'event' in payload && !('type' in payload)) {
    const inner = payload.event;
    const directory = payload.directory;
    if (isObject(inner) && typeof directory === 'string') {
      return { ...inner, directory };
    }
    return inner;
  }
  return payload;
}

/** An OpenCode bus event, as the Relay plugin forwards it, as a hook event; never throws. */
export function parseOpencode(payload: unknown, ctx: HookParseContext): HookParseResult {
  return guarded(() => {
    const f = Fields.of(unwrap(payload));
    if (f instanceof Invalid) return malformed(f.reason);
    const bus = f.read(BUS_EVENT);
    if (bus instanceof Invalid) return malformed(bus.reason);
    const { type, directory } = bus;
    // No properties reads as empty ones: each type's shape then says what it misses.
    const properties = bus.properties ?? Fields.empty('properties');
    const event = (session: unknown, cwd: unknown = directory) =>
      baseEvent('opencode', { event: type, agentSession: session, cwd }, ctx);

    switch (type) {
      case 'session.status': {
        const p = properties.read(STATUS);
        if (p instanceof Invalid) return malformed(p.reason);
        const s = p.status;
        if (s.type !== 'retry') return ignored(`session.status ${s.type.slice(0, 40)}: not an event Relay acts on`);
        const attempt = s.attempt !== undefined ? ` attempt ${s.attempt}` : '';
        return {
          event: withLimit(event(p.sessionID), {
            severity: 'warning',
            rule: 'hook:opencode.retry',
            matched: `retrying${attempt}: ${s.message ?? ''}`,
            resetAt: epochMs(s.next),
          }),
        };
      }
      case 'session.error': {
        const p = properties.read(SESSION_ERROR);
        if (p instanceof Invalid) return malformed(p.reason);
        const limit = errorLimit(p.error, 'session', ctx.now);
        const e = event(p.sessionID);
        return { event: limit ? withLimit(e, limit) : e };
      }
      case 'message.updated': {
        const p = properties.read(MESSAGE_UPDATED);
        if (p instanceof Invalid) return malformed(p.reason);
        if (!p.info.error) return ignored('message.updated without an error');
        const limit = errorLimit(p.info.error, 'message', ctx.now);
        const e = event(p.info.sessionID ?? p.sessionID, directory ?? p.info.path?.cwd);
        return { event: limit ? withLimit(e, limit) : e };
      }
      case 'session.created':
      case 'session.idle': {
        const p = properties.read(SESSION);
        if (p instanceof Invalid) return malformed(p.reason);
        return { event: event(p.sessionID ?? p.info?.id, directory ?? p.info?.directory) };
      }
      default:
        return ignored(`${type.slice(0, 100)}: not an event Relay acts on`);
    }
  });
}
