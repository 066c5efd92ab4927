/**
 * The id `relay hook` gives each hook event (HookEvent.id), by which the daemon logs it once
 * however many times it arrives.
 *
 * Not node:crypto (about 5 ms to load, on every hook): uniqueness only has to hold among the
 * events of one user, and milliseconds, pid and 60 bits of V8's per-process randomly seeded
 * generator make a repeat out of reach (two hooks would need the same pid in the same
 * millisecond and the same 60 random bits).
 */
export function newHookEventId(now: number = Date.now(), pid: number = process.pid): string {
  const random = (): string => Math.floor(Math.random() * 2 ** 30).toString(36).padStart(6, '0');
  return `${now.toString(36)}-${pid.toString(36)}-${random()}${random()}`;
}
