/**
 * The newest handoff snapshot, read straight from relay.db (read-only, so it works whether or
 * not the daemon runs) and the Markdown file beside it.
 */
import { existsSync } from 'node:fs';
import { readSnapshotMarkdown } from '../snapshots/snapshotFile.js';
import type { RelayPaths } from '../platform/paths.js';
import { openDatabase } from '../store/database.js';
import { schemaVersion } from '../store/migrations.js';
import type { SnapshotInfo } from '../protocol/relayProtocol.js';
import { SnapshotsRepo } from '../store/snapshotsRepo.js';

/** The schema version that added the snapshots table. */
const SNAPSHOTS_SCHEMA = 3;
/**
 * Snapshots are written well under this (the writer caps task and turns); a file edited by hand
 * could be anything, and all of it would land in the agent's context.
 */
const MAX_SNAPSHOT_CHARS = 64_000;

export interface LatestSnapshot {
  snapshot: SnapshotInfo;
  markdown: string;
  /** True when the Markdown was cut at {@link MAX_SNAPSHOT_CHARS}. */
  truncated: boolean;
}

/**
 * The newest snapshot (of `relaySession` when given) with its Markdown, or null when there is
 * none: no database yet, one from before snapshots existed, or simply no handoff so far.
 * Throws E_STORE when the row exists but its file cannot be read.
 */
export function readLatestSnapshot(paths: RelayPaths, relaySession?: string): LatestSnapshot | null {
  if (!existsSync(paths.db)) return null;
  const db = openDatabase(paths.db, { readonly: true });
  let snapshot: SnapshotInfo | undefined;
  try {
    if (schemaVersion(db) < SNAPSHOTS_SCHEMA) return null;
    snapshot = new SnapshotsRepo(db).list({ ...(relaySession ? { relaySession } : {}), limit: 1 })[0];
  } finally {
    db.close();
  }
  if (!snapshot) return null;
  const markdown = readSnapshotMarkdown(snapshot);
  const truncated = markdown.length > MAX_SNAPSHOT_CHARS;
  return { snapshot, markdown: truncated ? markdown.slice(0, MAX_SNAPSHOT_CHARS) : markdown, truncated };
}
