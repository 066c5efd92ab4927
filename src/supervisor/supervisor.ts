/**
 * An Erlang/OTP-style supervisor: starts its children in order, restarts them per their restart
 * type and the strategy with capped backoff, gives up when restarts exceed the intensity, and
 * stops them in reverse order. Time comes only from the injected Clock, so tests drive it.
 */
import type { Clock, TimerId } from '../platform/clock.js';
import { RelayError } from '../platform/errors.js';
import type { ChildExit, ChildHandle, ChildSpec, RestartType } from '../platform/childSpec.js';
import { decideRestart, recentRestarts, type RestartDecision, type RestartPolicy } from './restartPolicy.js';

type SupervisorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export type SupervisorEventType =
  | 'supervisor.child_started'
  | 'supervisor.child_exited'
  | 'supervisor.child_restarting'
  | 'supervisor.child_removed'
  | 'supervisor.gave_up'
  | 'supervisor.stopped';

/** One flat record per lifecycle step; the daemon appends these to its event log. */
export interface SupervisorEvent {
  type: SupervisorEventType;
  supervisor: string;
  child?: string;
  pid?: number;
  reason?: string;
  delayMs?: number;
  code?: number | null;
  signal?: string | null;
}

interface SupervisorOptions extends RestartPolicy {
  id: string;
  clock: Clock;
  /** Started in this order, stopped in reverse. */
  children: ChildSpec[];
  onEvent?: (e: SupervisorEvent) => void;
}

/** A child as reported by {@link Supervisor.children}. */
interface ChildInfo {
  id: string;
  pid?: number;
  restart: RestartType;
  state: 'running' | 'restarting' | 'stopped';
  /** Times the supervisor started it again. */
  restarts: number;
  startedAt?: number;
}

/** How a supervisor ended: stopped on request, or gave up after too many restarts. */
interface SupervisorOutcome {
  gaveUp: boolean;
  reason: string;
}

interface Child {
  spec: ChildSpec;
  handle: ChildHandle | undefined;
  state: ChildInfo['state'];
  restarts: number;
  failures: number;
  startedAt: number | undefined;
}

export class Supervisor {
  readonly id: string;
  /** Resolves after {@link Supervisor.stop} or after giving up, once every child is stopped. */
  readonly done: Promise<SupervisorOutcome>;
  private lifecycle: SupervisorState = 'idle';
  private readonly policy: RestartPolicy;
  private readonly clock: Clock;
  private readonly specs: ChildSpec[];
  private readonly onEvent: ((e: SupervisorEvent) => void) | undefined;
  /** Insertion order is start order. */
  private readonly kids = new Map<string, Child>();
  private readonly timers = new Set<TimerId>();
  private restartTimes: number[] = [];
  /** Operation lock: start, stop, restarts and dynamic children run one at a time. */
  private lock: Promise<unknown> = Promise.resolve();
  private ending: Promise<void> | undefined;
  private finish!: (outcome: SupervisorOutcome) => void;

  constructor(opts: SupervisorOptions) {
    this.id = opts.id;
    this.policy = { strategy: opts.strategy, intensity: opts.intensity, periodMs: opts.periodMs, backoff: opts.backoff };
    this.clock = opts.clock;
    this.onEvent = opts.onEvent;
    const ids = new Set<string>();
    for (const spec of opts.children) {
      if (ids.has(spec.id)) throw new RelayError('E_INTERNAL', `supervisor ${opts.id}: duplicate child id ${spec.id}`);
      ids.add(spec.id);
    }
    this.specs = [...opts.children];
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  get state(): SupervisorState {
    return this.lifecycle;
  }

  /** Start every child in order. If one fails, stop those already started (in reverse) and reject. */
  start(): Promise<void> {
    if (this.lifecycle !== 'idle' || this.ending) {
      return Promise.reject(new RelayError('E_INTERNAL', `supervisor ${this.id}: cannot start while ${this.lifecycle}`));
    }
    this.lifecycle = 'starting';
    return this.locked(async () => {
      for (const spec of this.specs) {
        if (this.ending) break; // stopped or gave up while starting
        try {
          await this.add(spec);
        } catch (e) {
          this.lifecycle = 'stopping';
          await this.stopAll();
          this.lifecycle = 'stopped';
          this.finish({ gaveUp: false, reason: `start failed: ${messageOf(e)}` });
          throw e;
        }
      }
      if (this.lifecycle === 'starting') this.lifecycle = 'running';
    });
  }

  /** Stop every child in reverse order, each within its own shutdownMs, and cancel pending restarts. */
  stop(): Promise<void> {
    this.ending ??= this.shutdown({ gaveUp: false, reason: 'stopped' });
    return this.ending;
  }

  /** Add and start a child at runtime. Rejects if the id is taken or the child cannot start. */
  startChild(spec: ChildSpec): Promise<void> {
    return this.locked(async () => {
      if (!this.accepting()) throw new RelayError('E_INTERNAL', `supervisor ${this.id}: cannot add ${spec.id} while ${this.lifecycle}`);
      if (this.kids.has(spec.id)) throw new RelayError('E_INTERNAL', `supervisor ${this.id}: child ${spec.id} already exists`);
      await this.add(spec);
    });
  }

  /** Stop a child and remove it from the tree. Resolves false if there was no such child. */
  terminateChild(id: string): Promise<boolean> {
    return this.locked(async () => {
      const kid = this.kids.get(id);
      if (!kid) return false;
      this.kids.delete(id);
      await this.stopChild(kid, kid.handle);
      this.emit({ type: 'supervisor.child_removed', child: id, reason: 'terminated' });
      return true;
    });
  }

  children(): ChildInfo[] {
    return [...this.kids.values()].map((k) => ({
      id: k.spec.id,
      ...(k.handle?.pid === undefined ? {} : { pid: k.handle.pid }),
      restart: k.spec.restart,
      state: k.state,
      restarts: k.restarts,
      ...(k.startedAt === undefined ? {} : { startedAt: k.startedAt }),
    }));
  }

  private accepting(): boolean {
    return !this.ending && (this.lifecycle === 'starting' || this.lifecycle === 'running');
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async add(spec: ChildSpec): Promise<void> {
    const kid: Child = { spec, handle: undefined, state: 'stopped', restarts: 0, failures: 0, startedAt: undefined };
    this.kids.set(spec.id, kid);
    try {
      await this.launch(kid);
    } catch (e) {
      this.kids.delete(spec.id);
      throw new RelayError('E_INTERNAL', `supervisor ${this.id}: child ${spec.id} failed to start: ${messageOf(e)}`, {
        hint: 'see the daemon log for the child output',
        cause: e,
      });
    }
  }

  private async launch(kid: Child): Promise<void> {
    const handle = await kid.spec.start();
    kid.handle = handle;
    kid.state = 'running';
    kid.startedAt = this.clock.now();
    this.emit({ type: 'supervisor.child_started', child: kid.spec.id, ...(handle.pid === undefined ? {} : { pid: handle.pid }) });
    handle.exited.then(
      (exit) => this.onExit(kid, handle, exit),
      (e: unknown) => this.onExit(kid, handle, { normal: false, reason: messageOf(e) }),
    );
  }

  /** A child ended on its own (a planned stop detaches the handle first, so it never lands here). */
  private onExit(kid: Child, handle: ChildHandle | undefined, exit: ChildExit): void {
    if (kid.handle !== handle || this.kids.get(kid.spec.id) !== kid || !this.accepting()) return;
    kid.handle = undefined;
    kid.state = 'stopped';
    this.emit({ type: 'supervisor.child_exited', child: kid.spec.id, ...exitFields(exit), ...pidOf(handle) });

    const now = this.clock.now();
    const decision = decideRestart(this.policy, {
      children: [...this.kids.values()].map((k) => ({ id: k.spec.id, restart: k.spec.restart })),
      restartTimes: this.restartTimes,
      childId: kid.spec.id,
      exit,
      failures: kid.failures,
      startedAt: kid.startedAt,
      now,
    });
    if (decision.action === 'ignore') {
      this.kids.delete(kid.spec.id);
      this.emit({ type: 'supervisor.child_removed', child: kid.spec.id, reason: exit.reason });
    } else if (decision.action === 'give_up') {
      this.emit({ type: 'supervisor.gave_up', child: kid.spec.id, reason: decision.reason });
      this.ending = this.shutdown({ gaveUp: true, reason: decision.reason });
    } else {
      this.restartTimes = [...recentRestarts(this.restartTimes, now, this.policy.periodMs), now];
      kid.failures = decision.failures;
      kid.state = 'restarting';
      // Detach siblings now so their own exits, caused by this restart, are not seen as crashes.
      const siblings = decision.stop.map((id) => {
        const sib = this.kids.get(id)!;
        const h = sib.handle;
        sib.handle = undefined;
        return { sib, h };
      });
      void this.locked(() => this.restart(decision, siblings));
    }
  }

  private async restart(
    decision: Extract<RestartDecision, { action: 'restart' }>,
    siblings: { sib: Child; h: ChildHandle | undefined }[],
  ): Promise<void> {
    for (const { sib, h } of siblings) await this.stopChild(sib, h);
    for (const { sib } of siblings) {
      if (!decision.start.includes(sib.spec.id) && this.kids.get(sib.spec.id) === sib) {
        this.kids.delete(sib.spec.id);
        this.emit({ type: 'supervisor.child_removed', child: sib.spec.id, reason: 'temporary child stopped by a restart' });
      }
    }
    if (!this.accepting()) return;
    for (const id of decision.start) {
      const kid = this.kids.get(id);
      if (!kid) continue;
      kid.state = 'restarting';
      this.emit({ type: 'supervisor.child_restarting', child: id, delayMs: decision.delayMs });
    }
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      void this.locked(() => this.relaunch(decision.start));
    }, decision.delayMs);
    this.timers.add(timer);
  }

  private async relaunch(ids: string[]): Promise<void> {
    for (const id of ids) {
      const kid = this.kids.get(id);
      // Another restart, a terminateChild or a stop may have dealt with it meanwhile.
      if (!this.accepting() || !kid || kid.state !== 'restarting' || kid.handle) continue;
      try {
        await this.launch(kid);
        kid.restarts++;
      } catch (e) {
        this.onExit(kid, undefined, { normal: false, reason: `start failed: ${messageOf(e)}` });
        // That failure made its own restart decision (which may cover the children after this
        // one); starting them here too would leave one outside the supervisor's control.
        return;
      }
    }
  }

  private shutdown(outcome: SupervisorOutcome): Promise<void> {
    return this.locked(async () => {
      for (const t of this.timers) this.clock.clearTimeout(t);
      this.timers.clear();
      // Already stopped when a failed start cleaned up; `done` has its outcome then.
      if (this.lifecycle !== 'stopped') {
        this.lifecycle = 'stopping';
        await this.stopAll();
        this.lifecycle = 'stopped';
        this.emit({ type: 'supervisor.stopped', reason: outcome.reason });
      }
      this.finish(outcome);
    });
  }

  private async stopAll(): Promise<void> {
    for (const kid of [...this.kids.values()].reverse()) await this.stopChild(kid, kid.handle);
  }

  private async stopChild(kid: Child, handle: ChildHandle | undefined): Promise<void> {
    if (kid.handle === handle) kid.handle = undefined;
    kid.state = 'stopped';
    if (!handle) return;
    const exit = await handle.stop(kid.spec.shutdownMs).catch(
      (e: unknown): ChildExit => ({ normal: false, reason: `stop failed: ${messageOf(e)}` }),
    );
    this.emit({ type: 'supervisor.child_exited', child: kid.spec.id, ...exitFields(exit), ...pidOf(handle) });
  }

  private emit(e: Omit<SupervisorEvent, 'supervisor'>): void {
    try {
      this.onEvent?.({ ...e, supervisor: this.id } as SupervisorEvent);
    } catch {
      // The event sink must never break supervision; the sink reports its own failures.
    }
  }
}

/**
 * A nested supervisor as a child of another. Its handle's `exited` is abnormal when the nested
 * supervisor gives up, so the parent restarts it per `restart`. A planned stop waits for the
 * nested tree, whose children each have their own shutdownMs, so `timeoutMs` is not applied.
 */
export function supervisorChild(
  specId: string,
  restart: RestartType,
  shutdownMs: number,
  create: () => Supervisor,
): ChildSpec {
  return {
    id: specId,
    restart,
    shutdownMs,
    async start() {
      const sup = create();
      await sup.start();
      const exited = sup.done.then(
        (o): ChildExit => (o.gaveUp ? { normal: false, reason: `gave up: ${o.reason}` } : { normal: true, reason: 'shutdown' }),
      );
      return { exited, stop: () => sup.stop().then(() => exited) };
    },
  };
}

function exitFields(exit: ChildExit): Pick<SupervisorEvent, 'reason' | 'code' | 'signal'> {
  return {
    reason: exit.reason,
    ...(exit.code === undefined ? {} : { code: exit.code }),
    ...(exit.signal === undefined ? {} : { signal: exit.signal }),
  };
}

function pidOf(handle: ChildHandle | undefined): { pid?: number } {
  return handle?.pid === undefined ? {} : { pid: handle.pid };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
