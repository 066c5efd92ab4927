/**
 * The `limits` table: which agent is limited until when. Keyed by agent name (claude, codex,
 * cli:x), not agent id, because usage limits belong to the account: when one claude agent hits
 * its limit, every claude agent has.
 */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

/** One agent name's current limit. */
export interface LimitRow {
  name: string;
  /** When the limit lifts, ms since the epoch. */
  until: number;
  /** Where the limit was seen: pty, hook:claude, proxy, provider, … */
  source: string;
  /** The detector rule that matched (`claude.session_limit`). */
  rule: string;
  /** When it was recorded, ms since the epoch. */
  at: number;
}

/** Reads and writes `limits`. Holds prepared statements, so one per connection. */
export class LimitsRepo {
  private readonly upsertOne: Statement<[LimitRow]>;
  private readonly selectOne: Statement<[string], LimitRow>;
  private readonly selectAll: Statement<[], LimitRow>;
  private readonly deleteOne: Statement<[string]>;

  constructor(db: Database) {
    this.upsertOne = db.prepare(`
      INSERT INTO limits (name, until, source, rule, at) VALUES (@name, @until, @source, @rule, @at)
      ON CONFLICT (name) DO UPDATE SET
        until = excluded.until, source = excluded.source, rule = excluded.rule, at = excluded.at`);
    this.selectOne = db.prepare('SELECT name, until, source, rule, at FROM limits WHERE name = ?');
    this.selectAll = db.prepare('SELECT name, until, source, rule, at FROM limits ORDER BY until, name');
    this.deleteOne = db.prepare('DELETE FROM limits WHERE name = ?');
  }

  /** Set `row.name`'s limit, replacing the one it had. */
  upsert(row: LimitRow): void {
    this.upsertOne.run(row);
  }

  get(name: string): LimitRow | undefined {
    return this.selectOne.get(name);
  }

  /** Every recorded limit, expired ones included, the earliest to lift first. */
  list(): LimitRow[] {
    return this.selectAll.all();
  }

  /** @returns false when `name` had no limit. */
  delete(name: string): boolean {
    return this.deleteOne.run(name).changes === 1;
  }
}
