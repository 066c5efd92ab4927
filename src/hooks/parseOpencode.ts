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
import { z } from 'zod';
import { parseResetTime } from '../limits/resetTime.js';
import { resetFromHeaders } from './headerReset.js';
import {
  baseEvent,
  guarded,
  ignored,
  malformed,
  withLimit,
  zodReason,
  type HookParseContext,
  type HookParseResult,
  type LimitFields,
} from './hookParse.js';

const busEventSchema = z.object({
  type: z.string(),
  properties: z.record(z.string(), z.unknown()).optional(),
  directory: z.string().optional(),
});

const apiErrorSchema = z.object({
  name: z.string().optional(),
  data: z
    .object({
      message: z.string().optional(),
      statusCode: z.number().optional(),
      responseHeaders: z.record(z.string(), z.unknown()).optional(),
      responseBody: z.string().optional(),
    })
    .partial()
    .optional(),
});

const statusSchema = z.object({
  sessionID: z.string().optional(),
  status: z.object({
    type: z.string(),
    attempt: z.number().optional(),
    message: z.string().optional(),
    next: z.number().optional(),
  }),
});

const sessionErrorSchema = z.object({ sessionID: z.string().optional(), error: apiErrorSchema.optional() });

const messageUpdatedSchema = z.object({
  sessionID: z.string().optional(),
  info: z.object({
    sessionID: z.string().optional(),
    error: apiErrorSchema.optional(),
    path: z.object({ cwd: z.string().optional() }).optional(),
  }),
});

const sessionSchema = z.object({
  sessionID: z.string().optional(),
  info: z.object({ id: z.string().optional(), directory: z.string().optional() }).optional(),
});

type ApiError = z.infer<typeof apiErrorSchema>;

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
  for (const [k, v] of Object.entries(data.responseHeaders ?? {})) if (typeof v === 'string') headers[k] = v;
  const resetAt = resetFromHeaders(headers, now) ?? (message ? parseResetTime(message, now) : undefined);
  return { severity: 'limit', rule: `hook:opencode.${source}_error_429`, matched, resetAt };
}

function unwrap(payload: unknown): unknown {
  if (payload && typeof payload === 'object' && !Array.isArray(payload) && 'event' in payload && !('type' in payload)) {
    const inner = (payload as { event: unknown }).event;
    const directory = (payload as { directory?: unknown }).directory;
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && typeof directory === 'string') {
      return { ...inner, directory };
    }
    return inner;
  }
  return payload;
}

/** An OpenCode bus event, as the Relay plugin forwards it, as a hook event; never throws. */
export function parseOpencode(payload: unknown, ctx: HookParseContext): HookParseResult {
  return guarded(() => {
    const bus = busEventSchema.safeParse(unwrap(payload));
    if (!bus.success) return malformed(zodReason(bus.error));
    const { type, properties = {}, directory } = bus.data;
    const event = (session: unknown, cwd: unknown = directory) =>
      baseEvent('opencode', { event: type, agentSession: session, cwd }, ctx);

    switch (type) {
      case 'session.status': {
        const p = statusSchema.safeParse(properties);
        if (!p.success) return malformed(zodReason(p.error));
        const s = p.data.status;
        if (s.type !== 'retry') return ignored(`session.status ${s.type.slice(0, 40)}: not an event Relay acts on`);
        const attempt = s.attempt !== undefined ? ` attempt ${s.attempt}` : '';
        return {
          event: withLimit(event(p.data.sessionID), {
            severity: 'warning',
            rule: 'hook:opencode.retry',
            matched: `retrying${attempt}: ${s.message ?? ''}`,
            resetAt: epochMs(s.next),
          }),
        };
      }
      case 'session.error': {
        const p = sessionErrorSchema.safeParse(properties);
        if (!p.success) return malformed(zodReason(p.error));
        const limit = errorLimit(p.data.error, 'session', ctx.now);
        const e = event(p.data.sessionID);
        return { event: limit ? withLimit(e, limit) : e };
      }
      case 'message.updated': {
        const p = messageUpdatedSchema.safeParse(properties);
        if (!p.success) return malformed(zodReason(p.error));
        if (!p.data.info.error) return ignored('message.updated without an error');
        const limit = errorLimit(p.data.info.error, 'message', ctx.now);
        const e = event(p.data.info.sessionID ?? p.data.sessionID, directory ?? p.data.info.path?.cwd);
        return { event: limit ? withLimit(e, limit) : e };
      }
      case 'session.created':
      case 'session.idle': {
        const p = sessionSchema.safeParse(properties);
        if (!p.success) return malformed(zodReason(p.error));
        return { event: event(p.data.sessionID ?? p.data.info?.id, directory ?? p.data.info?.directory) };
      }
      default:
        return ignored(`${type.slice(0, 100)}: not an event Relay acts on`);
    }
  });
}
