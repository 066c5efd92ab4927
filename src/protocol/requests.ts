/**
 * What travels on the bus: the request types the daemon answers (with their payload and result
 * types, so the client is typed end to end) and the topics of the event socket.
 */
import type { ErrorRecord } from '../platform/errors.js';
import type { EventRecord } from './eventRecord.js';
import type { AgentRequests } from './agentProtocol.js';
import type { KnowledgeRequests } from './knowledgeProtocol.js';
import type { SessionRequests } from './sessionProtocol.js';
import type { RelayRequests } from './relayProtocol.js';
import type { ProviderRequests } from './providerProtocol.js';
import type { DashboardRequests } from './dashboardProtocol.js';

export interface ChildStatus {
  id: string;
  pid?: number;
  restart: string;
  state: string;
  restarts: number;
  startedAt?: number;
}

export interface DaemonStatus {
  pid: number;
  version: string;
  home: string;
  startedAt: number;
  uptimeMs: number;
  rssBytes: number;
  lastSeq: number;
  children: ChildStatus[];
}

/**
 * The one line a starting daemon writes on its ready pipe (fd `RELAY_READY_FD`) for the
 * launcher: ready, or why it could not start.
 */
export type ReadyMessage =
  | { ready: true; pid: number }
  | { error: { code: string; message: string; hint?: string } };

/** Requests about the daemon itself and its event log. */
export interface CoreRequests {
  'daemon.ping': { payload: Record<string, never>; result: { pid: number; startedAt: number } };
  'daemon.status': { payload: Record<string, never>; result: DaemonStatus };
  /** The daemon replies first, then shuts down; the client waits for the pid to go. */
  'daemon.stop': { payload: Record<string, never>; result: { pid: number } };
  /**
   * Events with seq > `since`, oldest first, at most `limit`. `lastSeq` is the newest seq the
   * daemon had assigned when it answered: a reader that saw the sync token before asking misses
   * nothing at or below it.
   */
  'events.replay': {
    payload: { since: number; typePrefix?: string; limit?: number };
    result: { events: EventRecord[]; lastSeq: number };
  };
  /** Publish `token` on the event socket: proof that a new subscription is live. */
  'events.sync': { payload: { token: string }; result: { token: string } };
  /** Append an event to the log; the reply comes once it is durable in the database. */
  'events.emit': {
    payload: { type: string; actor: string; payload: Record<string, unknown> };
    result: { seq: number };
  };
}

/**
 * Request type → payload and result, for every request the daemon answers. Each family lives in
 * its own file; adding a request is adding a line there and a handler.
 */
export interface RequestMap
  extends CoreRequests,
    AgentRequests,
    RelayRequests,
    KnowledgeRequests,
    ProviderRequests,
    SessionRequests,
    DashboardRequests {}

export type RequestType = keyof RequestMap;
export type RequestPayload<T extends RequestType> = RequestMap[T]['payload'];
export type RequestResult<T extends RequestType> = RequestMap[T]['result'];

/** The payload of a reply envelope (type `reply`). */
export type ReplyPayload<R = unknown> = { ok: true; result: R } | ({ ok: false } & ErrorRecord);

/** Event-socket topics are prefixes (ZeroMQ filters subscriptions by prefix at the publisher). */
export const TOPIC = {
  /** `ev:<type>`; subscribe to `ev:handoff.` for one family. */
  event: (type: string) => `ev:${type}`,
  eventPrefix: (typePrefix = '') => `ev:${typePrefix}`,
  sync: (token: string) => `sync:${token}`,
} as const;
