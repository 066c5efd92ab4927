/**
 * A supervised in-process xstate actor. The actor fails through its snapshot status and the
 * supervisor decides: `done` is a normal exit, `error` an abnormal one.
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { Clock } from '../platform/clock.js';
import { exitLatch, type ChildHandle, type ChildSpec, type RestartType } from '../platform/childSpec.js';

interface ActorChildOptions {
  id: string;
  restart: RestartType;
  shutdownMs: number;
  logic: AnyActorLogic;
  input?: unknown;
  /** For delayed transitions; xstate's own clock when omitted. */
  clock?: Clock;
  inspect?: (ev: InspectionEvent) => void;
  /** Stable name in the actor system, e.g. `budget` or `hooks`. */
  systemId?: string;
  /** Told about each fresh actor (one per restart), for owners that send it events or read its snapshot. */
  onActor?: (actor: AnyActorRef) => void;
}

/** A child spec that runs `logic` as a root actor, a fresh one on every (re)start. */
export function actorChild(opts: ActorChildOptions): ChildSpec {
  return { id: opts.id, restart: opts.restart, shutdownMs: opts.shutdownMs, start: async () => startActor(opts) };
}

function startActor(opts: ActorChildOptions): ChildHandle {
  // Only the options given: an explicit `clock: undefined` would replace xstate's default clock.
  const actor = createActor(opts.logic, {
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.inspect ? { inspect: opts.inspect } : {}),
    ...(opts.systemId ? { systemId: opts.systemId } : {}),
  });
  const latch = exitLatch();
  const { exited, settle } = latch;
  // The error observer is required: in xstate 5 an unobserved actor failure is thrown globally.
  actor.subscribe({
    next: (snapshot) => {
      if (snapshot.status === 'done') settle({ normal: true, reason: 'done' });
    },
    error: (err) => settle({ normal: false, reason: err instanceof Error ? err.message : String(err) }),
  });
  actor.start();
  opts.onActor?.(actor);
  return {
    exited,
    stop: async () => {
      if (!latch.final) {
        settle({ normal: true, reason: 'shutdown' });
        actor.stop();
      }
      return exited;
    },
  };
}
