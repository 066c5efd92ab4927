/**
 * Issue 10's fork figure: the time to fork a 100k-message session as a ratio to forking a
 * 10-message one, on a real relay.db in a temp dir. A fork is one sessions row and one edge
 * whatever the history's length, so the goal is a ratio ≤ 1.2. Forks of the two sessions
 * alternate, so a burst of load on the shared machine hits both sides alike; the figures are
 * medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConversationRepo } from '../src/store/conversationRepo.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { median, round } from './stats.js';

const SIZES = {
  bigMessages: 100_000,
  smallMessages: 10,
  warmUpForks: 200,
  /** Per side. */
  forks: 2_000,
} as const;

/**
 * A session with `count` messages in one chain. Written with one INSERT per message in a single
 * transaction: building the fixture is not what is measured.
 */
function sessionOf(db: Database, repo: ConversationRepo, count: number): string {
  const session = repo.create('ask', 1);
  const insert = db.prepare(
    `INSERT INTO messages (id, parent_id, session_id, role, content, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    let parent: string | null = null;
    for (let i = 0; i < count; i++) {
      const id = `${session.id}-${i}`;
      insert.run(id, parent, session.id, i % 2 ? 'assistant' : 'user', `turn ${i}`, 2 + i);
      parent = id;
    }
    db.prepare('UPDATE sessions SET head_id = ? WHERE id = ?').run(parent, session.id);
  })();
  return session.id;
}

export function measureFork(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'rb-graph-'));
  try {
    const db = openDatabase(join(dir, 'relay.db'));
    try {
      const repo = new ConversationRepo(db);
      const big = sessionOf(db, repo, SIZES.bigMessages);
      const small = sessionOf(db, repo, SIZES.smallMessages);
      const forkMs = (ref: string, at: number): number => {
        const t0 = performance.now();
        repo.fork(ref, at);
        return performance.now() - t0;
      };
      for (let i = 0; i < SIZES.warmUpForks; i++) {
        forkMs(big, i);
        forkMs(small, i);
      }
      const bigRuns: number[] = [];
      const smallRuns: number[] = [];
      for (let i = 0; i < SIZES.forks; i++) {
        // Which side goes first alternates too: the second write of a pair may find a warmer cache.
        if (i % 2 === 0) {
          bigRuns.push(forkMs(big, i));
          smallRuns.push(forkMs(small, i));
        } else {
          smallRuns.push(forkMs(small, i));
          bigRuns.push(forkMs(big, i));
        }
      }
      const bigMs = median(bigRuns);
      const smallMs = median(smallRuns);
      return {
        fork100kMessagesMs: round(bigMs, 4),
        fork10MessagesMs: round(smallMs, 4),
        /** Goal ≤ 1.2: a fork copies nothing, so the history's length does not show. */
        fork100kVs10Ratio: round(bigMs / smallMs),
        forksPerSide: SIZES.forks,
      };
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
