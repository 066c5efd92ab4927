/**
 * Requests about remembered facts. The daemon owns relay.db, so clients (`relay mcp`, later
 * `relay remember` / `relay recall`) store and search facts through it rather than opening
 * the file for writing themselves.
 */

/** `global`, or `project:<absolute path>` for facts that hold only inside that directory. */
export type KnowledgeScope = 'global' | `project:${string}`;

/** One remembered fact. */
export interface StoredFact {
  id: number;
  scope: KnowledgeScope;
  text: string;
  /** The name before `: ` in the text (`deploy` for `deploy: make ship`), when it has one. */
  key?: string;
  tags: string[];
  /** ms since the epoch. */
  createdAt: number;
}

/** A fact as recall returns it: with its relevance to the query. */
export interface KnowledgeFact extends StoredFact {
  /**
   * SQLite's bm25 score for the query: lower is more relevant (it is negative for a match).
   * Facts come sorted by it, best first.
   */
  rank: number;
}

/**
 * The largest fact, in UTF-8 bytes. A fact is a sentence or a paragraph that an agent reads back
 * in every later session; 8 KiB is far above a real one and keeps a recall of 50 facts well
 * inside one bus frame.
 */
export const MAX_FACT_BYTES = 8 * 1024;

/** Where a fact applies, as a client names it; the daemon turns `project` into `project:<cwd>`. */
export type FactScopeName = 'global' | 'project';

export interface KnowledgeRequests {
  /**
   * Remember `text` (secrets are redacted, at most 8 KiB). `scope` defaults to `project`: the
   * fact holds in `cwd` and every directory below it. Remembering the same text in the same
   * scope again returns the first fact's id (`existed: true`) and adds any new tags to it.
   */
  'knowledge.remember': {
    payload: { text: string; scope?: FactScopeName; cwd: string; tags?: string[] };
    result: { id: number; scope: KnowledgeScope; existed: boolean; updated?: boolean; key?: string };
  };
  /**
   * The facts matching `query` (free text, never read as search syntax) that apply in `cwd`:
   * global ones and those of every project containing `cwd`, the most relevant first.
   */
  'knowledge.recall': {
    payload: { query: string; cwd: string; limit?: number };
    result: { facts: KnowledgeFact[] };
  };
  /** Forget the fact named `key` in one scope (`project`: the one of `cwd`, the default). */
  'knowledge.forget': {
    payload: { key: string; scope?: FactScopeName; cwd: string };
    result: { forgotten: number; scope: KnowledgeScope };
  };
  /** The facts that apply in `cwd` (global and its projects'), the newest first; `all`: every scope. */
  'knowledge.list': {
    payload: { cwd: string; all?: boolean };
    result: { facts: StoredFact[] };
  };
}
