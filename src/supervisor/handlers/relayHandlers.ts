/**
 * Bus handlers for the `relay.*` requests. The daemon spreads them into its handler table:
 * `{ ...relayHandlers(sessions) }`.
 */
import type { RequestHandler } from '../../bus/busServer.js';
import type { RelayRequests } from '../../protocol/relayProtocol.js';
import type { RelaySessions } from '../relay/relaySessions.js';

type RelayHandlers = { [T in keyof RelayRequests]: RequestHandler<T> };

/** Optional strings from a payload that crossed a process boundary: anything else is absent. */
function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function relayHandlers(sessions: RelaySessions): RelayHandlers {
  return {
    'relay.handoff': (payload) => {
      const agent = optionalString(payload?.agent);
      const to = optionalString(payload?.to);
      return sessions.handoff({ ...(agent ? { agent } : {}), ...(to ? { to } : {}) });
    },
    'relay.list': () => ({ sessions: sessions.list() }),
  };
}
