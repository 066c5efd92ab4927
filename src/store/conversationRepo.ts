/**
 * Conversations (`sessions`) and their messages (`messages`), as DESIGN.md draws them: a message
 * has a parent, a session is a head pointer, so a session's history is the chain from its head.
 * The one-liner writes here. The conversation graph builds on the same two tables plus `edges`
 * (migration 9): a fork is one sessions row pointing at the parent's head, nothing copied; a
 * merge is a new session whose first message names its parents; every relation is an edge.
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { RelayError } from '../platform/errors.js';
import type { Database } from './database.js';
import { prefixUpperBound } from './eventsRepo.js';

export type MessageRole = 'system' | 'user' | 'assistant' | 'summary';
export type MessageStatus = 'complete' | 'partial' | 'failed';

export interface Conversation {
  id: string;
  /** The short number people use: `#12`. */
  number: number;
  name?: string;
  headId?: string;
  origin: string;
  createdAt: number;
  updatedAt: number;
}

export interface StoredMessage {
  id: string;
  parentId?: string;
  sessionId: string;
  role: MessageRole;
  content: string;
  worker?: string;
  provider?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costMicros?: number;
  status: MessageStatus;
  createdAt: number;
}

export type EdgeKind = 'fork' | 'merge' | 'attach' | 'handoff' | 'import';

/** One relation between two sessions: `child` was made from (or refers to) `parent`. */
export interface Edge {
  id: number;
  /** Session id. */
  child: string;
  /** Session id; it may name a deleted session, whose messages up to `atMessage` stay. */
  parent: string;
  kind: EdgeKind;
  /** The parent's message it was made at; absent when the parent had no messages. */
  atMessage?: string;
  note?: string;
  createdAt: number;
}

/** A row of `relay session list`. */
export type ConversationSummary = Conversation & {
  /** Messages in its own chain (for a merge: from its Derived message on). */
  messages: number;
  /** Numbers of the sessions it has edges to, oldest edge first; deleted ones are left out. */
  parents: number[];
};

export type NewMessage = Omit<StoredMessage, 'id' | 'parentId' | 'createdAt'> & { at: number };

interface SessionRow {
  id: string;
  number: number;
  name: string | null;
  head_id: string | null;
  origin: string;
  created_at: number;
  updated_at: number;
}

interface MessageRow {
  id: string;
  parent_id: string | null;
  session_id: string;
  role: MessageRole;
  content: string;
  worker: string | null;
  provider: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_micros: number | null;
  status: MessageStatus;
  created_at: number;
}

interface EdgeRow {
  id: number;
  child: string;
  parent: string;
  kind: EdgeKind;
  at_message: string | null;
  note: string | null;
  created_at: number;
}

/** Shorter prefixes match too much to mean one session, and are what a typo looks like. */
const MIN_PREFIX = 4;
/** An ambiguous prefix lists at most this many candidates: enough to pick a longer prefix. */
const MAX_CANDIDATES = 8;
const HINT_LIST = 'relay session list';

function usage(message: string, hint = HINT_LIST): RelayError {
  return new RelayError('E_USAGE', message, { hint });
}

function toEdge(r: EdgeRow): Edge {
  return {
    id: r.id,
    child: r.child,
    parent: r.parent,
    kind: r.kind,
    ...(r.at_message === null ? {} : { atMessage: r.at_message }),
    ...(r.note === null ? {} : { note: r.note }),
    createdAt: r.created_at,
  };
}

function toConversation(r: SessionRow): Conversation {
  return {
    id: r.id,
    number: r.number,
    ...(r.name === null ? {} : { name: r.name }),
    ...(r.head_id === null ? {} : { headId: r.head_id }),
    origin: r.origin,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toMessage(r: MessageRow): StoredMessage {
  const opt = <K extends string, V>(k: K, v: V | null): { [P in K]?: V } => (v === null ? {} : ({ [k]: v } as { [P in K]: V }));
  return {
    id: r.id,
    ...opt('parentId', r.parent_id),
    sessionId: r.session_id,
    role: r.role,
    content: r.content,
    ...opt('worker', r.worker),
    ...opt('provider', r.provider),
    ...opt('model', r.model),
    ...opt('inputTokens', r.input_tokens),
    ...opt('outputTokens', r.output_tokens),
    ...opt('costMicros', r.cost_micros),
    status: r.status,
    createdAt: r.created_at,
  };
}

export class ConversationRepo {
  private readonly insertSession: Statement;
  private readonly bySessionId: Statement;
  private readonly byNumber: Statement;
  private readonly insertMessage: Statement;
  private readonly moveHead: Statement;
  private readonly messageById: Statement;
  private readonly insertForkSession: Statement;
  private readonly byIdRange: Statement;
  private readonly byIdFrom: Statement;
  private readonly insertEdgeRow: Statement;
  private readonly edgeById: Statement;
  private readonly edgesOfChild: Statement;
  private readonly edgesOfParent: Statement;
  private readonly edgeAncestorIs: Statement;
  private readonly chainContains: Statement;
  private readonly chainLength: Statement;
  private readonly chainUntil: Statement;
  private readonly commonAncestorOf: Statement;
  private readonly parentNumbers: Statement;
  private readonly allSessions: Statement;
  private readonly chainFrom: Statement;
  private readonly latestSession: Statement;
  private readonly allNumbers: Statement;
  private readonly renameSession: Statement;
  private readonly deleteSession: Statement;
  private readonly deleteEdgesOfChild: Statement;
  private readonly deleteUnreachable: Statement;

  constructor(private readonly db: Database) {
    this.insertSession = db.prepare(
      `INSERT INTO sessions (id, number, name, origin, created_at, updated_at)
       VALUES (@id, (SELECT COALESCE(MAX(number), 0) + 1 FROM sessions), @name, @origin, @at, @at)`,
    );
    this.bySessionId = db.prepare('SELECT * FROM sessions WHERE id = ?');
    this.byNumber = db.prepare('SELECT * FROM sessions WHERE number = ?');
    this.insertMessage = db.prepare(
      `INSERT INTO messages (id, parent_id, session_id, role, content, worker, provider, model,
         input_tokens, output_tokens, cost_micros, status, created_at, depth)
       VALUES (@id, @parentId, @sessionId, @role, @content, @worker, @provider, @model,
         @inputTokens, @outputTokens, @costMicros, @status, @at,
         COALESCE((SELECT depth + 1 FROM messages WHERE id = @parentId), 1))`,
    );
    this.moveHead = db.prepare('UPDATE sessions SET head_id = ?, updated_at = ? WHERE id = ?');
    this.messageById = db.prepare('SELECT * FROM messages WHERE id = ?');
    this.insertForkSession = db.prepare(
      `INSERT INTO sessions (id, number, name, head_id, origin, created_at, updated_at)
       VALUES (@id, (SELECT COALESCE(MAX(number), 0) + 1 FROM sessions), @name, @headId, 'fork', @at, @at)`,
    );
    // A prefix match is a range scan of the primary key: [prefix, next string after the prefix).
    this.byIdRange = db.prepare('SELECT * FROM sessions WHERE id >= ? AND id < ? ORDER BY number LIMIT ?');
    this.byIdFrom = db.prepare('SELECT * FROM sessions WHERE id >= ? ORDER BY number LIMIT ?');
    this.insertEdgeRow = db.prepare(
      `INSERT INTO edges (child, parent, kind, at_message, note, created_at)
       VALUES (@child, @parent, @kind, @atMessage, @note, @at)`,
    );
    this.edgeById = db.prepare('SELECT * FROM edges WHERE id = ?');
    this.edgesOfChild = db.prepare('SELECT * FROM edges WHERE child = ? ORDER BY id');
    this.edgesOfParent = db.prepare('SELECT * FROM edges WHERE parent = ? ORDER BY id');
    // Is @b among the sessions @a comes from, transitively? UNION (not ALL) ends the walk
    // where two paths meet again (a diamond of merges), so each session is visited once.
    this.edgeAncestorIs = db
      .prepare(
        `WITH RECURSIVE up(id) AS (
           SELECT @a
           UNION
           SELECT e.parent FROM edges e JOIN up ON e.child = up.id
         )
         SELECT 1 FROM up WHERE id = @b LIMIT 1`,
      )
      .pluck();
    // Walks up from @a and stops at @b: O(distance), not O(chain).
    this.chainContains = db
      .prepare(
        `WITH RECURSIVE chain(id) AS (
           SELECT @a
           UNION ALL
           SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id
           WHERE m.parent_id IS NOT NULL AND chain.id <> @b
         )
         SELECT 1 FROM chain JOIN messages ON messages.id = chain.id WHERE chain.id = @b LIMIT 1`,
      )
      .pluck();
    // A chain's length is its head's depth (migration 11), written when the message was.
    this.chainLength = db.prepare('SELECT depth FROM messages WHERE id = ?').pluck();
    // The chain from @head, oldest first, leaving out @stop and everything before it.
    this.chainUntil = db.prepare(
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT @head, 0
         UNION ALL
         SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
         WHERE m.parent_id IS NOT NULL AND m.parent_id IS NOT @stop
       )
       SELECT messages.* FROM chain JOIN messages ON messages.id = chain.id ORDER BY chain.depth DESC`,
    );
    // The first message of b's chain (nearest b's head) that is also in a's chain. b's walk
    // stops at that message instead of running on to the root.
    this.commonAncestorOf = db
      .prepare(
        `WITH RECURSIVE
           a(id) AS (
             SELECT @a
             UNION ALL
             SELECT m.parent_id FROM messages m JOIN a ON m.id = a.id WHERE m.parent_id IS NOT NULL
           ),
           b(id, depth) AS (
             SELECT @b, 0
             UNION ALL
             SELECT m.parent_id, b.depth + 1 FROM messages m JOIN b ON m.id = b.id
             WHERE m.parent_id IS NOT NULL AND b.id NOT IN (SELECT id FROM a)
           )
         SELECT b.id FROM b JOIN messages ON messages.id = b.id
         WHERE b.id IN (SELECT id FROM a) ORDER BY b.depth LIMIT 1`,
      )
      .pluck();
    this.parentNumbers = db
      .prepare('SELECT s.number FROM edges e JOIN sessions s ON s.id = e.parent WHERE e.child = ? ORDER BY e.id')
      .pluck();
    this.allSessions = db.prepare('SELECT * FROM sessions ORDER BY created_at DESC, number DESC');
    this.allNumbers = db.prepare('SELECT id, number FROM sessions');
    this.latestSession = db.prepare("SELECT * FROM sessions WHERE origin != 'wrap' ORDER BY updated_at DESC, number DESC LIMIT 1");
    this.chainFrom = db.prepare(
      `WITH RECURSIVE chain(id, depth) AS (
         SELECT ?, 0
         UNION ALL
         SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
         WHERE m.parent_id IS NOT NULL AND chain.depth + 1 < ?
       )
       SELECT messages.* FROM chain JOIN messages ON messages.id = chain.id ORDER BY chain.depth DESC`,
    );
    this.renameSession = db.prepare('UPDATE sessions SET name = ? WHERE id = ?');
    this.deleteSession = db.prepare('DELETE FROM sessions WHERE id = ?');
    this.deleteEdgesOfChild = db.prepare('DELETE FROM edges WHERE child = ?');
    // After the session row and its own edges are gone: its chain from the head up to the first
    // message something else still needs — another session's head, an edge's at_message (a
    // merge or attach reads the parent's messages up to there), or a second child (a branch,
    // which leads to some other head). Everything from there to the root stays.
    this.deleteUnreachable = db.prepare(
      `WITH RECURSIVE doomed(id, parent_id) AS (
         SELECT m.id, m.parent_id FROM messages m WHERE m.id = @head
           AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.head_id = m.id)
           AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.at_message = m.id)
           AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_id = m.id)
         UNION ALL
         SELECT m.id, m.parent_id FROM messages m JOIN doomed d ON m.id = d.parent_id
         WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.head_id = m.id)
           AND NOT EXISTS (SELECT 1 FROM edges e WHERE e.at_message = m.id)
           AND NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_id = m.id AND c.id <> d.id)
       )
       DELETE FROM messages WHERE id IN (SELECT id FROM doomed)`,
    );
  }

  /** A new conversation with the next short number. */
  create(origin: string, at: number, name?: string): Conversation {
    const id = randomUUID();
    this.insertSession.run({ id, name: name ?? null, origin, at });
    return toConversation(this.bySessionId.get(id) as SessionRow);
  }

  /** By stable id, or by its number (`12`, `#12`). */
  find(ref: string): Conversation | undefined {
    const n = /^#?(\d+)$/.exec(ref.trim());
    const row = (n ? this.byNumber.get(Number(n[1])) : this.bySessionId.get(ref)) as SessionRow | undefined;
    return row ? toConversation(row) : undefined;
  }

  /** Append a message after the session's head and make it the head, in one transaction. */
  append(m: NewMessage): StoredMessage {
    const id = randomUUID();
    this.db.transaction(() => {
      const session = this.bySessionId.get(m.sessionId) as SessionRow | undefined;
      if (!session) throw new Error(`no conversation ${m.sessionId}`);
      this.insertMessage.run({
        id,
        parentId: session.head_id,
        sessionId: m.sessionId,
        role: m.role,
        content: m.content,
        worker: m.worker ?? null,
        provider: m.provider ?? null,
        model: m.model ?? null,
        inputTokens: m.inputTokens ?? null,
        outputTokens: m.outputTokens ?? null,
        costMicros: m.costMicros ?? null,
        status: m.status,
        at: m.at,
      });
      this.moveHead.run(id, m.at, m.sessionId);
    })();
    return toMessage(this.messageById.get(id) as MessageRow);
  }

  message(id: string): StoredMessage | undefined {
    const row = this.messageById.get(id) as MessageRow | undefined;
    return row ? toMessage(row) : undefined;
  }

  /** The chain ending at the session's head, oldest first, at most `limit` messages (the newest). */
  history(sessionId: string, limit = 200): StoredMessage[] {
    const session = this.bySessionId.get(sessionId) as SessionRow | undefined;
    return session?.head_id ? this.chainAt(session.head_id, limit) : [];
  }

  /**
   * The chain ending at message `messageId` (whatever session wrote it), oldest first, at most
   * `limit` messages (the newest): what an edge made at that message refers to.
   */
  chainAt(messageId: string, limit = 200): StoredMessage[] {
    return (this.chainFrom.all(messageId, limit) as MessageRow[]).map(toMessage);
  }

  /**
   * The session a person means: its number (`12`, `#12`), its id, or a unique prefix of the id
   * (at least 4 characters). A bare number is tried as a number first, then as a prefix.
   */
  resolve(ref: string): Conversation {
    const wanted = ref.trim();
    const exact = this.find(wanted);
    if (exact) return exact;
    if (wanted.length >= MIN_PREFIX && !wanted.startsWith('#')) {
      const bound = prefixUpperBound(wanted);
      const rows = (
        bound === null ? this.byIdFrom.all(wanted, MAX_CANDIDATES + 1) : this.byIdRange.all(wanted, bound, MAX_CANDIDATES + 1)
      ) as SessionRow[];
      if (rows.length === 1) return toConversation(rows[0]!);
      if (rows.length > 1) {
        const shown = rows.slice(0, MAX_CANDIDATES).map((r) => `#${r.number} ${r.id.slice(0, Math.max(8, wanted.length + 2))}…`);
        const more = rows.length > MAX_CANDIDATES ? ', …' : '';
        throw usage(`${wanted} matches more than one session: ${shown.join(', ')}${more}`, 'give the number or a longer prefix');
      }
    }
    throw usage(`no session ${wanted}`);
  }

  /**
   * A new session that continues `ref` from its head (or from `atMessage`, which must be in its
   * history). O(1): one sessions row and one edge, whatever the length of the history — the
   * chain is shared, not copied.
   */
  fork(ref: string, at: number, opts: { atMessage?: string; name?: string } = {}): Conversation {
    const parent = this.resolve(ref);
    const headId = opts.atMessage ?? parent.headId ?? null;
    if (opts.atMessage !== undefined && !this.inChain(parent.headId, opts.atMessage)) {
      throw usage(`message ${opts.atMessage} is not in #${parent.number}'s history`, `relay session log ${parent.number}`);
    }
    const id = randomUUID();
    this.db.transaction(() => {
      this.insertForkSession.run({ id, name: opts.name ?? null, headId, at });
      // No cycle check: the child was created just now, so nothing can come from it yet.
      this.insertEdgeRow.run({ child: id, parent: parent.id, kind: 'fork', atMessage: headId, note: null, at });
    })();
    return toConversation(this.bySessionId.get(id) as SessionRow);
  }

  /**
   * A derived session whose first message (a root: no parent) names the heads it was made from,
   * `Derived: #12 #25`, with one `merge` edge per parent at that parent's head. Refused with the
   * reason when it would mean nothing: a session with itself, fewer than two sessions, an empty
   * one, or one whose head is already in another's history (it adds nothing to that one).
   */
  merge(refs: string[], at: number, name?: string): Conversation {
    const parents: Conversation[] = [];
    for (const ref of refs) {
      const p = this.resolve(ref);
      if (parents.some((q) => q.id === p.id)) {
        throw usage(`cannot merge #${p.number} with itself`, 'name two or more different sessions');
      }
      parents.push(p);
    }
    if (parents.length < 2) throw usage('a merge needs at least 2 different sessions', 'relay session merge 12 25');
    for (const p of parents) {
      if (!p.headId) throw usage(`#${p.number} has no messages: nothing to merge`);
    }
    for (const a of parents) {
      for (const b of parents) {
        if (a !== b && a.headId === b.headId) {
          throw usage(`#${a.number} and #${b.number} end at the same message: merging them adds nothing`, `continue #${a.number}, or fork it`);
        }
        if (a !== b && this.inChain(b.headId, a.headId!)) {
          throw usage(
            `#${a.number} adds nothing to #${b.number}: its last message is already in #${b.number}'s history`,
            `continue #${b.number}, or fork it`,
          );
        }
      }
    }
    return this.db.transaction(() => {
      const derived = this.create('merge', at, name);
      this.append({
        sessionId: derived.id,
        role: 'system',
        content: `Derived: ${parents.map((p) => `#${p.number}`).join(' ')}`,
        status: 'complete',
        at,
      });
      for (const p of parents) this.insertEdge(derived, p, 'merge', p.headId, at);
      return toConversation(this.bySessionId.get(derived.id) as SessionRow);
    })();
  }

  /** Make `sourceRef`'s context (up to its head now) part of `targetRef`'s: an `attach` edge. */
  attach(targetRef: string, sourceRef: string, at: number): void {
    const target = this.resolve(targetRef);
    const source = this.resolve(sourceRef);
    if (target.id === source.id) throw usage(`cannot attach #${target.number} to itself`);
    if (!source.headId) throw usage(`#${source.number} has no messages: nothing to attach`);
    this.insertEdge(target, source, 'attach', source.headId, at);
  }

  /**
   * Any relation (a `relay wrap` handoff, an import) as an edge from `parentRef` to `childRef`,
   * at a message of the parent's history (or none). Refused when it would close a cycle.
   */
  addEdge(childRef: string, parentRef: string, kind: EdgeKind, atMessage: string | undefined, at: number, note?: string): Edge {
    const child = this.resolve(childRef);
    const parent = this.resolve(parentRef);
    if (child.id === parent.id) throw usage(`a ${kind} edge cannot join #${child.number} to itself`);
    if (atMessage !== undefined && !this.inChain(parent.headId, atMessage)) {
      throw usage(`message ${atMessage} is not in #${parent.number}'s history`, `relay session log ${parent.number}`);
    }
    return this.insertEdge(child, parent, kind, atMessage, at, note);
  }

  /**
   * Record that `childId` holds a conversation imported from outside Relay: `source` names it as
   * `<agent>:<its own session id>` (no sessions row: `edges.parent` has no foreign key). One edge
   * per child and source; a re-import refreshes its time and note instead of adding another. The
   * session counts as worked on now, so the one-liner continues it.
   */
  addImportEdge(childId: string, source: string, at: number, note?: string): Edge {
    const child = this.resolve(childId);
    const existing = (this.edgesOfChild.all(child.id) as EdgeRow[]).find((r) => r.kind === 'import' && r.parent === source);
    return this.db.transaction(() => {
      this.db.prepare('UPDATE sessions SET updated_at = MAX(updated_at, ?) WHERE id = ?').run(at, child.id);
      if (!existing) {
        const { lastInsertRowid } = this.insertEdgeRow.run({ child: child.id, parent: source, kind: 'import', atMessage: null, note: note ?? null, at });
        return toEdge(this.edgeById.get(lastInsertRowid) as EdgeRow);
      }
      this.db.prepare('UPDATE edges SET note = ?, created_at = ? WHERE id = ?').run(note ?? null, at, existing.id);
      return toEdge(this.edgeById.get(existing.id) as EdgeRow);
    })();
  }

  /** Run `fn` in one transaction (nested calls become savepoints): several writes, all or none. */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** The edges a session comes from (`parents`) and those that come from it (`children`), oldest first. */
  edges(sessionId: string): { parents: Edge[]; children: Edge[] } {
    return {
      parents: (this.edgesOfChild.all(sessionId) as EdgeRow[]).map(toEdge),
      children: (this.edgesOfParent.all(sessionId) as EdgeRow[]).map(toEdge),
    };
  }

  /** Where a session comes from, in words: `Derived: #12 #25`, `fork of #12`, or '' for none. */
  lineage(ref: string): string {
    const session = this.resolve(ref);
    const parents = this.edges(session.id).parents;
    const label = (e: Edge): string => {
      const p = this.bySessionId.get(e.parent) as SessionRow | undefined;
      if (p) return `#${p.number}`;
      // An import's parent is outside Relay: `claude:<its session id>` → `claude 1a2b3c4d`; a
      // type prefix (OpenCode's `ses_`) is the same in every id, so it is left out.
      const external = e.kind === 'import' ? /^([a-z][\w-]*):(?:[a-z]+_)?(.+)$/.exec(e.parent) : null;
      return external ? `${external[1]} ${external[2]!.slice(0, 8)}` : `deleted ${e.parent.slice(0, 8)}`;
    };
    const merged = parents.filter((e) => e.kind === 'merge');
    const parts = merged.length > 0 ? [`Derived: ${merged.map(label).join(' ')}`] : [];
    for (const e of parents) {
      const note = e.note ? ` (${e.note})` : '';
      if (e.kind === 'fork') parts.push(`fork of ${label(e)}`);
      else if (e.kind === 'attach') parts.push(`attached ${label(e)}`);
      else if (e.kind === 'handoff') parts.push(`handoff from ${label(e)}${note}`);
      else if (e.kind === 'import') parts.push(`imported from ${label(e)}${note}`);
    }
    return parts.join(', ');
  }

  /** Every session, newest first, with the length of its chain and the numbers it comes from. */
  list(): ConversationSummary[] {
    return (this.allSessions.all() as SessionRow[]).map((r) => ({
      ...toConversation(r),
      messages: r.head_id === null ? 0 : (this.chainLength.get(r.head_id) as number),
      parents: [...new Set(this.parentNumbers.all(r.id) as number[])],
    }));
  }

  /** One session as `list()` shows it. */
  summary(ref: string): ConversationSummary {
    const c = this.resolve(ref);
    return {
      ...c,
      messages: c.headId === undefined ? 0 : (this.chainLength.get(c.headId) as number),
      parents: [...new Set(this.parentNumbers.all(c.id) as number[])],
    };
  }

  /** Session id → number, for every session: what a message's `writtenIn` is shown as. */
  numbers(): Map<string, number> {
    return new Map((this.allNumbers.all() as { id: string; number: number }[]).map((r) => [r.id, r.number]));
  }

  rename(ref: string, name: string): Conversation {
    const session = this.resolve(ref);
    const trimmed = name.trim();
    if (trimmed === '') throw usage('a session name cannot be empty', `relay session rename ${session.number} "login bug"`);
    this.renameSession.run(trimmed, session.id);
    return toConversation(this.bySessionId.get(session.id) as SessionRow);
  }

  /**
   * Remove a session, its own edges, and the messages nothing else needs. Messages another
   * session's history reaches stay, and so do those an edge of another session was made at;
   * edges from other sessions to this one stay too, keeping its id (lineage: `deleted 1a2b3c4d`).
   */
  delete(ref: string): void {
    const session = this.resolve(ref);
    this.db.transaction(() => {
      const own = this.edges(session.id).parents;
      this.deleteSession.run(session.id);
      this.deleteEdgesOfChild.run(session.id);
      // Its own chain, and what its edges held of parents deleted before it (a merge's parents
      // are not in its chain). A start point something else still needs deletes nothing.
      const starts = [session.headId, ...own.map((e) => e.atMessage)];
      for (const head of new Set(starts)) if (head !== undefined) this.deleteUnreachable.run({ head });
    })();
  }

  /** The newest message both chains share (the fork point), or undefined when they share none. */
  commonAncestor(aHead: string, bHead: string): string | undefined {
    return (this.commonAncestorOf.get({ a: aHead, b: bHead }) as string | undefined) ?? undefined;
  }

  /**
   * This session's messages after its common ancestor with `otherRef`, oldest first: what
   * `session diff` shows for this side, and what a merge adds beyond the shared prefix. With no
   * common ancestor, its whole chain.
   */
  sinceAncestor(sessionRef: string, otherRef: string): StoredMessage[] {
    const mine = this.resolve(sessionRef);
    const other = this.resolve(otherRef);
    if (!mine.headId) return [];
    const ancestor = other.headId ? this.commonAncestor(mine.headId, other.headId) : undefined;
    if (ancestor === mine.headId) return [];
    return (this.chainUntil.all({ head: mine.headId, stop: ancestor ?? null }) as MessageRow[]).map(toMessage);
  }

  /** Is `messageId` in the chain that ends at `head`? */
  private inChain(head: string | undefined, messageId: string): boolean {
    return head !== undefined && this.chainContains.get({ a: head, b: messageId }) !== undefined;
  }

  /** One edge, refused when `parent` already comes from `child` (directly or not): no cycles. */
  private insertEdge(child: Conversation, parent: Conversation, kind: EdgeKind, atMessage: string | undefined, at: number, note?: string): Edge {
    if (this.edgeAncestorIs.get({ a: parent.id, b: child.id }) !== undefined) {
      throw usage(
        `#${child.number} cannot take from #${parent.number}: #${parent.number} already comes from #${child.number}, which would make a cycle`,
        `relay session merge ${child.number} ${parent.number} makes a new session from both`,
      );
    }
    const { lastInsertRowid } = this.insertEdgeRow.run({ child: child.id, parent: parent.id, kind, atMessage: atMessage ?? null, note: note ?? null, at });
    return toEdge(this.edgeById.get(lastInsertRowid) as EdgeRow);
  }

  /**
   * The current conversation: the one worked in last (the highest updated_at), what `relay
   * "task"` continues. The sessions `relay wrap` records for its agents are left out: a handoff
   * in the background must not move the one-liner into an agent's conversation.
   */
  latest(): Conversation | undefined {
    const row = this.latestSession.get() as SessionRow | undefined;
    return row ? toConversation(row) : undefined;
  }
}
