/**
 * The schema of relay.db, as an ordered list of migrations. The file's `PRAGMA user_version`
 * is the version of the last one applied. To change the schema, append a migration with the
 * next version; never edit or reorder one that has shipped.
 */
import { RelayError } from '../platform/errors.js';
import type { Database } from 'better-sqlite3';
import { notRelayDatabase } from './storeError.js';

/** One schema step. `up` is plain SQL, run in one transaction with the version bump. */
export interface Migration {
  /** 1, 2, 3, ... with no gaps: the user_version the file has once this step is applied. */
  version: number;
  /** Short name for logs and `relay doctor`. */
  name: string;
  /** SQL statements. PRAGMA foreign_keys cannot change inside a transaction, so none here. */
  up: string;
}

/**
 * Stamped into the file header (offset 68) by migration 1, so a SQLite file that belongs to
 * another program is recognised before Relay writes to it. The bytes spell "RLAY".
 */
const RELAY_APPLICATION_ID = 0x524c4159;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events',
    up: `
      PRAGMA application_id = ${RELAY_APPLICATION_ID};
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,  -- assigned by the daemon; the log's only order
        at INTEGER NOT NULL,      -- ms since the epoch
        type TEXT NOT NULL,       -- dotted: agent.exited, handoff.started
        actor TEXT NOT NULL,      -- systemId: daemon, agent:claude-1
        payload TEXT NOT NULL     -- JSON object
      );
      -- Type-prefix filters ("agent.") are a range scan on this index.
      CREATE INDEX events_type_seq ON events (type, seq);
    `,
  },
  {
    version: 2,
    name: 'agents',
    up: `
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,       -- claude|codex|gemini|opencode|cli
        name TEXT NOT NULL,
        command TEXT NOT NULL,    -- JSON argv
        cwd TEXT,
        state TEXT NOT NULL,      -- the agent machine's state value
        pid INTEGER,
        exit_reason TEXT,         -- done|error|rate_limited|user_quit|crashed
        exit_code INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'relay',
    up: `
      CREATE TABLE relay_sessions (
        id TEXT PRIMARY KEY,
        order_json TEXT NOT NULL, -- JSON array of agent names: the fallback order
        state TEXT NOT NULL,      -- the session machine's state value: running|handingOff|stranded|ended
        active_agent TEXT,        -- agent id (claude-1)
        resume_at INTEGER,        -- ms since the epoch, while stranded
        cwd TEXT NOT NULL,
        task TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,      -- time-sortable: 20261121-110502-claude-3f9a
        relay_session TEXT NOT NULL,
        from_agent TEXT NOT NULL, -- agent id
        to_agent TEXT,            -- agent id, null while the session is stranded
        reason TEXT NOT NULL,     -- the rule that fired, or manual
        limited_until INTEGER,
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX snapshots_session ON snapshots (relay_session, created_at);
      -- Limits are account-level, so keyed by agent name (claude, codex, cli:x), not agent id.
      CREATE TABLE limits (
        name TEXT NOT NULL,
        until INTEGER NOT NULL,   -- ms since the epoch
        source TEXT NOT NULL,     -- pty, hook:claude, ...
        rule TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (name)
      );
    `,
  },
  {
    version: 4,
    name: 'knowledge',
    up: `
      CREATE TABLE knowledge (
        id INTEGER PRIMARY KEY,
        scope TEXT NOT NULL,      -- global | project:<absolute path>
        text TEXT NOT NULL,       -- redacted before it is stored
        tags TEXT NOT NULL DEFAULT '', -- space-separated, lower case
        created_at INTEGER NOT NULL
      );
      -- One row per fact and scope: remembering the same text twice returns the first row.
      CREATE UNIQUE INDEX knowledge_scope_text ON knowledge (scope, text);
      -- External content: the index holds only tokens, the text lives once, in knowledge.
      -- porter: "deploying" finds "deploy"; remove_diacritics 2: "cafe" finds "café".
      CREATE VIRTUAL TABLE knowledge_fts USING fts5(
        text, tags, content='knowledge', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
      );
      -- The triggers keep the index in step with the table (sqlite.org/fts5.html, 4.4.3).
      CREATE TRIGGER knowledge_ai AFTER INSERT ON knowledge BEGIN
        INSERT INTO knowledge_fts (rowid, text, tags) VALUES (new.id, new.text, new.tags);
      END;
      CREATE TRIGGER knowledge_ad AFTER DELETE ON knowledge BEGIN
        INSERT INTO knowledge_fts (knowledge_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
      END;
      CREATE TRIGGER knowledge_au AFTER UPDATE ON knowledge BEGIN
        INSERT INTO knowledge_fts (knowledge_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
        INSERT INTO knowledge_fts (rowid, text, tags) VALUES (new.id, new.text, new.tags);
      END;
    `,
  },
  {
    version: 5,
    name: 'hook event ids',
    // The id `relay hook` gave the event (HookEvent.id), as the hooks actor logs it in the
    // payload of `hook.received`/`hook.test`. A column computed from the payload, so the id is
    // committed by the very insert of its event row (the same transaction, nothing else to
    // write), and unique: an event replayed from the spool after a crash cannot be logged twice.
    // Events without one (every other type, and spool lines of an older Relay) have NULL, which
    // a unique index lets repeat.
    up: `
      ALTER TABLE events ADD COLUMN hook_id TEXT
        GENERATED ALWAYS AS (json_extract(payload, '$.hookId')) VIRTUAL;
      CREATE UNIQUE INDEX events_hook_id ON events (hook_id) WHERE hook_id IS NOT NULL;
    `,
  },
  {
    version: 6,
    name: 'conversations and the budget ledger',
    // sessions/messages: DESIGN.md's conversation model. A message has a parent (NULL for the
    // first of a chain); a session is a head pointer, so its history is the chain from its head
    // and a fork is one new row. No foreign key from head to messages: the two rows point at
    // each other and are written in one transaction. `number` is the short name people use (#12).
    //
    // ledger: one row per provider call. `reserved` holds the estimate until the call ends; then
    // `committed` (charged = actual cost), `released` (failed or cancelled: charged = what was
    // used) or `interrupted` (settled at the next start of a daemon that died mid-call).
    // `priced` 0 means the model had no known price: its cost is unknown, not zero.
    // day/month are the daemon's local calendar, fixed at reservation time.
    up: `
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        number INTEGER NOT NULL UNIQUE,
        name TEXT,
        head_id TEXT,
        origin TEXT NOT NULL,        -- ask | wrap | import | fork | merge | new
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        parent_id TEXT REFERENCES messages (id),
        session_id TEXT NOT NULL,    -- the session it was written in
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'summary')),
        content TEXT NOT NULL,
        worker TEXT,
        provider TEXT,
        model TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_micros INTEGER,
        status TEXT NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'partial', 'failed')),
        created_at INTEGER NOT NULL
      );
      CREATE INDEX messages_parent ON messages (parent_id);
      CREATE INDEX messages_session ON messages (session_id, created_at);
      CREATE TABLE ledger (
        id INTEGER PRIMARY KEY,
        call_id TEXT NOT NULL UNIQUE,
        task_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        worker TEXT,
        billing TEXT NOT NULL,       -- metered | subscription | local
        priced INTEGER NOT NULL,     -- 1: cost known; 0: unpriced
        state TEXT NOT NULL CHECK (state IN ('reserved', 'committed', 'released', 'interrupted')),
        reserved_micros INTEGER NOT NULL,
        charged_micros INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0,
        day TEXT NOT NULL,           -- YYYY-MM-DD, local
        month TEXT NOT NULL,         -- YYYY-MM, local
        created_at INTEGER NOT NULL,
        settled_at INTEGER
      );
      CREATE INDEX ledger_day ON ledger (day);
      CREATE INDEX ledger_month ON ledger (month);
      CREATE INDEX ledger_task ON ledger (task_id);
      CREATE INDEX ledger_open ON ledger (state) WHERE state = 'reserved';
      CREATE TABLE budgets (
        scope TEXT PRIMARY KEY CHECK (scope IN ('task', 'daily', 'monthly')),
        limit_micros INTEGER NOT NULL CHECK (limit_micros >= 0),
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 7,
    name: 'budget totals',
    // reserved_input_micros: the prompt's part of a reservation. A daemon that dies mid-call has
    // sent the prompt, so the next start charges that part (state `interrupted`); NULL (rows of
    // a v6 file) is unknown, and then the whole reservation is charged rather than forgotten.
    //
    // ledger_totals: per local day and month, what metered rows hold against the limits (charged,
    // plus reserved while in flight) and how many rows of any billing are still open, kept by
    // triggers in the transaction of the ledger write itself. A reservation reads two rows
    // instead of summing a day, so it stays O(1) however many calls the day has.
    //
    // The totals make ledger_month (month sums) and ledger_open (open rows: found through the
    // days whose open_calls > 0 and ledger_day) redundant. Each index is one more page written
    // per reservation, and the guard's throughput is bounded by pages written per transaction.
    up: `
      ALTER TABLE ledger ADD COLUMN reserved_input_micros INTEGER;
      CREATE TABLE ledger_totals (
        period TEXT PRIMARY KEY,   -- day:YYYY-MM-DD | month:YYYY-MM
        charged_micros INTEGER NOT NULL DEFAULT 0,
        reserved_micros INTEGER NOT NULL DEFAULT 0,
        open_calls INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE TRIGGER ledger_totals_ai AFTER INSERT ON ledger BEGIN
        INSERT INTO ledger_totals (period, charged_micros, reserved_micros, open_calls)
          SELECT p,
            CASE WHEN new.billing = 'metered' THEN new.charged_micros ELSE 0 END,
            CASE WHEN new.billing = 'metered' AND new.state = 'reserved' THEN new.reserved_micros ELSE 0 END,
            new.state = 'reserved'
          FROM (SELECT 'day:' || new.day AS p UNION ALL SELECT 'month:' || new.month) WHERE true
          ON CONFLICT (period) DO UPDATE SET
            charged_micros = charged_micros + excluded.charged_micros,
            reserved_micros = reserved_micros + excluded.reserved_micros,
            open_calls = open_calls + excluded.open_calls;
      END;
      -- A settlement (the common update: the row stays in its day and month) moves the
      -- difference in one statement; the insert trigger has made both rows already.
      CREATE TRIGGER ledger_totals_settle AFTER UPDATE OF state, charged_micros, reserved_micros, billing ON ledger
        WHEN new.day = old.day AND new.month = old.month BEGIN
        UPDATE ledger_totals SET
            charged_micros = charged_micros
              + CASE WHEN new.billing = 'metered' THEN new.charged_micros ELSE 0 END
              - CASE WHEN old.billing = 'metered' THEN old.charged_micros ELSE 0 END,
            reserved_micros = reserved_micros
              + CASE WHEN new.billing = 'metered' AND new.state = 'reserved' THEN new.reserved_micros ELSE 0 END
              - CASE WHEN old.billing = 'metered' AND old.state = 'reserved' THEN old.reserved_micros ELSE 0 END,
            open_calls = open_calls + (new.state = 'reserved') - (old.state = 'reserved')
          WHERE period IN ('day:' || new.day, 'month:' || new.month);
      END;
      -- A row moved to another day or month: out of the old periods, into the new ones.
      CREATE TRIGGER ledger_totals_move AFTER UPDATE OF day, month ON ledger
        WHEN new.day <> old.day OR new.month <> old.month BEGIN
        UPDATE ledger_totals SET
            charged_micros = charged_micros - CASE WHEN old.billing = 'metered' THEN old.charged_micros ELSE 0 END,
            reserved_micros = reserved_micros - CASE WHEN old.billing = 'metered' AND old.state = 'reserved' THEN old.reserved_micros ELSE 0 END,
            open_calls = open_calls - (old.state = 'reserved')
          WHERE period IN ('day:' || old.day, 'month:' || old.month);
        INSERT INTO ledger_totals (period, charged_micros, reserved_micros, open_calls)
          SELECT p,
            CASE WHEN new.billing = 'metered' THEN new.charged_micros ELSE 0 END,
            CASE WHEN new.billing = 'metered' AND new.state = 'reserved' THEN new.reserved_micros ELSE 0 END,
            new.state = 'reserved'
          FROM (SELECT 'day:' || new.day AS p UNION ALL SELECT 'month:' || new.month) WHERE true
          ON CONFLICT (period) DO UPDATE SET
            charged_micros = charged_micros + excluded.charged_micros,
            reserved_micros = reserved_micros + excluded.reserved_micros,
            open_calls = open_calls + excluded.open_calls;
      END;
      CREATE TRIGGER ledger_totals_ad AFTER DELETE ON ledger BEGIN
        UPDATE ledger_totals SET
            charged_micros = charged_micros - CASE WHEN old.billing = 'metered' THEN old.charged_micros ELSE 0 END,
            reserved_micros = reserved_micros - CASE WHEN old.billing = 'metered' AND old.state = 'reserved' THEN old.reserved_micros ELSE 0 END,
            open_calls = open_calls - (old.state = 'reserved')
          WHERE period IN ('day:' || old.day, 'month:' || old.month);
      END;
      INSERT INTO ledger_totals (period, charged_micros, reserved_micros, open_calls)
        SELECT p, SUM(charged), SUM(reserved), SUM(open)
        FROM (
          SELECT 'day:' || day AS p,
            CASE WHEN billing = 'metered' THEN charged_micros ELSE 0 END AS charged,
            CASE WHEN billing = 'metered' AND state = 'reserved' THEN reserved_micros ELSE 0 END AS reserved,
            state = 'reserved' AS open
          FROM ledger
          UNION ALL
          SELECT 'month:' || month,
            CASE WHEN billing = 'metered' THEN charged_micros ELSE 0 END,
            CASE WHEN billing = 'metered' AND state = 'reserved' THEN reserved_micros ELSE 0 END,
            state = 'reserved'
          FROM ledger
        )
        GROUP BY p;
      DROP INDEX ledger_month;
      DROP INDEX ledger_open;
    `,
  },  {
    version: 8,
    name: 'fact keys',
    // `relay remember "deploy: make ship"`: the words before the colon name the fact, so
    // remembering the key again updates it instead of adding a second, contradicting one.
    // Facts remembered without a key (the MCP tool's free text) keep NULL and stay as they were.
    up: `
      ALTER TABLE knowledge ADD COLUMN key TEXT;
      CREATE UNIQUE INDEX knowledge_scope_key ON knowledge (scope, key) WHERE key IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: 'conversation edges',
    // The conversation graph: every relation between two sessions (fork, merge, attach, handoff,
    // import) is one row, with the message of the parent it was made at (NULL when the parent
    // had none), so lineage is a query. child and parent are session ids without a foreign key:
    // deleting a session never cascades into another one's lineage or history. An edge whose
    // parent was deleted keeps the id (lineage shows it as deleted), and its at_message keeps
    // the parent's messages up to that point alive, because the child's context is built from
    // them. The repo refuses an edge that would close a cycle.
    //
    // sessions_head and edges_at_message: a delete asks, for each message of the deleted chain,
    // whether another session's head or an edge still points at it.
    up: `
      CREATE TABLE edges (
        id INTEGER PRIMARY KEY,
        child TEXT NOT NULL,         -- session id
        parent TEXT NOT NULL,        -- session id
        kind TEXT NOT NULL CHECK (kind IN ('fork', 'merge', 'attach', 'handoff', 'import')),
        at_message TEXT,             -- message id in the parent's chain
        note TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX edges_child ON edges (child);
      CREATE INDEX edges_parent ON edges (parent);
      CREATE INDEX edges_at_message ON edges (at_message) WHERE at_message IS NOT NULL;
      CREATE INDEX sessions_head ON sessions (head_id) WHERE head_id IS NOT NULL;
    `,
  },
  {
    version: 10,
    name: 'conversation summaries',
    // Context assembly compacts a session's older turns into a summary written by a cheap model.
    // A chain is immutable from any message back, so a summary of the chain up to a message is
    // valid for every session whose history passes through it: it is keyed by that message, and
    // goes with it (ON DELETE CASCADE) when a delete frees the message.
    up: `
      CREATE TABLE summaries (
        through_message TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        covers INTEGER NOT NULL,     -- turns summarised, from the root of the chain
        content TEXT NOT NULL,
        tokens INTEGER NOT NULL,
        model TEXT,                  -- provider/model that wrote it
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: 'message depth',
    // A session's length is its head's depth: read in one lookup instead of a walk of its whole
    // chain (the workspace lists sessions often; 200 sessions of 500 turns took 300 ms walked).
    // A chain never changes from a message back, and a delete keeps every ancestor of a kept
    // message, so the depth written at insert stays true. Existing rows are numbered once here.
    up: `
      ALTER TABLE messages ADD COLUMN depth INTEGER;
      CREATE TEMP TABLE message_depths (id TEXT PRIMARY KEY, depth INTEGER NOT NULL);
      INSERT INTO message_depths (id, depth)
        WITH RECURSIVE d(id, depth) AS (
          SELECT id, 1 FROM messages WHERE parent_id IS NULL
          UNION ALL
          SELECT m.id, d.depth + 1 FROM messages m JOIN d ON m.parent_id = d.id
        )
        SELECT id, depth FROM d;
      UPDATE messages SET depth = (SELECT depth FROM message_depths WHERE message_depths.id = messages.id);
      DROP TABLE message_depths;
    `,
  },
];

/** The version a file has once every migration in the list is applied. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

/** The schema version recorded in the file (0 for a new, empty database). */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** A list whose versions are not exactly 1..n is a programming error, caught before any write. */
function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new RelayError('E_INTERNAL', `migration ${m.name} has version ${m.version}, expected ${i + 1}`);
    }
  });
}

/**
 * Refuse a file this Relay must not write to: another program's SQLite database, or one
 * written by a newer Relay whose schema this one does not know. Reads only.
 */
export function assertKnownSchema(db: Database, migrations: readonly Migration[] = MIGRATIONS): void {
  assertWellFormed(migrations);
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId !== RELAY_APPLICATION_ID) {
    // A new database has neither the id nor any table yet; anything else is not ours.
    const objects = db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number;
    if (appId !== 0 || objects > 0 || schemaVersion(db) !== 0) {
      throw notRelayDatabase(db.name, 'it is a SQLite database that belongs to another program');
    }
  }
  const current = schemaVersion(db);
  const known = latestVersion(migrations);
  if (current > known) {
    throw new RelayError(
      'E_STORE_NEWER',
      `${db.name} was written by a newer Relay (schema ${current}, this one knows ${known})`,
      { hint: 'upgrade relay, or point RELAY_HOME elsewhere' },
    );
  }
}

/**
 * Apply the pending migrations in order, each in its own transaction together with its
 * user_version bump, so a failure leaves the file at the last complete version.
 * @returns the versions applied (empty when the file was up to date).
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  assertKnownSchema(db, migrations);
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= schemaVersion(db)) continue;
    // IMMEDIATE takes the write lock up front instead of failing half-way with SQLITE_BUSY.
    db.transaction(() => {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
