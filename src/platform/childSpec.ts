/**
 * What a supervisor knows about a child: how to start it, how long it may take to stop, and
 * whether it comes back after it ends (Erlang/OTP child specs). The child itself may be a real
 * process, an xstate actor or a nested supervisor; the supervisor only sees a {@link ChildHandle}.
 */

/**
 * When a child is restarted: `permanent` always, `transient` only after an abnormal exit,
 * `temporary` never (it is removed from the tree when it ends).
 */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/**
 * Which siblings share a child's restart: `one_for_one` none, `rest_for_one` those started after
 * it, `one_for_all` all of them.
 */
export type Strategy = 'one_for_one' | 'rest_for_one' | 'one_for_all';

/** How a child ended. `reason` is one line for the event log (`exited with code 3`, `shutdown`). */
export interface ChildExit {
  normal: boolean;
  code?: number | null;
  signal?: string | null;
  reason: string;
}

/** A running child. */
export interface ChildHandle {
  /** Resolves once when the child ends, by itself or after {@link ChildHandle.stop}. */
  readonly exited: Promise<ChildExit>;
  /**
   * Ask the child to end, forcing it after `timeoutMs`. Idempotent: every call returns the same
   * exit. A planned stop ends `normal` with reason `shutdown`.
   */
  stop(timeoutMs: number): Promise<ChildExit>;
  /** OS process id, for children that are processes. */
  readonly pid?: number;
}

/** How to start one child and how to treat its end. */
export interface ChildSpec {
  /** Unique among the supervisor's children; also the name in events. */
  id: string;
  restart: RestartType;
  /** Grace period given to {@link ChildHandle.stop} before the child is forced. */
  shutdownMs: number;
  /** Start the child; rejects if it could not be started at all. */
  start(): Promise<ChildHandle>;
}

/** The one-shot end of a child: `settle` records the first exit, later calls are ignored. */
interface ExitLatch {
  readonly exited: Promise<ChildExit>;
  settle(exit: ChildExit): void;
  /** The recorded exit, once there is one. */
  readonly final: ChildExit | undefined;
}

export function exitLatch(): ExitLatch {
  let final: ChildExit | undefined;
  let resolve!: (e: ChildExit) => void;
  const exited = new Promise<ChildExit>((r) => (resolve = r));
  return {
    exited,
    get final() {
      return final;
    },
    settle(exit) {
      if (final) return;
      final = exit;
      resolve(exit);
    },
  };
}
