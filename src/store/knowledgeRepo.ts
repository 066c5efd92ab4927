/**
 * The `knowledge` table and its FTS5 index: facts remembered once (by an agent through
 * `relay mcp`, or by the user) and recalled in every later session. A fact belongs to the
 * global scope or to one project directory; recall in a directory sees the global facts and
 * those of every project that contains it.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Statement } from 'better-sqlite3';
import { redactText } from '../platform/redact.js';
import type { KnowledgeFact, KnowledgeScope, StoredFact } from '../protocol/knowledgeProtocol.js';
import type { Database } from './database.js';


export interface RememberInput {
  scope: KnowledgeScope;
  text: string;
  tags?: readonly string[];
  now: number;
}

export interface RememberResult {
  id: number;
  /** True when the same text was already remembered in this scope (its row is returned). */
  existed: boolean;
  /** True when a fact with the same key in this scope was replaced by this text. */
  updated?: boolean;
  /** The fact's key (`deploy` for `deploy: make ship`), when its text has one. */
  key?: string;
}

/** A key is a short name before `: ` — `deploy: make ship`, `db password rotation: monthly`. */
const KEYED_FACT = /^\s*([\p{L}\p{N}][\p{L}\p{N} _./-]{0,63}?)\s*:\s+\S/u;

/** The key a fact's text starts with, lower case, or undefined (`http://x` and prose have none). */
export function factKey(text: string): string | undefined {
  const m = KEYED_FACT.exec(text);
  return m ? m[1]!.trim().toLowerCase().replace(/\s+/g, ' ') : undefined;
}

export interface RecallInput {
  /** Free user text; never read as FTS5 syntax. */
  query: string;
  /** Only this scope. Without it: global plus the projects that contain `cwd`. */
  scope?: KnowledgeScope;
  /** The directory the question is asked from (absolute). */
  cwd?: string;
  limit?: number;
}

/** Recall returns at most this many facts: more would flood an agent's context, not help it. */
export const MAX_RECALL = 50;
/** Recall's limit when none is given: enough to cover a topic, few enough to read. */
export const DEFAULT_RECALL = 10;
/** Tags are short labels; a long list of them is someone pasting text into the wrong field. */
const MAX_TAGS = 20;
const MAX_TAG_CHARS = 40;
/** A query is a question, not a document: more terms only slow the match and blur the ranking. */
const MAX_QUERY_TERMS = 32;
/** Longer runs of letters are not words anyone searches for (hashes, base64). */
const MAX_TERM_CHARS = 64;

/**
 * Words that say nothing about which fact is wanted. Questions are full of them ("how do I run
 * the tests?"), and since any query word is enough to match, each would pull in every fact that
 * contains it.
 */
const STOP_WORDS = new Set(
  'a an and are as at be by can do does for from how i in is it me my of on or our should that the this to we what when where which who why will with you your'.split(' '),
);

/**
 * Tags count for more than body text: someone chose them as the fact's subject. Weights are
 * per column in declaration order (text, tags).
 */
const BM25_WEIGHTS = '1.0, 2.0';

/** The scope of facts about the project at `dir` (normalised, so `/w/` and `/w` are one scope). */
export function projectScope(dir: string): KnowledgeScope {
  return `project:${resolve(dir)}`;
}

/** The scopes visible from `cwd`: global, then `cwd` and each directory above it, nearest first. */
export function scopesFor(cwd: string | undefined): KnowledgeScope[] {
  const scopes: KnowledgeScope[] = ['global'];
  if (cwd === undefined || !isAbsolute(cwd)) return scopes;
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    scopes.push(`project:${dir}`);
    if (dirname(dir) === dir) break;
  }
  return scopes;
}

/**
 * Turn free text into an FTS5 query that cannot be read as syntax: each word becomes a quoted
 * string (a double quote inside is doubled, FTS5's only escape), joined by OR so that a fact
 * matching any word is found and bm25 puts those matching more words first. Operators the user
 * typed (`AND`, `NEAR`, `-`, `*`, `:`, parentheses) become plain words or are dropped. Stop
 * words are left out unless the text has nothing else.
 * @returns null when the text has no word to search for.
 */
export function toFtsQuery(text: string, join: 'OR' | 'AND' = 'OR'): string | null {
  const terms = ftsTerms(text);
  return terms.length === 0 ? null : terms.join(` ${join} `);
}

/** The words of free text as quoted FTS5 strings (see {@link toFtsQuery}); [] when there is none. */
function ftsTerms(text: string): string[] {
  // Letters, digits and combining marks: what the unicode61 tokenizer keeps as token characters.
  // Everything else separates words, as it does in the index.
  const words = text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
  const unique = [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length <= MAX_TERM_CHARS))];
  if (unique.length === 0) return [];
  const meaningful = unique.filter((w) => !STOP_WORDS.has(w));
  return (meaningful.length > 0 ? meaningful : unique).slice(0, MAX_QUERY_TERMS).map((w) => `"${w.replaceAll('"', '""')}"`);
}

/**
 * bm25 is scored for every fact a query matches, and a word in many thousands of facts makes
 * that the cost of a recall. Only the newest this many matches are ranked: for a word that
 * common the query is unspecific, and the newer facts are the likelier ones. (Matches in other
 * scopes count toward it: a project's facts are found among the newest of everyone's.)
 */
export const RECALL_WINDOW = 300;

/** Tags as stored: redacted, lower case, no spaces inside one, unique, in the order given. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const raw of tags ?? []) {
    const tag = redactText(String(raw)).trim().toLowerCase().replace(/\s+/g, '-').slice(0, MAX_TAG_CHARS);
    if (tag !== '' && !out.includes(tag)) out.push(tag);
    if (out.length === MAX_TAGS) break;
  }
  return out;
}

interface KnowledgeRecord {
  id: number;
  scope: string;
  text: string;
  tags: string;
  created_at: number;
  key?: string | null;
}

function fromRecord(r: KnowledgeRecord): StoredFact {
  return {
    id: r.id,
    ...(r.key ? { key: r.key } : {}),
    scope: r.scope as KnowledgeScope,
    text: r.text,
    tags: r.tags === '' ? [] : r.tags.split(' '),
    createdAt: r.created_at,
  };
}

/** Reads and writes `knowledge`. Holds prepared statements, so one per connection. */
export class KnowledgeRepo {
  private readonly insertOne: Statement<[{ scope: string; text: string; tags: string; created_at: number; key: string | null }]>;
  private readonly selectKeyed: Statement<[string, string], { id: number; text: string; tags: string }>;
  private readonly replaceKeyed: Statement<[{ id: number; text: string; tags: string; created_at: number }]>;
  private readonly deleteKeyed: Statement<[{ key: string; scopes: string }]>;
  private readonly listScoped: Statement<[{ scopes: string; limit: number }], KnowledgeRecord>;
  private readonly selectSame: Statement<[string, string], { id: number; tags: string }>;
  private readonly updateTags: Statement<[string, number]>;
  private readonly selectOne: Statement<[number], KnowledgeRecord>;
  private readonly deleteOne: Statement<[number]>;
  private readonly search: Statement<[{ match: string; scopes: string; limit: number }], KnowledgeRecord & { rank: number }>;

  constructor(private readonly db: Database) {
    this.insertOne = db.prepare(
      'INSERT INTO knowledge (scope, text, tags, created_at, key) VALUES (@scope, @text, @tags, @created_at, @key)',
    );
    this.selectKeyed = db.prepare('SELECT id, text, tags FROM knowledge WHERE scope = ? AND key = ?');
    this.replaceKeyed = db.prepare('UPDATE knowledge SET text = @text, tags = @tags, created_at = @created_at WHERE id = @id');
    this.deleteKeyed = db.prepare('DELETE FROM knowledge WHERE key = @key AND scope IN (SELECT value FROM json_each(@scopes))');
    this.listScoped = db.prepare(
      'SELECT * FROM knowledge WHERE scope IN (SELECT value FROM json_each(@scopes)) ORDER BY created_at DESC, id DESC LIMIT @limit',
    );
    this.selectSame = db.prepare('SELECT id, tags FROM knowledge WHERE scope = ? AND text = ?');
    this.updateTags = db.prepare('UPDATE knowledge SET tags = ? WHERE id = ?');
    this.selectOne = db.prepare('SELECT * FROM knowledge WHERE id = ?');
    this.deleteOne = db.prepare('DELETE FROM knowledge WHERE id = ?');
    // The scope list travels as one JSON array so a single prepared statement serves any number
    // of scopes.
    // The newest RECALL_WINDOW matches, in FTS5's rowid order (it walks its doclists, no sort),
    // each scored as it is read; then ranked. bm25 over every match of a common word is the cost
    // this bounds (FTS5 does not narrow a scored scan by a rowid range).
    this.search = db.prepare(`
      SELECT k.id, k.scope, k.text, k.tags, k.created_at, f.rank
      FROM (
        SELECT rowid, bm25(knowledge_fts, ${BM25_WEIGHTS}) AS rank FROM knowledge_fts
        WHERE knowledge_fts MATCH @match ORDER BY rowid DESC LIMIT ${RECALL_WINDOW}
      ) AS f JOIN knowledge AS k ON k.id = f.rowid
      WHERE k.scope IN (SELECT value FROM json_each(@scopes))
      ORDER BY f.rank, k.created_at DESC, k.id DESC
      LIMIT @limit`);
  }

  /**
   * Store a fact (secrets redacted first). The same text in the same scope is one fact: its id
   * is returned and any new tags are added to it.
   */
  remember(input: RememberInput): RememberResult {
    const text = redactText(input.text).trim();
    const tags = normalizeTags(input.tags);
    const key = factKey(text);
    return this.db.transaction((): RememberResult => {
      if (key !== undefined) {
        const keyed = this.selectKeyed.get(input.scope, key);
        if (keyed && keyed.text === text) return { id: keyed.id, existed: true, key };
        if (keyed) {
          // The text the tags were given for is gone: the new fact's tags are its own.
          this.replaceKeyed.run({ id: keyed.id, text, tags: tags.join(' '), created_at: input.now });
          return { id: keyed.id, existed: false, updated: true, key };
        }
      }
      const same = this.selectSame.get(input.scope, text);
      if (same) {
        const merged = normalizeTags([...(same.tags === '' ? [] : same.tags.split(' ')), ...tags]).join(' ');
        if (merged !== same.tags) this.updateTags.run(merged, same.id);
        return { id: same.id, existed: true, ...(key !== undefined ? { key } : {}) };
      }
      const { lastInsertRowid } = this.insertOne.run({
        scope: input.scope,
        text,
        tags: tags.join(' '),
        created_at: input.now,
        key: key ?? null,
      });
      return { id: Number(lastInsertRowid), existed: false, ...(key !== undefined ? { key } : {}) };
    })();
  }

  /** The facts matching `query`, the most relevant first. Never throws on what the user typed. */
  /**
   * The facts that contain every word come first (bm25 among them); when they are fewer than
   * `limit`, the facts that contain any word follow (bm25 among the newest {@link RECALL_WINDOW}
   * that do). Most questions of several words are answered by the first, cheap query.
   */
  recall(input: RecallInput): KnowledgeFact[] {
    const terms = ftsTerms(input.query);
    if (terms.length === 0) return [];
    const wanted = input.limit !== undefined && Number.isFinite(input.limit) ? Math.trunc(input.limit) : DEFAULT_RECALL;
    const limit = Math.min(Math.max(1, wanted), MAX_RECALL);
    const scopes = JSON.stringify(input.scope ? [input.scope] : scopesFor(input.cwd));
    const ranked = (match: string): KnowledgeFact[] => this.search.all({ match, scopes, limit }).map((r) => ({ ...fromRecord(r), rank: r.rank }));
    const all = ranked(terms.join(' AND '));
    if (all.length >= limit || terms.length === 1) return all;
    const seen = new Set(all.map((f) => f.id));
    return [...all, ...ranked(terms.join(' OR ')).filter((f) => !seen.has(f.id))].slice(0, limit);
  }

  /** One fact by id, undefined when there is none. */
  get(id: number): StoredFact | undefined {
    const r = this.selectOne.get(id);
    return r && fromRecord(r);
  }

  /** Delete the facts named `key` in these scopes; how many there were. */
  forgetKey(key: string, scopes: readonly KnowledgeScope[]): number {
    const normal = key.trim().toLowerCase().replace(/\s+/g, ' ');
    return this.deleteKeyed.run({ key: normal, scopes: JSON.stringify(scopes) }).changes;
  }

  /** Every fact, of every scope, the newest first. */
  listAll(limit = 10_000): StoredFact[] {
    return (this.db.prepare('SELECT * FROM knowledge ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as KnowledgeRecord[]).map(fromRecord);
  }

  /** The facts of these scopes, the newest first. */
  list(scopes: readonly KnowledgeScope[], limit = 1_000): StoredFact[] {
    return this.listScoped.all({ scopes: JSON.stringify(scopes), limit }).map(fromRecord);
  }

  /** Delete a fact. False when there was no such fact. */
  forget(id: number): boolean {
    return this.deleteOne.run(id).changes === 1;
  }
}
