/**
 * The limit ledger: which agent names are limited until when. A handoff consults it so work
 * never goes back to an agent that is still limited, and a stranded session resumes at the
 * earliest time one lifts.
 */
import type { Clock } from '../platform/clock.js';
import type { LimitRow, LimitsRepo } from '../store/limitsRepo.js';

export class LimitLedger {
  constructor(
    private readonly repo: LimitsRepo,
    /** Stamps `at` on what is recorded. */
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /**
   * Record that `name` is limited until `until`. A limit still in force that lifts later is
   * kept: a short cooldown guessed from a retry warning must not shorten a known five-hour
   * limit. An expired one is replaced.
   * @returns the limit now in force.
   */
  record(name: string, until: number, source: string, rule: string): LimitRow {
    const at = this.clock.now();
    const existing = this.repo.get(name);
    if (existing && existing.until > at && existing.until >= until) return existing;
    const row: LimitRow = { name, until, source, rule, at };
    this.repo.upsert(row);
    return row;
  }

  /** When `name`'s limit lifts, or null when it is not limited (never was, or it expired). */
  limitedUntil(name: string, now: number): number | null {
    const row = this.repo.get(name);
    return row && row.until > now ? row.until : null;
  }

  /** The limit of `name` if still in force at `now`. */
  current(name: string, now: number): LimitRow | null {
    const row = this.repo.get(name);
    return row && row.until > now ? row : null;
  }

  /** The soonest time one of `names` stops being limited; null when none of them is limited. */
  earliestReset(names: readonly string[], now: number): number | null {
    let earliest: number | null = null;
    for (const name of names) {
      const until = this.limitedUntil(name, now);
      if (until !== null && (earliest === null || until < earliest)) earliest = until;
    }
    return earliest;
  }

  /** Forget `name`'s limit (the user says it has lifted). */
  clear(name: string): void {
    this.repo.delete(name);
  }
}
