/**
 * The shape of the message DAG in memory, for context assembly: a message's parent, who wrote
 * it and whether it is a turn, without its text. A message never changes once written (a
 * session moves its head; a message keeps its parent), so what was read once is true for good
 * and a chain is walked with map lookups instead of a recursive query per call. Texts are read
 * only for the turns that go to the model, and their token counts are kept after the first
 * count (tokenizing is the dearest step). A deleted message may stay here; nothing live reaches
 * it, so it is never walked to.
 */
import type { Statement } from 'better-sqlite3';
import { countTokens } from '../providers/tokenEstimate.js';
import type { Database } from '../store/database.js';
import type { MessageRole, MessageStatus, StoredMessage } from '../store/conversationRepo.js';

export interface MessageShape {
  id: string;
  parentId: string | null;
  sessionId: string;
  role: MessageRole;
  status: MessageStatus;
  /** Whether a model reads it: a user or assistant message, not failed, with text. */
  turn: boolean;
  createdAt: number;
  /** Its tokens as a chat message, once counted. */
  tokens?: number;
}

/** Read from the store this many ancestors at a time: one query per page of a cold chain. */
const PAGE = 512;
/**
 * Past this many shapes the index starts over (each is ~150 bytes): the daemon's memory stays
 * bounded however many conversations it has served; the next call reads its chain again.
 */
const MAX_SHAPES = 200_000;

interface ShapeRow {
  id: string;
  parent_id: string | null;
  session_id: string;
  role: MessageRole;
  status: MessageStatus;
  blank: number;
  created_at: number;
}

export class ChainIndex {
  private readonly shapes = new Map<string, MessageShape>();
  private readonly ancestors: Statement;
  private readonly textOf: Statement;
  private readonly one: Statement;

  constructor(db: Database) {
    this.ancestors = db.prepare(
      `WITH RECURSIVE up(id, n) AS (
         SELECT ?, 0
         UNION ALL
         SELECT m.parent_id, up.n + 1 FROM messages m JOIN up ON m.id = up.id
         WHERE m.parent_id IS NOT NULL AND up.n + 1 < ${PAGE}
       )
       SELECT m.id, m.parent_id, m.session_id, m.role, m.status, trim(m.content) = '' AS blank, m.created_at
       FROM up JOIN messages m ON m.id = up.id`,
    );
    this.one = db.prepare(`SELECT id, parent_id, session_id, role, status, trim(content) = '' AS blank, created_at FROM messages WHERE id = ?`);
    this.textOf = db.prepare('SELECT content FROM messages WHERE id = ?').pluck();
  }

  /**
   * A message's shape, read from the store when it is not known yet: alone (a new head over a
   * known chain costs one row), or with a page of its ancestors when the walk is in unknown
   * territory (a cold chain costs a query per {@link PAGE} messages, not one per message).
   */
  shape(id: string, page = false): MessageShape | undefined {
    const known = this.shapes.get(id);
    if (known) return known;
    if (this.shapes.size > MAX_SHAPES) this.shapes.clear();
    for (const r of (page ? this.ancestors.all(id) : [this.one.get(id)].filter(Boolean)) as ShapeRow[]) {
      if (this.shapes.has(r.id)) continue;
      this.shapes.set(r.id, {
        id: r.id,
        parentId: r.parent_id,
        sessionId: r.session_id,
        role: r.role,
        status: r.status,
        turn: (r.role === 'user' || r.role === 'assistant') && r.status !== 'failed' && r.blank === 0,
        createdAt: r.created_at,
      });
    }
    return this.shapes.get(id);
  }

  /**
   * The chain ending at `id`, newest first, up to (not including) the first message `stop`
   * holds: everything above a message already taken is taken too, since chains share only
   * prefixes.
   */
  chain(id: string | undefined, stop?: ReadonlySet<string>): MessageShape[] {
    const out: MessageShape[] = [];
    let missed = false;
    let next = id;
    while (next !== undefined && !stop?.has(next)) {
      let m = this.shapes.get(next);
      if (!m) {
        m = this.shape(next, missed);
        if (!m) break;
        missed = true;
      } else missed = false;
      out.push(m);
      next = m.parentId ?? undefined;
    }
    return out;
  }

  text(id: string): string {
    return (this.textOf.get(id) as string | undefined) ?? '';
  }

  /** A turn's tokens as a chat message; counted once per message. */
  tokens(m: MessageShape): number {
    m.tokens ??= countTokens([{ role: m.role === 'assistant' ? 'assistant' : 'user', content: this.text(m.id) }]);
    return m.tokens;
  }

  /** A shape with its text, as the store's message type (for the summariser's request). */
  message(m: MessageShape): StoredMessage {
    return { id: m.id, ...(m.parentId === null ? {} : { parentId: m.parentId }), sessionId: m.sessionId, role: m.role, content: this.text(m.id), status: m.status, createdAt: m.createdAt };
  }
}
