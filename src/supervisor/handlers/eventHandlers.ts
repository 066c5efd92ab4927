/**
 * Bus handlers for the `events.*` requests: replay the log, prove a subscription live, and append
 * a client's event once it is durable. The daemon (and later the dashboard) mounts them.
 */
import type { RequestHandler } from '../../bus/busServer.js';
import type { EventRecord, NewEvent } from '../../protocol/eventRecord.js';
import { TOPIC } from '../../protocol/requests.js';
import { RelayError } from '../../platform/errors.js';

type EventRequestType = 'events.replay' | 'events.sync' | 'events.emit';
export type EventHandlers = { [T in EventRequestType]: RequestHandler<T> };

/** A replay page never carries more than this many events (one bus frame stays small). */
const MAX_REPLAY_PAGE = 5_000;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;
/** An event is a record, not a file: 64 KiB is far above any real one and keeps replay pages small. */
const MAX_EVENT_PAYLOAD_BYTES = 64 * 1024;

export interface EventHandlerDeps {
  log: {
    readonly lastSeq: number;
    append(e: NewEvent): EventRecord;
    /** Resolves once the event with this seq is committed. */
    durable(seq: number): Promise<void>;
    /** Write what is queued now. */
    flush(): void;
  };
  /** Committed events with seq > `since`, oldest first. */
  since(since: number, opts: { typePrefix?: string; limit: number }): EventRecord[];
  publish(topic: string, value: unknown): void;
}

export function eventHandlers(d: EventHandlerDeps): EventHandlers {
  return {
    'events.replay': ({ since, typePrefix, limit }) => {
      // Queued events must be visible to a replay, or a follower could miss them at the seam.
      d.log.flush();
      const page = Math.min(Math.max(1, limit ?? MAX_REPLAY_PAGE), MAX_REPLAY_PAGE);
      const events = d.since(since, { ...(typePrefix ? { typePrefix } : {}), limit: page });
      return { events, lastSeq: d.log.lastSeq };
    },
    'events.sync': ({ token }) => {
      d.publish(TOPIC.sync(token), { token, lastSeq: d.log.lastSeq });
      return { token };
    },
    'events.emit': async ({ type, actor: who, payload }) => {
      if (typeof type !== 'string' || !EVENT_TYPE.test(type) || typeof who !== 'string' || !who || who.length > 200) {
        throw new RelayError('E_USAGE', `not a valid event: type "${String(type).slice(0, 80)}", actor "${String(who).slice(0, 80)}"`, {
          hint: 'event types are dotted lower-case words, like agent.exited',
        });
      }
      const body = payload && typeof payload === 'object' ? payload : {};
      let size: number;
      try {
        size = Buffer.byteLength(JSON.stringify(body));
      } catch (e) {
        throw new RelayError('E_USAGE', `event payload cannot be stored as JSON: ${(e as Error).message}`);
      }
      if (size > MAX_EVENT_PAYLOAD_BYTES) {
        throw new RelayError('E_USAGE', `event payload is ${size} bytes, over the ${MAX_EVENT_PAYLOAD_BYTES}-byte limit`, {
          hint: 'put large data in a file and reference it from the event',
        });
      }
      const record = d.log.append({ type, actor: who, payload: body });
      await d.log.durable(record.seq);
      return { seq: record.seq };
    },
  };
}
