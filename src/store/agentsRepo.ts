/**
 * The `agents` table: one row per CLI agent the daemon supervises, so `relay ps` and a
 * restarted daemon know what ran, in which state, and how it ended.
 */
import type { Statement } from 'better-sqlite3';
import { systemClock, type Clock } from '../platform/clock.js';
import type { AgentExitReason, AgentInfo, AgentState } from '../protocol/agentProtocol.js';
import type { Database } from './database.js';


/** One agent, as the rest of Relay sees it. */
export interface AgentRow {
  /** Also its systemId suffix: `agent:<id>`. */
  id: string;
  /** Which CLI it runs (adapters/registry.ts AgentKind), stored as text. */
  kind: string;
  name: string;
  /** argv, the program first. */
  command: readonly string[];
  cwd: string | null;
  /** The agent machine's state value (spawning, running, idle, limited, ...), stored as is. */
  state: string;
  pid: number | null;
  exitReason: AgentExitReason | null;
  exitCode: number | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/** Fields {@link AgentsRepo.setState} may change with the state; absent ones are kept. */
export type AgentStateExtra = Partial<Pick<AgentRow, 'pid' | 'exitReason' | 'exitCode'>>;

/** The columns, snake_case as stored. */
interface AgentRecord {
  id: string;
  kind: string;
  name: string;
  command: string;
  cwd: string | null;
  state: string;
  pid: number | null;
  exit_reason: string | null;
  exit_code: number | null;
  created_at: number;
  updated_at: number;
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    command: JSON.stringify(row.command),
    cwd: row.cwd,
    state: row.state,
    pid: row.pid,
    exit_reason: row.exitReason,
    exit_code: row.exitCode,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function fromRecord(r: AgentRecord): AgentRow {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    command: JSON.parse(r.command) as string[],
    cwd: r.cwd,
    state: r.state,
    pid: r.pid,
    exitReason: r.exit_reason as AgentExitReason | null,
    exitCode: r.exit_code,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The states an agent row keeps once its process has ended. */
const FINAL_STATES: readonly string[] = ['exited', 'crashed'];

/**
 * An agent known only from its row (an earlier daemon's, or one the daemon no longer holds), as
 * clients see it; `previousRun` marks one of an earlier daemon run.
 */
export function agentInfoOf(r: AgentRow, previousRun: boolean): AgentInfo {
  const [command = '', ...args] = r.command;
  const ended = FINAL_STATES.includes(r.state);
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    command,
    args,
    cwd: r.cwd ?? '',
    pid: ended ? null : r.pid,
    state: r.state as AgentState,
    relaySession: null,
    attached: 0,
    startedAt: r.createdAt,
    exit: r.exitReason ? { reason: r.exitReason, code: r.exitCode, signal: null } : null,
    // Its row was last written when it exited; for one lost with its daemon, when last seen.
    endedAt: r.updatedAt,
    ...(previousRun ? { previousRun: true } : {}),
  };
}

/** Parameters of the state update: a 0/1 flag per optional column says whether to set it. */
interface StateUpdate {
  id: string;
  state: string;
  updatedAt: number;
  setPid: 0 | 1;
  pid: number | null;
  setExitReason: 0 | 1;
  exitReason: string | null;
  setExitCode: 0 | 1;
  exitCode: number | null;
}

/** Reads and writes the `agents` table. Holds prepared statements, so one per connection. */
export class AgentsRepo {
  private readonly upsertOne: Statement<[AgentRecord]>;
  private readonly selectOne: Statement<[string], AgentRecord>;
  private readonly selectAll: Statement<[], AgentRecord>;
  private readonly updateState: Statement<[StateUpdate]>;
  private readonly deleteOne: Statement<[string]>;

  /** `clock` stamps `updatedAt` in {@link setState}. */
  constructor(
    db: Database,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
  ) {
    this.upsertOne = db.prepare(`
      INSERT INTO agents (id, kind, name, command, cwd, state, pid, exit_reason, exit_code, created_at, updated_at)
      VALUES (@id, @kind, @name, @command, @cwd, @state, @pid, @exit_reason, @exit_code, @created_at, @updated_at)
      ON CONFLICT (id) DO UPDATE SET
        kind = excluded.kind, name = excluded.name, command = excluded.command, cwd = excluded.cwd,
        state = excluded.state, pid = excluded.pid, exit_reason = excluded.exit_reason,
        exit_code = excluded.exit_code, updated_at = excluded.updated_at`);
    this.selectOne = db.prepare('SELECT * FROM agents WHERE id = ?');
    this.selectAll = db.prepare('SELECT * FROM agents ORDER BY created_at, id');
    this.deleteOne = db.prepare('DELETE FROM agents WHERE id = ?');
    this.updateState = db.prepare(`
      UPDATE agents SET
        state = @state,
        updated_at = @updatedAt,
        pid = CASE WHEN @setPid THEN @pid ELSE pid END,
        exit_reason = CASE WHEN @setExitReason THEN @exitReason ELSE exit_reason END,
        exit_code = CASE WHEN @setExitCode THEN @exitCode ELSE exit_code END
      WHERE id = @id`);
  }

  /** Insert the agent, or replace every field of an existing one except `createdAt`. */
  upsert(row: AgentRow): void {
    this.upsertOne.run(toRecord(row));
  }

  get(id: string): AgentRow | undefined {
    const r = this.selectOne.get(id);
    return r && fromRecord(r);
  }

  /** Every agent, the oldest first. */
  list(): AgentRow[] {
    return this.selectAll.all().map(fromRecord);
  }

  /**
   * Forget an agent (`relay rm`).
   * @returns false when there was no agent with that id.
   */
  remove(id: string): boolean {
    return this.deleteOne.run(id).changes === 1;
  }

  /**
   * Record a state change, with any of pid, exit reason and exit code given in `extra`
   * (`null` clears one, absent keeps it), and stamp `updatedAt`.
   * @returns false when there is no agent with that id.
   */
  setState(id: string, state: string, extra: AgentStateExtra = {}): boolean {
    const flag = (key: keyof AgentStateExtra): 0 | 1 => (extra[key] === undefined ? 0 : 1);
    const result = this.updateState.run({
      id,
      state,
      updatedAt: this.clock.now(),
      setPid: flag('pid'),
      pid: extra.pid ?? null,
      setExitReason: flag('exitReason'),
      exitReason: extra.exitReason ?? null,
      setExitCode: flag('exitCode'),
      exitCode: extra.exitCode ?? null,
    });
    return result.changes === 1;
  }
}
