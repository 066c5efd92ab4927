/**
 * Issue 10's recall figure: `KnowledgeRepo.recall` (FTS5, bm25) over 100,000 remembered facts on
 * a real relay.db in a temp dir, limit 5, asked from inside a project so the scope filter sees
 * the global facts and that project's. The facts are short sentences and `key: value` lines over
 * a vocabulary where some words are common (they match hundreds of facts, which bm25 must rank)
 * and most are rare. The queries are 1–5 words as a person types them, many with characters that
 * are FTS5 syntax (quotes, `*`, `-`, `:`, parentheses, `NEAR`, `AND`) — recall must neither
 * throw on them nor read them as operators.
 *
 * The baseline, in the same process on the same file and queries: FTS5 alone, the same MATCH
 * ordered by its own rank with the same limit (no join to the facts, no scope filter, no
 * mapping to objects). Calls alternate between the two; the figures are p50 and p99 over all runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnowledgeRepo, projectScope, toFtsQuery } from '../src/store/knowledgeRepo.js';
import type { KnowledgeScope } from '../src/protocol/knowledgeProtocol.js';
import { openDatabase } from '../src/store/database.js';
import { randomFrom } from './seededRandom.js';
import { percentileOfSorted, round, sorted } from './stats.js';

const SIZES = {
  facts: 100_000,
  queries: 500,
  limit: 5,
  warmUpRuns: 300,
  /** Per side: each query is asked this many times over. */
  runs: 2_000,
} as const;

const PROJECT = '/home/dev/relay';
const OTHER_PROJECT = '/home/dev/website';
/** Asked from a subdirectory: recall walks up to the project's scope. */
const CWD = `${PROJECT}/src/store`;

/**
 * The content words of real facts, most common first: they take the top ranks of the vocabulary.
 * (Stop words are never indexed terms of a query, so they are not counted here.)
 */
const REAL_WORDS = (
  'test deploy build database api config release review cache server migration branch worker ' +
  'router daemon token budget provider model session import export queue schedule timeout retry ' +
  'port region owner version password secret docker postgres sqlite redis nginx kubernetes ' +
  'terraform vitest playwright esbuild typescript python rust golang grpc graphql webhook proxy ' +
  'dashboard billing search index login friday nightly staging production monorepo lint format'
).split(' ');
const SYLLABLES = ['ka', 'lo', 'mer', 'tis', 'van', 'dor', 'pel', 'ru', 'shi', 'bex', 'qua', 'zen', 'fi', 'gol', 'nar', 'ost'];
/** Vocabulary size: a project's facts over time name thousands of distinct things. */
const VOCABULARY = 5_000;
/**
 * Ranks drawn by Zipf's law (frequency ∝ 1/rank) from rank 30 on: the top ranks of real text are
 * stop words, which are not indexed terms of a query. The most common word is then in about 5%
 * of the facts, the median one in well under 1%.
 */
const FIRST_RANK = 30;
const VERBS = ['uses', 'needs', 'talks to', 'is deployed with', 'is tested with', 'caches results in', 'reads from', 'writes to'];
const VALUES = ['8080', 'alice', '30 s', '3', 'eu-west-1', 'debug', '2.4.1', 'main', 'nightly at 02:00', 'https://internal.example/v2', 'bob', 'us-east-2'];
/** Characters of FTS5's syntax and others people paste: each must be read as plain text. */
const ODD = ['"', '*', '-', ':', '(', ')', '^', "'", 'NEAR', 'AND', 'OR', 'NOT', '+', '{', '}', '日本', 'café', '🚀', '$', '%', '\\'];

/** Word of each rank: the real words first, then made-up names (`kalomer`, `tisvan`, …). */
function vocabulary(): string[] {
  const words = [...REAL_WORDS];
  for (let i = 0; words.length < VOCABULARY; i++) {
    let word = '';
    for (let n = i + 1; n > 0; n = Math.floor(n / SYLLABLES.length)) word += SYLLABLES[n % SYLLABLES.length];
    if (word.length >= 4) words.push(word);
  }
  return words;
}

/** A word drawer by Zipf's law over `words`, from FIRST_RANK on (inverse of the cumulative weights). */
function zipfDrawer(words: readonly string[], random: () => number): () => string {
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 0; r < words.length; r++) cumulative.push((total += 1 / (r + FIRST_RANK)));
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
}

type Pick = <T>(list: readonly T[]) => T;

/** The i-th fact: a third `key: value`, the rest sentences of 6–10 content words. Numbered so each is its own. */
function factText(i: number, word: () => string, pick: Pick): string {
  const n = i % 500;
  switch (i % 3) {
    case 0:
      return `${word()} ${word()} ${n}: ${pick(VALUES)} (${word()} ${word()})`;
    case 1:
      return `The ${word()} ${word()} ${n} ${pick(VERBS)} ${word()} for the ${word()} and ${word()} ${word()}.`;
    default:
      return `In ${word()} ${n} we run ${word()} before ${word()}; ask about ${word()}, ${word()} and ${word()} first.`;
  }
}

function scopeOf(i: number): KnowledgeScope {
  const r = i % 10;
  return r < 3 ? 'global' : r < 9 ? projectScope(PROJECT) : projectScope(OTHER_PROJECT);
}

/** 1–5 words drawn as the facts' are, about half of the queries with FTS5 syntax mixed in. */
function queryOf(word: () => string, pick: Pick, random: () => number): string {
  const words: string[] = [];
  const count = 1 + Math.floor(random() * 5);
  for (let i = 0; i < count; i++) {
    let w = word();
    if (random() < 0.2) w = random() < 0.5 ? `${pick(ODD)}${w}` : `${w}${pick(ODD)}`;
    words.push(w);
  }
  if (random() < 0.2) words.push(pick(ODD));
  return words.join(' ');
}

function percentiles(runs: readonly number[]): { p50: number; p99: number } {
  const asc = sorted(runs);
  return { p50: percentileOfSorted(asc, 50), p99: percentileOfSorted(asc, 99) };
}

export function measureRecall(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-recall-'));
  try {
    const db = openDatabase(join(dir, 'relay.db'));
    try {
      const repo = new KnowledgeRepo(db);
      const random = randomFrom(10);
      const pick: Pick = (list) => list[Math.floor(random() * list.length)]!;
      const word = zipfDrawer(vocabulary(), random);
      db.transaction(() => {
        // A key that comes up again in its scope replaces its fact: go on until there are SIZES.facts rows.
        for (let i = 0, stored = 0; stored < SIZES.facts; i++) {
          const r = repo.remember({ scope: scopeOf(i), text: factText(i, word, pick), now: 1 + i });
          if (!r.existed && !r.updated) stored++;
        }
      })();
      const facts = db.prepare('SELECT count(*) FROM knowledge').pluck().get() as number;

      const queries = Array.from({ length: SIZES.queries }, () => queryOf(word, pick, random));
      const ftsOnly = db.prepare('SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ? ORDER BY rank LIMIT ?').pluck();
      // The baseline gets the query already made safe: toFtsQuery is part of what recall costs.
      const matches = queries.map((q) => toFtsQuery(q));
      const recallMs = (q: number): number => {
        const t0 = performance.now();
        repo.recall({ query: queries[q]!, cwd: CWD, limit: SIZES.limit });
        return performance.now() - t0;
      };
      const ftsMs = (q: number): number => {
        const match = matches[q];
        const t0 = performance.now();
        if (match !== null) ftsOnly.all(match!, SIZES.limit);
        return performance.now() - t0;
      };

      let found = 0;
      let empty = 0;
      for (const query of queries) {
        const n = repo.recall({ query, cwd: CWD, limit: SIZES.limit }).length;
        found += n;
        if (n === 0) empty++;
      }
      for (let i = 0; i < SIZES.warmUpRuns; i++) {
        recallMs(i % queries.length);
        ftsMs(i % queries.length);
      }
      const recallRuns: number[] = [];
      const ftsRuns: number[] = [];
      for (let i = 0; i < SIZES.runs; i++) {
        const q = i % queries.length;
        // Which side goes first alternates: the second call of a pair finds the pages warmer.
        if (i % 2 === 0) {
          recallRuns.push(recallMs(q));
          ftsRuns.push(ftsMs(q));
        } else {
          ftsRuns.push(ftsMs(q));
          recallRuns.push(recallMs(q));
        }
      }
      // How many facts each query matches: what bm25 scores and sorts before the limit applies.
      const matching = db.prepare('SELECT count(*) FROM knowledge_fts WHERE knowledge_fts MATCH ?').pluck();
      const matched = sorted(matches.map((m) => (m === null ? 0 : (matching.get(m) as number))));
      const recall = percentiles(recallRuns);
      const fts = percentiles(ftsRuns);
      return {
        recallP50Ms: round(recall.p50, 3),
        /** Goal < 2 ms. */
        recallP99Ms: round(recall.p99, 3),
        ftsOnlyP50Ms: round(fts.p50, 3),
        ftsOnlyP99Ms: round(fts.p99, 3),
        recallP99VsFtsOnlyP99Ratio: round(recall.p99 / fts.p99, 2),
        recallFacts: facts,
        recallQueries: queries.length,
        recallQueriesWithNoMatch: empty,
        recallMeanFactsReturned: round(found / queries.length, 2),
        recallMatchingFactsP50: percentileOfSorted(matched, 50),
        recallMatchingFactsP99: percentileOfSorted(matched, 99),
        recallRuns: SIZES.runs,
      };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
