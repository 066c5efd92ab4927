/**
 * The daemon: one per user, holding the instance lock, the store, the bus and the root of the
 * supervision tree. `runDaemon` brings the parts up in dependency order and returns a handle
 * whose `stop` takes them down in reverse; `done` says how and why it ended.
 */
import { createActor, type AnyActorRef } from 'xstate';
import { AgentManager } from '../actors/agent/agentManager.js';
import { AgentsRepo } from '../store/agentsRepo.js';
import { EventsRepo } from '../store/eventsRepo.js';
import { openDatabase } from '../store/database.js';
import { BusServer, type RequestHandlers } from '../bus/busServer.js';
import { TOPIC } from '../protocol/requests.js';
import { systemClock, type Clock } from '../platform/clock.js';
import { EXIT, RelayError, type ExitCode } from '../platform/errors.js';
import { acquireInstanceLock, type InstanceLock } from '../platform/instanceLock.js';
import { killTrackedGroups, openGroupRegistry } from '../platform/processGroups.js';
import { ensureHome, type RelayPaths } from '../platform/paths.js';
import { processStartTicks, removePidFile, writePidFile } from '../platform/pidFile.js';
import { relayVersion } from '../platform/packageInfo.js';
import { createDaemonLogger, type DaemonLogger } from '../platform/daemonLogger.js';
import { loadConfig } from '../config/relayConfig.js';
import { createHookListenerMachine } from '../actors/hooks/hookListener.js';
import { actorChild } from './actorChild.js';
import { agentHandlers } from './handlers/agentHandlers.js';
import { daemonHandlers } from './handlers/daemonHandlers.js';
import { eventHandlers } from './handlers/eventHandlers.js';
import { knowledgeHandlers } from './handlers/knowledgeHandlers.js';
import { relayHandlers } from './handlers/relayHandlers.js';
import { workspaceHandlers } from './handlers/workspaceHandlers.js';
import { SessionViews, sessionHandlers, withSessionEvents } from './handlers/sessionHandlers.js';
import { dashboardHandlers } from './handlers/dashboardHandlers.js';
import { Dashboard } from './dashboard/dashboard.js';
import { dashboardReads } from './dashboard/dashboardReads.js';
import { Listeners } from '../platform/listeners.js';
import type { EventRecord } from '../protocol/eventRecord.js';
import { SnapshotsRepo } from '../store/snapshotsRepo.js';
import { Workspace } from './workspace/workspace.js';
import { ProviderActors } from './workspace/providerActors.js';
import { CallPool } from '../actors/provider/callPool.js';
import { BudgetGuard, budgetGuardMachine } from '../actors/budget/budgetGuard.js';
import { RelaySessions } from './relay/relaySessions.js';
import { daemonMachine } from './daemonMachine.js';
import { EventLog } from './eventLog.js';
import { createInspectionRecorder } from './inspectionEvents.js';
import type { ChildSpec } from '../platform/childSpec.js';
import type { RestartPolicy } from './restartPolicy.js';
import { Supervisor, supervisorChild, type SupervisorEvent } from './supervisor.js';

/** The log keeps this many newest events; older ones are pruned at start. */
const EVENTS_KEPT = 1_000_000;
/** The whole orderly stop must finish within this, below the launcher's 20 s before SIGKILL. */
const STOP_DEADLINE_MS = 15_000;
/** How often old events are pruned while the daemon runs (it may run for months). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** What the daemon supervises under its root, given the clock and the event sink. */
export interface ServicesContext {
  clock: Clock;
  onEvent: (e: SupervisorEvent) => void;
  /** Told about each new `agents` supervisor (one per restart) so agents are started under it. */
  agentsSupervisor: (s: Supervisor) => void;
  /** Likewise for the `providers` supervisor, parent of the `provider:<name>` actors. */
  providersSupervisor: (s: Supervisor) => void;
}

export type ServicesFactory = (ctx: ServicesContext) => ChildSpec[];

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
export const defaultServices: ServicesFactory = ({ clock, onEvent, agentsSupervisor, providersSupervisor }) => {
  /** A one_for_one supervisor whose children are added at run time; `told` learns of each new one. */
  const dynamic = (id: string, shutdownMs: number, backoff: RestartPolicy['backoff'], told: (s: Supervisor) => void): ChildSpec =>
    supervisorChild(id, 'permanent', shutdownMs, () => {
      const sup = new Supervisor({ id, strategy: 'one_for_one', intensity: 10, periodMs: 60_000, backoff, clock, onEvent, children: [] });
      told(sup);
      return sup;
    });
  return [
    dynamic('agents', 10_000, { initialMs: 500, maxMs: 60_000, resetAfterMs: 120_000 }, agentsSupervisor),
    // Provider health actors: a restarted one starts ready, which is what a fresh daemon would do.
    dynamic('providers', 5_000, { initialMs: 100, maxMs: 10_000, resetAfterMs: 60_000 }, providersSupervisor),
  ];
};

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

export async function runDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
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
    // Read before anything else that could fail later: a malformed config.yaml stops the start here.
    const config = loadConfig(paths);
    const db = openDatabase(paths.db);
    cleanups.push(() => {
      db.close();
    });
    const repo = new EventsRepo(db);
    const pruned = repo.pruneKeepingLast(EVENTS_KEPT);
    // Agents of a daemon killed with -9 got SIGHUP from their closed PTY; anything that ignored it dies now.
    const reaped = openGroupRegistry(paths.groupsFile);

    const startedAt = clock.now();
    let bus: BusServer | undefined;
    // Committed events, for the dashboard's pages (the bus's PUB socket gets the same, in order).
    const committed = new Listeners<[EventRecord]>();
    const eventLog = new EventLog({
      sink: repo,
      clock,
      publish: (record) => {
        bus?.publish(TOPIC.event(record.type), record);
        committed.emit(record);
      },
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
    let agentsSupervisor: Supervisor | undefined;
    let providersSupervisor: Supervisor | undefined;
    // The budget guard holds the one ledger every client shares. Its actor, on start, settles
    // the reservations a daemon killed mid-call left open.
    const guard = new BudgetGuard({
      db,
      clock,
      allowUnpriced: config.budget.allowUnpriced,
      warnAt: config.budget.warnAt,
      record: (e) => eventLog.append(e),
    });
    let budgetActor: AnyActorRef | undefined;
    const pool = new CallPool({ onError: (e) => logger.log.error({ err: e.message }, 'call worker failed') });
    cleanups.push(() => pool.close());
    const providerActors = new ProviderActors({ supervisor: () => providersSupervisor, clock, inspect });
    const root = new Supervisor({
      id: 'root',
      ...(opts.rootPolicy ?? ROOT_POLICY),
      clock,
      onEvent: onSupervisorEvent,
      children: [
        ...(opts.services ?? defaultServices)({
          clock,
          onEvent: onSupervisorEvent,
          agentsSupervisor: (sup) => (agentsSupervisor = sup),
          providersSupervisor: (sup) => (providersSupervisor = sup),
        }),
        actorChild({
          id: 'budget',
          restart: 'permanent',
          shutdownMs: 1_000,
          systemId: 'budget',
          clock,
          inspect,
          logic: budgetGuardMachine,
          input: { guard },
          onActor: (a) => (budgetActor = a),
        }),
        // The hook listener: what agent CLIs report through `relay hook` (socket and spool).
        actorChild({
          id: 'hooks',
          restart: 'permanent',
          shutdownMs: 2_000,
          systemId: 'hooks',
          clock,
          inspect,
          logic: createHookListenerMachine({
            paths,
            record: (e) => eventLog.append(e),
            durable: (seq) => eventLog.durable(seq),
            reportLimit: (e) => agents.reportLimit(e),
            turnEnded: (agent, at) => relaySessions.turnEnded(agent, at),
            isLogged: (hookId) => repo.hasHookId(hookId),
            warn: (text) => logger.log.warn({ actor: 'hooks' }, text),
          }),
        }),
      ],
    });
    const agents = new AgentManager({
      paths,
      clock,
      repo: new AgentsRepo(db),
      supervisor: () => agentsSupervisor,
      publish: (topic, value) => bus?.publish(topic, value),
      record: (e) => eventLog.append(e),
      inspect,
      baseEnv: process.env,
    });
    const relaySessions = new RelaySessions({
      agents,
      db,
      paths,
      clock,
      config,
      record: (e) => eventLog.append(e),
      env: process.env,
      inspect,
    });

    const workspace = new Workspace({
      paths,
      clock,
      db,
      guard,
      budgetEvent: (e) => budgetActor?.send(e),
      pool,
      providers: providerActors,
      publish: (topic, value) => bus?.publish(topic, value),
      record: (e) => eventLog.append(e),
    });

    const prune = (): void => {
      const n = repo.pruneKeepingLast(EVENTS_KEPT);
      if (n > 0) logger.log.info({ pruned: n }, 'pruned old events');
      pruneTimer = clock.setTimeout(prune, PRUNE_EVERY_MS);
    };
    let pruneTimer = clock.setTimeout(prune, PRUNE_EVERY_MS);

    let stopping: Promise<DaemonExit> | undefined;
    let resolveDone!: (exit: DaemonExit) => void;
    const done = new Promise<DaemonExit>((r) => (resolveDone = r));

    const stop = (reason: string, exitCode: ExitCode = EXIT.ok): Promise<DaemonExit> => {
      stopping ??= (async () => {
        logger.log.info({ reason }, 'daemon stopping');
        actor.send({ type: 'daemon.stop', reason });
        eventLog.append({ type: 'daemon.stopping', actor: 'daemon', payload: { reason } });
        clock.clearTimeout(pruneTimer);
        // Agents ending because the daemon stops are not handoffs.
        relaySessions.close();
        await dashboard.close();
        // Running tasks are cancelled and settle their ledger rows while the store is still open.
        await workspace.close();
        // Children stop one after another, each within its own grace period; past the deadline
        // (kept below the launcher's) whatever is left is killed so nothing outlives the daemon.
        let deadline: unknown;
        const late = await Promise.race([
          root.stop().then(() => false),
          new Promise<boolean>((r) => (deadline = clock.setTimeout(() => r(true), STOP_DEADLINE_MS))),
        ]);
        clock.clearTimeout(deadline);
        if (late) logger.log.warn({ killed: killTrackedGroups() }, 'children did not stop in time; killed');
        agents.close();
        await providerActors.close();
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

    // Reads only: the page's JSON comes from the same handlers the bus answers with.
    const dashboard = new Dashboard({
      paths,
      now: () => clock.now(),
      feed: {
        since: (since, limit) => repo.since(since, { limit }),
        lastSeq: () => eventLog.lastSeq,
        flush: () => eventLog.flush(),
        onEvent: (l) => committed.add(l),
      },
      reads: dashboardReads((type, payload) => handlers[type](payload, { v: 1, id: 'dashboard', type, from: 'dashboard', to: 'daemon', payload }), new SnapshotsRepo(db)),
      onError: (what, e) => logger.log.warn({ err: e.message }, `dashboard: ${what} failed`),
    });
    const handlers: RequestHandlers = {
      ...daemonHandlers({
        home: paths.home,
        startedAt,
        clock,
        lastSeq: () => eventLog.lastSeq,
        children: () => root.children(),
        stop: (reason) => void stop(reason),
      }),
      ...eventHandlers({
        log: eventLog,
        since: (since, o) => repo.since(since, o),
        publish: (topic, value) => bus?.publish(topic, value),
      }),
      ...agentHandlers(agents, relaySessions),
      ...relayHandlers(relaySessions),
      ...knowledgeHandlers(db, clock),
      ...workspaceHandlers(workspace),
      ...withSessionEvents(sessionHandlers(new SessionViews(workspace.conversationRepo), clock, workspace.sessionWork()), (e) => eventLog.append(e)),
      ...dashboardHandlers(dashboard),
    };

    bus = new BusServer({
      paths,
      handlers,
      onError: (e) => logger.log.warn({ code: e.code, err: e.message }, 'bad bus frame'),
    });
    await bus.bind();
    cleanups.push(() => bus?.close());

    await root.start();
    await dashboard.restore();
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
      payload: { pid: process.pid, version: relayVersion(), prunedEvents: pruned, reapedGroups: reaped },
    });
    logger.log.info({ pid: process.pid, home: paths.home }, 'daemon ready');

    return { pid: process.pid, startedAt, stop, done, logger };
  } catch (e) {
    await unwind().catch(() => undefined);
    throw e;
  }
}
