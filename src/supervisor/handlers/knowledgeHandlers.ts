/**
 * Bus handlers for the `knowledge.*` requests. The daemon spreads them into its handler table:
 * `{ ...knowledgeHandlers(db, clock) }`. Payloads crossed a process boundary, so every field is
 * checked here and a bad one is an E_USAGE error that names it, never a SQLite error.
 */
import { isAbsolute } from 'node:path';
import type { RequestHandler } from '../../bus/busServer.js';
import { MAX_FACT_BYTES, type FactScopeName, type KnowledgeRequests } from '../../protocol/knowledgeProtocol.js';
import { systemClock, type Clock } from '../../platform/clock.js';
import { RelayError } from '../../platform/errors.js';
import type { Database } from '../../store/database.js';
import type { KnowledgeScope } from '../../protocol/knowledgeProtocol.js';
import { KnowledgeRepo, MAX_RECALL, projectScope, scopesFor } from '../../store/knowledgeRepo.js';

/** One handler per `knowledge.*` request. */
type KnowledgeHandlers = { [T in keyof KnowledgeRequests]: RequestHandler<T> };

/** A query is a question; the same cap as a fact keeps a pasted document from becoming one. */
const MAX_QUERY_BYTES = MAX_FACT_BYTES;
/** Matches the repository's own cap on stored tags, so a longer list is refused, not cut. */
const MAX_TAGS = 20;

function usage(message: string, hint?: string): RelayError {
  return new RelayError('E_USAGE', message, hint ? { hint } : {});
}

/** A required, non-blank string of at most `maxBytes` (UTF-8), trimmed. */
function requiredText(value: unknown, field: string, maxBytes: number): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw usage(`${field} is empty`, `give the ${field} as non-empty text`);
  }
  const text = value.trim();
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw usage(`${field} is ${bytes} bytes, over the ${maxBytes}-byte limit`, 'keep one short fact per call; put long material in a file and remember where it is');
  }
  return text;
}

/** A bad value, shown short and safely: whatever arrived may be huge, binary or a BigInt. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : value === undefined ? 'nothing' : typeof value;
}

function absoluteDir(value: unknown): string {
  if (typeof value !== 'string' || !isAbsolute(value)) {
    throw usage(`cwd must be an absolute directory path, got ${shown(value)}`);
  }
  return value;
}

function scopeName(value: unknown): FactScopeName {
  if (value === undefined || value === null) return 'project';
  if (value === 'global' || value === 'project') return value;
  throw usage(`scope must be "global" or "project", got ${shown(value)}`);
}

function tagList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((t) => typeof t === 'string')) {
    throw usage('tags must be a list of strings');
  }
  if (value.length > MAX_TAGS) throw usage(`${value.length} tags given; at most ${MAX_TAGS} are kept`);
  return value;
}

function recallLimit(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw usage(`limit must be a whole number from 1 to ${MAX_RECALL}`);
  }
  return Math.min(value, MAX_RECALL);
}

/** The handlers over the daemon's connection; `clock` stamps when a fact was remembered. */
export function knowledgeHandlers(db: Database, clock: Clock = systemClock): KnowledgeHandlers {
  const repo = new KnowledgeRepo(db);
  return {
    'knowledge.remember': (payload) => {
      const text = requiredText(payload?.text, 'text', MAX_FACT_BYTES);
      const cwd = absoluteDir(payload?.cwd);
      const scope: KnowledgeScope = scopeName(payload?.scope) === 'global' ? 'global' : projectScope(cwd);
      const tags = tagList(payload?.tags);
      const { id, existed, updated, key } = repo.remember({ scope, text, tags, now: clock.now() });
      return { id, scope, existed, ...(updated ? { updated } : {}), ...(key !== undefined ? { key } : {}) };
    },
    'knowledge.forget': (payload) => {
      const key = requiredText(payload?.key, 'key', 256);
      const cwd = absoluteDir(payload?.cwd);
      const scope: KnowledgeScope = scopeName(payload?.scope) === 'global' ? 'global' : projectScope(cwd);
      return { forgotten: repo.forgetKey(key, [scope]), scope };
    },
    'knowledge.list': (payload) => {
      const cwd = absoluteDir(payload?.cwd);
      return { facts: payload?.all === true ? repo.listAll() : repo.list(scopesFor(cwd)) };
    },
    'knowledge.recall': (payload) => {
      const query = requiredText(payload?.query, 'query', MAX_QUERY_BYTES);
      const cwd = absoluteDir(payload?.cwd);
      const limit = recallLimit(payload?.limit);
      return { facts: repo.recall({ query, cwd, ...(limit === undefined ? {} : { limit }) }) };
    },
  };
}
