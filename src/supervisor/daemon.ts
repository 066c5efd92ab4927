/**
 * The daemon: one per user, holding the instance lock, the store, the bus and the root of the
 * supervision tree. `startDaemon` brings the parts up in dependency order and returns a handle
 * whose `stop` takes them down in reverse; `done` says how and why it ended.
 */
import { createActor } from 'xstate';
import { EventsRepo } from '../store/eventsRepo.js';
import { openDatabase } from '../store/database.js';
import { BusServer, type RequestHandlers } from '../bus/busServer.js';
import { TOPIC } from '../bus/protocol.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { EXIT, RelayError, type ExitCode } from '../platform/errors.js';
import { acquireInstanceLock, type InstanceLock } from '../platform/instanceLock.js';
import { ensureHome, type RelayPaths } from '../platform/paths.js';
import { processStartTicks, removePidFile, writePidFile } from '../platform/pidFile.js';
import { relayVersion } from '../platform/packageInfo.js';
import { createDaemonLogger, type DaemonLogger } from '../platform/daemonLogger.js';
import { daemonMachine } from './daemonMachine.js';
import { EventLog } from './eventLog.js';
import { createInspectionRecorder } from './inspectionEvents.js';
import type { ChildSpec } from './childSpec.js';
import type { RestartPolicy } from './restartPolicy.js';
import { Supervisor, supervisorChild, type SupervisorEvent } from './supervisor.js';

/** The log keeps this many newest events; older ones are pruned at start. */
const EVENTS_KEPT = 1_000_000;
/** A replay page never carries more than this many events (one bus frame stays small). */
const MAX_REPLAY_PAGE = 5_000;
const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/** What the daemon supervises under its root, given the clock and the event sink. */
export type ServicesFactory = (ctx: { clock: Clock; onEvent: (e: SupervisorEvent) => void }) => ChildSpec[];

export interface DaemonOptions {
  paths: RelayPaths;
  clock?: Clock;
  /** The root's children; {@link defaultServices} unless given. */
  services?: ServicesFactory;
  /** The root supervisor's restart policy; {@link ROOT_POLICY} unless given. */
  rootPolicy?: RestartPolicy;
}

/** Five restarts a minute, as OTP's default intensity scaled to a daemon's slower services. */
export const ROOT_POLICY: RestartPolicy = {
  strategy: 'one_for_one',
  intensity: 5,
  periodMs: 60_000,
  backoff: { initialMs: 100, maxMs: 30_000, resetAfterMs: 60_000 },
};

/**
 * Agents run under their own supervisor so that an agent crashing in a loop exhausts that
 * supervisor's intensity, not the root's: the daemon and its other services stay up.
 */
export const defaultServices: ServicesFactory = ({ clock, onEvent }) => [
  supervisorChild('agents', 'permanent', 10_000, () =>
    new Supervisor({
      id: 'agents',
      strategy: 'one_for_one',
      intensity: 10,
      periodMs: 60_000,
      backoff: { initialMs: 500, maxMs: 60_000, resetAfterMs: 120_000 },
      clock,
      onEvent,
      children: [],
    }),
  ),
];

export interface DaemonExit {
  exitCode: ExitCode;
  reason: string;
}

export interface RunningDaemon {
  pid: number;
  startedAt: number;
  /** Stop everything, in reverse start order. Runs once; later calls return the same promise. */
  stop(reason: string, exitCode?: ExitCode): Promise<DaemonExit>;
  readonly done: Promise<DaemonExit>;
  logger: DaemonLogger;
}

export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const { paths } = opts;
  const clock = opts.clock ?? systemClock;
  ensureHome(paths);

  const lock: InstanceLock | null = acquireInstanceLock(paths.lock);
  if (!lock) {
    throw new RelayError('E_DAEMON_RUNNING', 'another relay daemon already runs for this RELAY_HOME', {
      hint: 'use it (relay daemon status), or stop it first: relay daemon stop',
    });
  }
  const cleanups: Array<() => void | Promise<void>> = [() => lock.release()];
  const unwind = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn();
  };

  try {
    const logger = createDaemonLogger(paths.daemonLog);
    cleanups.push(() => logger.close());
    const db = openDatabase(paths.db);
    cleanups.push(() => {
      db.close();
    });
    const repo = new EventsRepo(db);
    const pruned = repo.pruneKeepingLast(EVENTS_KEPT);

    const startedAt = clock.now();
    let bus: BusServer | undefined;
    const eventLog = new EventLog({
      sink: repo,
      clock,
      publish: (record) => bus?.publish(TOPIC.event(record.type), record),
      onWriteError: (e) => logger.log.error({ err: e.message }, 'event log write failed; will retry'),
    });
    cleanups.push(() => void eventLog.flush());

    const inspect = createInspectionRecorder((e) => eventLog.append(e));
    const actor = createActor(daemonMachine, { systemId: 'daemon', inspect, clock });
    actor.subscribe({ error: (e) => logger.log.error({ err: String(e) }, 'daemon actor failed') });
    actor.start();

    const onSupervisorEvent = (e: SupervisorEvent): void => {
      const { type, supervisor, ...rest } = e;
      eventLog.append({ type, actor: `supervisor:${supervisor}`, payload: rest });
      if (type === 'supervisor.gave_up') logger.log.error(rest, 'supervisor gave up');
    };
    const root = new Supervisor({
      id: 'root',
      ...(opts.rootPolicy ?? ROOT_POLICY),
      clock,
      onEvent: onSupervisorEvent,
      children: (opts.services ?? defaultServices)({ clock, onEvent: onSupervisorEvent }),
    });

    let stopping: Promise<DaemonExit> | undefined;
    let resolveDone!: (exit: DaemonExit) => void;
    const done = new Promise<DaemonExit>((r) => (resolveDone = r));

    const stop = (reason: string, exitCode: ExitCode = EXIT.ok): Promise<DaemonExit> => {
      stopping ??= (async () => {
        logger.log.info({ reason }, 'daemon stopping');
        actor.send({ type: 'daemon.stop', reason });
        eventLog.append({ type: 'daemon.stopping', actor: 'daemon', payload: { reason } });
        await root.stop();
        actor.send({ type: 'daemon.stopped' });
        eventLog.append({ type: 'daemon.stopped', actor: 'daemon', payload: { reason, exitCode } });
        eventLog.flush();
        actor.stop();
        removePidFile(paths.pidFile, process.pid);
        await unwind();
        const exit = { exitCode, reason };
        resolveDone(exit);
        return exit;
      })();
      return stopping;
    };

    const handlers: RequestHandlers = {
      'daemon.ping': () => ({ pid: process.pid, startedAt }),
      'daemon.status': () => ({
        pid: process.pid,
        version: relayVersion(),
        home: paths.home,
        startedAt,
        uptimeMs: clock.now() - startedAt,
        rssBytes: process.memoryUsage.rss(),
        lastSeq: eventLog.lastSeq,
        children: root.children(),
      }),
      'daemon.stop': () => {
        // Reply first: the stop closes the socket this reply travels on.
        setImmediate(() => void stop('requested by client'));
        return { pid: process.pid };
      },
      'events.replay': ({ since, typePrefix, limit }) => {
        // Queued events must be visible to a replay, or a follower could miss them at the seam.
        eventLog.flush();
        const page = Math.min(Math.max(1, limit ?? MAX_REPLAY_PAGE), MAX_REPLAY_PAGE);
        const events = repo.since(since, { ...(typePrefix ? { typePrefix } : {}), limit: page });
        return { events, lastSeq: eventLog.lastSeq };
      },
      'events.sync': ({ token }) => {
        bus?.publish(TOPIC.sync(token), { token, lastSeq: eventLog.lastSeq });
        return { token };
      },
      'events.emit': async ({ type, actor: who, payload }) => {
        if (typeof type !== 'string' || !EVENT_TYPE.test(type) || typeof who !== 'string' || !who) {
          throw new RelayError('E_USAGE', `not a valid event: type "${String(type)}", actor "${String(who)}"`, {
            hint: 'event types are dotted lower-case words, like agent.exited',
          });
        }
        const record = eventLog.append({ type, actor: who, payload: payload && typeof payload === 'object' ? payload : {} });
        await eventLog.durable(record.seq);
        return { seq: record.seq };
      },
    };

    bus = new BusServer({
      paths,
      handlers,
      onError: (e) => logger.log.warn({ code: e.code, err: e.message }, 'bad bus frame'),
    });
    await bus.bind();
    cleanups.push(() => bus?.close());

    await root.start();
    void root.done.then(({ gaveUp, reason }) => {
      if (gaveUp) void stop(`supervisor gave up: ${reason}`, EXIT.supervisorGaveUp);
    });

    writePidFile(paths.pidFile, {
      pid: process.pid,
      procStart: processStartTicks(process.pid) ?? 0,
      startedAt,
      version: relayVersion(),
    });
    actor.send({ type: 'daemon.ready' });
    eventLog.append({
      type: 'daemon.started',
      actor: 'daemon',
      payload: { pid: process.pid, version: relayVersion(), prunedEvents: pruned },
    });
    logger.log.info({ pid: process.pid, home: paths.home }, 'daemon ready');

    return { pid: process.pid, startedAt, stop, done, logger };
  } catch (e) {
    await unwind().catch(() => undefined);
    throw e;
  }
}
