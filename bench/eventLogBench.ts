/**
 * Figure 3, first way: the daemon's event path in this process, without the request layer.
 * A real database, EventsRepo, BusServer and EventLog, as the daemon wires them, and one
 * live subscriber on the event socket. Throughput is appends until the last one is committed.
 */
import { BusServer, type RequestHandlers } from '../src/bus/busServer.js';
import { EventSubscriber } from '../src/bus/eventSubscriber.js';
import { TOPIC } from '../src/protocol/requests.js';
import { systemClock } from '../src/platform/clock.js';
import { RelayError } from '../src/platform/errors.js';
import { ensureHome } from '../src/platform/paths.js';
import { openDatabase } from '../src/store/database.js';
import { EventsRepo } from '../src/store/eventsRepo.js';
import { EventLog } from '../src/supervisor/eventLog.js';
import type { BenchHome } from './benchHome.js';
import { round } from './stats.js';
import { waitFor } from './waitFor.js';

export interface EventLogThroughput {
  events: number;
  append_persist_ms: number;
  append_persist_per_s: number;
  /** repo.lastSeq() afterwards is exactly the seq of the last event appended. */
  all_persisted: boolean;
  subscriber_received: number;
  subscriber_wait_limit_ms: number;
  /** From the first append until the subscriber had every event; null if it never did. */
  subscriber_all_received_ms: number | null;
}

const PROBE_TYPE = 'bench.probe';
const EVENT_TYPE = 'bench.event';
/** A new subscription is usually live within milliseconds; past this something is wrong. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;
const PROBE_EVERY_MS = 20;

/** The bench server only publishes; any request to it is refused, whatever its type. */
const refuseAll = new Proxy({} as RequestHandlers, {
  get: () => () => {
    throw new RelayError('E_UNKNOWN_REQUEST', 'the bench bus server answers no requests');
  },
});

export async function measureEventLog(home: BenchHome, events: number, subscriberWaitMs: number): Promise<EventLogThroughput> {
  const { paths } = home;
  ensureHome(paths);
  const db = openDatabase(paths.db);
  const bus = new BusServer({ paths, handlers: refuseAll });
  let sub: EventSubscriber | undefined;
  try {
    const repo = new EventsRepo(db);
    await bus.bind();
    const log = new EventLog({ sink: repo, clock: systemClock, publish: (r) => bus.publish(TOPIC.event(r.type), r) });

    let probes = 0;
    let received = 0;
    sub = new EventSubscriber(paths, [TOPIC.eventPrefix()], (topic) => {
      if (topic === TOPIC.event(EVENT_TYPE)) received++;
      else if (topic === TOPIC.event(PROBE_TYPE)) probes++;
    });
    // PUB drops whatever it sends before the subscription reaches it: probe until one arrives.
    const live = await waitFor(
      () => {
        if (probes > 0) return true;
        log.append({ type: PROBE_TYPE, actor: 'bench', payload: {} });
        log.flush();
        return false;
      },
      SUBSCRIBE_TIMEOUT_MS,
      PROBE_EVERY_MS,
    );
    if (!live) throw new Error(`the event subscriber received no probe within ${SUBSCRIBE_TIMEOUT_MS} ms`);
    log.flush();

    const firstSeq = log.lastSeq + 1;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < events; i++) {
      log.append({ type: EVENT_TYPE, actor: 'agent:claude-1', payload: { agent: 'claude', i, note: 'tool call finished' } });
    }
    log.flush();
    const lastSeq = log.lastSeq;
    await log.durable(lastSeq);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;

    const allPersisted = lastSeq - firstSeq + 1 === events && repo.lastSeq() === lastSeq;
    const all = await waitFor(() => received >= events, subscriberWaitMs, 10);
    const allMs = all ? Number(process.hrtime.bigint() - t0) / 1e6 : null;
    return {
      events,
      append_persist_ms: round(ms, 1),
      append_persist_per_s: Math.round(events / (ms / 1000)),
      all_persisted: allPersisted,
      subscriber_received: received,
      subscriber_wait_limit_ms: subscriberWaitMs,
      subscriber_all_received_ms: allMs === null ? null : round(allMs, 1),
    };
  } finally {
    await sub?.close();
    await bus.close();
    db.close();
  }
}
