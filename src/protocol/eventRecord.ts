/** One entry of the event log: what `relay daemon tail` prints and the bus publishes. */
export interface EventRecord {
  /** Strictly increasing, assigned by the daemon; the log's only order. */
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** Dotted, namespaced: `daemon.started`, `actor.transition`, `supervisor.gave_up`. */
  type: string;
  /** The systemId of the actor it concerns (`daemon`, `supervisor`, `agent:claude-1`). */
  actor: string;
  /** Flat, redacted: never a secret, never a nested live object. */
  payload: Record<string, unknown>;
}

/** An event before the daemon gives it a sequence number. */
export type NewEvent = Omit<EventRecord, 'seq' | 'at'> & { at?: number };
