/**
 * What the page may read, `/api/<name>`: each a request the bus already answers (so the page
 * and `relay` show the same thing), plus the snapshots list, which the CLI reads from the store.
 * Only reads are listed; the page cannot change anything.
 */
import type { RequestPayload, RequestResult, RequestType } from '../../protocol/requests.js';
import type { SnapshotsRepo } from '../../store/snapshotsRepo.js';
import type { DashboardReads } from './dashboardServer.js';

export type Ask = <T extends RequestType>(type: T, payload: RequestPayload<T>) => Promise<RequestResult<T>> | RequestResult<T>;

/** Days of spend the chart shows. */
const SPEND_DAYS = 31;
const SNAPSHOTS_SHOWN = 50;

export function dashboardReads(ask: Ask, snapshots: SnapshotsRepo): DashboardReads {
  return {
    status: () => ask('daemon.status', {}),
    agents: () => ask('agent.list', {}),
    relay: async () => ({ ...(await ask('relay.list', {})), snapshots: snapshots.list({ limit: SNAPSHOTS_SHOWN }) }),
    graph: () => ask('session.graph', {}),
    sessions: () => ask('session.list', {}),
    spend: async () => ({ report: await ask('cost.report', { days: SPEND_DAYS }), budget: await ask('budget.show', {}) }),
  };
}
