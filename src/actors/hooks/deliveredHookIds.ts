/**
 * Which hook events (by HookEvent.id) the hooks actor has already logged, so that an event
 * arriving twice is logged once: a hook that gave up waiting for the daemon's answer spools an
 * event the daemon may have logged meanwhile, and a drain cut short by a crash replays its
 * file from the last saved offset.
 *
 * Two places to look: the store (every committed event: the unique `hook_id` of migration 5,
 * written in the same transaction as the row) and the ids this process logged whose row may
 * not be committed yet (in the event log's queue, or retried after a failed write).
 */

/** Ids logged by this process and kept in memory; beyond this the store alone answers. */
const RECENT_IDS = 10_000;

export class DeliveredHookIds {
  private readonly recent = new Set<string>();

  /** `stored(id)`: whether the store holds an event with this id. */
  constructor(private readonly stored: (id: string) => boolean) {}

  has(id: string): boolean {
    return this.recent.has(id) || this.stored(id);
  }

  /** Note an id as logged (its row is queued). */
  add(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_IDS) {
      // Oldest first (a Set iterates in insertion order): long committed by now.
      this.recent.delete(this.recent.values().next().value as string);
    }
  }
}
