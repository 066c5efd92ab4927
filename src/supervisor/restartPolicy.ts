/**
 * The supervisor's decision after a child exits, as pure functions of the facts: no I/O, no
 * timers, no clock. The {@link Supervisor} gathers the facts, asks {@link decideRestart} and
 * carries the decision out, so every rule here is tested without starting anything.
 */
import type { ChildExit, RestartType, Strategy } from '../platform/childSpec.js';

/** Capped exponential backoff between restarts of the same child. */
export interface BackoffPolicy {
  /** Delay before the first restart, and the first after a reset. */
  initialMs: number;
  /** Upper bound on any delay. */
  maxMs: number;
  /** Growth per consecutive failure; 2 when omitted. */
  factor?: number;
  /** Uptime after which a child counts as stable again, so its failure count resets. */
  resetAfterMs: number;
}

/** A supervisor's restart rules. */
export interface RestartPolicy {
  strategy: Strategy;
  /** Most restarts allowed within {@link RestartPolicy.periodMs}; one more gives up. */
  intensity: number;
  periodMs: number;
  backoff: BackoffPolicy;
}

/** A child as the policy sees it. */
export interface ChildRef {
  id: string;
  restart: RestartType;
}

/** Everything known when a child exits. */
export interface ExitFacts {
  /** The supervisor's children in start order, including the one that exited. */
  children: readonly ChildRef[];
  /** When the supervisor restarted children before (any order; old ones are ignored). */
  restartTimes: readonly number[];
  /** The child that exited. */
  childId: string;
  exit: ChildExit;
  /** Its consecutive failures so far (0 for a child never restarted). */
  failures: number;
  /** When it was last started; undefined if never. */
  startedAt: number | undefined;
  now: number;
}

export type RestartDecision =
  /** Not restarted: remove the child from the tree. */
  | { action: 'ignore' }
  | {
      action: 'restart';
      /** Other children to stop first, in reverse start order. */
      stop: string[];
      /** Children to start after `delayMs`, in start order. */
      start: string[];
      delayMs: number;
      /** The exited child's consecutive failures, counting this one. */
      failures: number;
    }
  | { action: 'give_up'; reason: string };

/** Whether an exit calls for a restart under a restart type (OTP: transient restarts only abnormal exits). */
export function shouldRestart(restart: RestartType, exit: ChildExit): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'transient') return !exit.normal;
  return false;
}

/** The restart times that still count against the intensity at `now`. */
export function recentRestarts(times: readonly number[], now: number, periodMs: number): number[] {
  return times.filter((t) => t > now - periodMs && t <= now);
}

/** Delay before a restart after `failures` consecutive failures: initialMs · factor^failures, capped. */
export function backoffDelay(backoff: BackoffPolicy, failures: number): number {
  const factor = backoff.factor ?? 2;
  return Math.min(backoff.maxMs, backoff.initialMs * factor ** failures);
}

/** Decide what the supervisor does about one child's exit. */
export function decideRestart(policy: RestartPolicy, facts: ExitFacts): RestartDecision {
  const { children, childId, exit, now } = facts;
  const index = children.findIndex((c) => c.id === childId);
  const child = children[index];
  if (!child || !shouldRestart(child.restart, exit)) return { action: 'ignore' };

  const recent = recentRestarts(facts.restartTimes, now, policy.periodMs).length;
  if (recent + 1 > policy.intensity) {
    return {
      action: 'give_up',
      reason:
        `child ${childId} exited (${exit.reason}); restart ${recent + 1} within ${policy.periodMs}ms ` +
        `would exceed the intensity of ${policy.intensity}`,
    };
  }

  // Siblings that share the restart; a temporary sibling is stopped but never started again.
  const affected =
    policy.strategy === 'one_for_one' ? [] :
    policy.strategy === 'rest_for_one' ? children.slice(index + 1) :
    children.filter((c) => c.id !== childId);
  const stop = affected.map((c) => c.id).reverse();
  const start = children
    .filter((c) => c.id === childId || (affected.includes(c) && c.restart !== 'temporary'))
    .map((c) => c.id);

  const uptime = facts.startedAt === undefined ? 0 : now - facts.startedAt;
  const failures = uptime >= policy.backoff.resetAfterMs ? 0 : facts.failures;
  return { action: 'restart', stop, start, delayMs: backoffDelay(policy.backoff, failures), failures: failures + 1 };
}
