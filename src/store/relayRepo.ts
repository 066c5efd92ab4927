/**
 * The `relay_sessions` table: one row per relay session (a task handed along a fallback order
 * of agents), so `relay snapshots`, the dashboard and a restarted daemon know what ran where.
 */
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

/** One relay session, as the rest of Relay sees it. */
export interface RelaySessionRow {
  id: string;
  /** Agent names in fallback order: claude, codex, gemini, opencode, cli:<name>. */
  order: readonly string[];
  /** The session machine's state value (running, handingOff, stranded, ended), stored as is. */
  state: string;
  /** The agent id (claude-1) now working on the task. */
  activeAgent: string | null;
  /** While stranded: when the earliest limit lifts, ms since the epoch. */
  resumeAt: number | null;
  cwd: string;
  /** The first prompt, when known. */
  task: string | null;
  createdAt: number;
  updatedAt: number;
}

/** The columns, snake_case as stored. */
interface RelaySessionRecord {
  id: string;
  order_json: string;
  state: string;
  active_agent: string | null;
  resume_at: number | null;
  cwd: string;
  task: string | null;
  created_at: number;
  updated_at: number;
}

function toRecord(row: RelaySessionRow): RelaySessionRecord {
  return {
    id: row.id,
    order_json: JSON.stringify(row.order),
    state: row.state,
    active_agent: row.activeAgent,
    resume_at: row.resumeAt,
    cwd: row.cwd,
    task: row.task,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function fromRecord(r: RelaySessionRecord): RelaySessionRow {
  return {
    id: r.id,
    order: JSON.parse(r.order_json) as string[],
    state: r.state,
    activeAgent: r.active_agent,
    resumeAt: r.resume_at,
    cwd: r.cwd,
    task: r.task,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Reads and writes `relay_sessions`. Holds prepared statements, so one per connection. */
export class RelayRepo {
  private readonly upsertOne: Statement<[RelaySessionRecord]>;
  private readonly selectOne: Statement<[string], RelaySessionRecord>;
  private readonly selectAll: Statement<[], RelaySessionRecord>;
  private readonly endOpen: Statement<[number]>;

  constructor(db: Database) {
    this.upsertOne = db.prepare(`
      INSERT INTO relay_sessions (id, order_json, state, active_agent, resume_at, cwd, task, created_at, updated_at)
      VALUES (@id, @order_json, @state, @active_agent, @resume_at, @cwd, @task, @created_at, @updated_at)
      ON CONFLICT (id) DO UPDATE SET
        order_json = excluded.order_json, state = excluded.state, active_agent = excluded.active_agent,
        resume_at = excluded.resume_at, cwd = excluded.cwd, task = excluded.task,
        updated_at = excluded.updated_at`);
    this.selectOne = db.prepare('SELECT * FROM relay_sessions WHERE id = ?');
    this.selectAll = db.prepare('SELECT * FROM relay_sessions ORDER BY created_at, id');
    this.endOpen = db.prepare(
      "UPDATE relay_sessions SET state = 'ended', resume_at = NULL, updated_at = ? WHERE state != 'ended'",
    );
  }

  /** Insert the session, or replace every field of an existing one except `createdAt`. */
  upsert(row: RelaySessionRow): void {
    this.upsertOne.run(toRecord(row));
  }

  get(id: string): RelaySessionRow | undefined {
    const r = this.selectOne.get(id);
    return r && fromRecord(r);
  }

  /** Every session, the oldest first. */
  list(): RelaySessionRow[] {
    return this.selectAll.all().map(fromRecord);
  }

  /**
   * Mark every session not yet ended as ended: a starting daemon has no agents, so a row left
   * `running` or `stranded` by its predecessor describes work nobody is doing any more.
   * @returns how many rows changed.
   */
  endAllOpen(now: number): number {
    return this.endOpen.run(now).changes;
  }
}
