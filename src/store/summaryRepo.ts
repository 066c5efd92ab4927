/**
 * Stored summaries of compacted turns (migration 10). A summary covers the turns of a chain from
 * its root through one message, so it is found by the messages of a chain, never by a session:
 * a fork or a merge that shares the prefix reuses it.
 */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

export interface StoredSummary {
  /** The last message it covers. */
  throughMessage: string;
  /** How many turns it covers. */
  covers: number;
  content: string;
  tokens: number;
  /** `provider/model` that wrote it. */
  model?: string;
  createdAt: number;
}

interface SummaryRow {
  through_message: string;
  covers: number;
  content: string;
  tokens: number;
  model: string | null;
  created_at: number;
}

function toSummary(r: SummaryRow): StoredSummary {
  return {
    throughMessage: r.through_message,
    covers: r.covers,
    content: r.content,
    tokens: r.tokens,
    ...(r.model === null ? {} : { model: r.model }),
    createdAt: r.created_at,
  };
}

export class SummaryRepo {
  private readonly upsert: Statement;
  private readonly byMessage: Statement;
  private readonly allThrough: Statement;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO summaries (through_message, covers, content, tokens, model, created_at)
       VALUES (@throughMessage, @covers, @content, @tokens, @model, @createdAt)
       ON CONFLICT (through_message) DO UPDATE SET covers = excluded.covers, content = excluded.content,
         tokens = excluded.tokens, model = excluded.model, created_at = excluded.created_at`,
    );
    this.byMessage = db.prepare('SELECT * FROM summaries WHERE through_message = ?');
    this.allThrough = db.prepare('SELECT through_message FROM summaries').pluck();
  }

  put(s: StoredSummary): void {
    this.upsert.run({ ...s, model: s.model ?? null });
  }

  get(throughMessage: string): StoredSummary | undefined {
    const row = this.byMessage.get(throughMessage) as SummaryRow | undefined;
    return row ? toSummary(row) : undefined;
  }

  /** The messages a summary is kept through: few (one per compaction), read whole. */
  throughMessages(): Set<string> {
    return new Set(this.allThrough.all() as string[]);
  }
}
