/**
 * The `snapshots` table: an index of the handoff snapshots whose Markdown lives in
 * `$RELAY_HOME/snapshots/<id>.md`, so `relay snapshots` lists them without reading every file.
 */
import type { Statement } from 'better-sqlite3';
import type { SnapshotInfo } from '../protocol/relayProtocol.js';
import type { Database } from './database.js';

interface SnapshotRecord {
  id: string;
  relay_session: string;
  from_agent: string;
  to_agent: string | null;
  reason: string;
  limited_until: number | null;
  path: string;
  created_at: number;
}

function fromRecord(r: SnapshotRecord): SnapshotInfo {
  return {
    id: r.id,
    relaySession: r.relay_session,
    fromAgent: r.from_agent,
    toAgent: r.to_agent,
    reason: r.reason,
    limitedUntil: r.limited_until,
    path: r.path,
    createdAt: r.created_at,
  };
}

/** SQLite reads a negative LIMIT as "no limit". */
const NO_LIMIT = -1;

/** Reads and writes `snapshots`. Holds prepared statements, so one per connection. */
export class SnapshotsRepo {
  private readonly insertOne: Statement<[SnapshotRecord]>;
  private readonly selectOne: Statement<[string], SnapshotRecord>;
  private readonly selectPrefix: Statement<[{ prefix: string }], SnapshotRecord>;
  private readonly selectNewest: Statement<[number], SnapshotRecord>;
  private readonly selectSession: Statement<[string, number], SnapshotRecord>;
  private readonly updateTo: Statement<[string | null, string]>;

  constructor(db: Database) {
    this.insertOne = db.prepare(`
      INSERT INTO snapshots (id, relay_session, from_agent, to_agent, reason, limited_until, path, created_at)
      VALUES (@id, @relay_session, @from_agent, @to_agent, @reason, @limited_until, @path, @created_at)`);
    this.selectOne = db.prepare('SELECT * FROM snapshots WHERE id = ?');
    // substr rather than LIKE: ids may contain `_`, which LIKE reads as a wildcard.
    this.selectPrefix = db.prepare(
      'SELECT * FROM snapshots WHERE substr(id, 1, length(@prefix)) = @prefix ORDER BY id LIMIT 2',
    );
    this.selectNewest = db.prepare('SELECT * FROM snapshots ORDER BY created_at DESC, id DESC LIMIT ?');
    this.selectSession = db.prepare(
      'SELECT * FROM snapshots WHERE relay_session = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    );
    this.updateTo = db.prepare('UPDATE snapshots SET to_agent = ? WHERE id = ?');
  }

  insert(row: SnapshotInfo): void {
    this.insertOne.run({
      id: row.id,
      relay_session: row.relaySession,
      from_agent: row.fromAgent,
      to_agent: row.toAgent,
      reason: row.reason,
      limited_until: row.limitedUntil,
      path: row.path,
      created_at: row.createdAt,
    });
  }

  get(id: string): SnapshotInfo | undefined {
    const r = this.selectOne.get(id);
    return r && fromRecord(r);
  }

  /**
   * The snapshot whose id is `idOrPrefix`, or the only one whose id starts with it (users type
   * the first characters). Undefined when none or several match.
   */
  find(idOrPrefix: string): SnapshotInfo | undefined {
    const exact = this.get(idOrPrefix);
    if (exact || idOrPrefix === '') return exact;
    const rows = this.selectPrefix.all({ prefix: idOrPrefix });
    return rows.length === 1 ? fromRecord(rows[0]!) : undefined;
  }

  /** The newest first; only one session's when `relaySession` is given. */
  list(opts: { relaySession?: string; limit?: number } = {}): SnapshotInfo[] {
    const limit = opts.limit ?? NO_LIMIT;
    const rows = opts.relaySession ? this.selectSession.all(opts.relaySession, limit) : this.selectNewest.all(limit);
    return rows.map(fromRecord);
  }

  /** Record which agent a snapshot went to (a stranded session resumed). False if no such snapshot. */
  setToAgent(id: string, toAgent: string | null): boolean {
    return this.updateTo.run(toAgent, id).changes === 1;
  }
}
