/**
 * Conversations (`sessions`) and their messages (`messages`), as DESIGN.md draws them: a message
 * has a parent, a session is a head pointer, so a session's history is the chain from its head.
 * The one-liner writes here; the conversation graph (fork, merge, attach) builds on the same
 * two tables.
 */
import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Database } from './database.js';

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

  constructor(private readonly db: Database) {
    this.insertSession = db.prepare(
      `INSERT INTO sessions (id, number, name, origin, created_at, updated_at)
       VALUES (@id, (SELECT COALESCE(MAX(number), 0) + 1 FROM sessions), @name, @origin, @at, @at)`,
    );
    this.bySessionId = db.prepare('SELECT * FROM sessions WHERE id = ?');
    this.byNumber = db.prepare('SELECT * FROM sessions WHERE number = ?');
    this.insertMessage = db.prepare(
      `INSERT INTO messages (id, parent_id, session_id, role, content, worker, provider, model,
         input_tokens, output_tokens, cost_micros, status, created_at)
       VALUES (@id, @parentId, @sessionId, @role, @content, @worker, @provider, @model,
         @inputTokens, @outputTokens, @costMicros, @status, @at)`,
    );
    this.moveHead = db.prepare('UPDATE sessions SET head_id = ?, updated_at = ? WHERE id = ?');
    this.messageById = db.prepare('SELECT * FROM messages WHERE id = ?');
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
    if (!session?.head_id) return [];
    const rows = this.db
      .prepare(
        `WITH RECURSIVE chain(id, depth) AS (
           SELECT ?, 0
           UNION ALL
           SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
           WHERE m.parent_id IS NOT NULL AND chain.depth + 1 < ?
         )
         SELECT messages.* FROM chain JOIN messages ON messages.id = chain.id ORDER BY chain.depth DESC`,
      )
      .all(session.head_id, limit) as MessageRow[];
    return rows.map(toMessage);
  }
}
