/**
 * Turns xstate inspection into flat event records for the log: one `actor.spawned` per actor (with its first snapshot),
 * one `actor.transition` each time an actor's state value changes, and `actor.done` /
 * `actor.failed` at the end. (xstate does not inspect an exception thrown inside an action; that
 * failure reaches the actor's error observer, which the supervisor reports.) Event payloads are reduced to their type so no live object (or
 * secret inside one) reaches the log; the log itself redacts what is left.
 */
import type { InspectionEvent } from 'xstate';
import type { NewEvent } from '../protocol/eventRecord.js';

type StateValue = string | { [key: string]: StateValue };

/** `{running: {attached: 'yes'}}` → `running.attached.yes`; parallel regions joined by `,`. */
export function stateValueToString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object') return String(value);
  return Object.entries(value as Record<string, StateValue>)
    .map(([k, v]) => {
      const inner = stateValueToString(v);
      return inner ? `${k}.${inner}` : k;
    })
    .join(',');
}

interface SnapshotLike {
  status?: string;
  value?: unknown;
  error?: unknown;
}

/** One recorder per actor system: it remembers each actor's last state to report changes only. */
export function createInspectionRecorder(record: (event: NewEvent) => void): (ev: InspectionEvent) => void {
  const last = new Map<string, { state: string; status: string }>();

  const nameOf = (ref: InspectionEvent['actorRef']): string => {
    const r = ref as { systemId?: string; id?: string; sessionId: string };
    return r.systemId ?? r.id ?? r.sessionId;
  };

  return (ev) => {
    // `@xstate.actor` fires before the actor's systemId is registered, so an actor is reported
    // as spawned with its first snapshot, when its name is known.
    if (ev.type !== '@xstate.snapshot') return;
    const snap = ev.snapshot as SnapshotLike;
    const actor = nameOf(ev.actorRef);
    const key = ev.actorRef.sessionId;
    const state = snap.value === undefined ? '' : stateValueToString(snap.value);
    const status = snap.status ?? 'active';
    const before = last.get(key);
    // Promise and callback actors a machine invokes (no state value) are the machine's own
    // steps: their start and end would only repeat its transitions. Their failures are kept.
    const isMachine = snap.value !== undefined;
    if (!before && isMachine) record({ type: 'actor.spawned', actor, payload: { session: key } });
    if (state && (!before || before.state !== state)) {
      record({
        type: 'actor.transition',
        actor,
        payload: { from: before?.state ?? null, to: state, event: ev.event.type },
      });
    }
    if (status !== (before?.status ?? 'active')) {
      if (status === 'done' && isMachine) record({ type: 'actor.done', actor, payload: { state } });
      if (status === 'error') {
        const error = snap.error instanceof Error ? snap.error.message : String(snap.error);
        record({ type: 'actor.failed', actor, payload: { state, error } });
      }
    }
    if (status === 'done' || status === 'error' || status === 'stopped') last.delete(key);
    else last.set(key, { state, status });
  };
}
