/**
 * `relay snapshots [--json]` and `relay snapshots show <id> [--json]`: the handoff snapshots,
 * read straight from relay.db (read-only, so it works with or without the daemon) and the
 * Markdown files beside it.
 */
import { existsSync } from 'node:fs';
import { formatDuration } from '../../platform/duration.js';
import { readSnapshotMarkdown } from '../../snapshots/snapshotFile.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths, type RelayPaths } from '../../platform/paths.js';
import { openDatabase } from '../../store/database.js';
import { schemaVersion } from '../../store/migrations.js';
import type { SnapshotInfo } from '../../protocol/relayProtocol.js';
import { SnapshotsRepo } from '../../store/snapshotsRepo.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/** The schema version that added the snapshots table. */
const SNAPSHOTS_SCHEMA = 3;

/**
 * Run `body` over the snapshots table; null when there is none yet (no database, or one from
 * before snapshots existed).
 */
function withSnapshots<T>(paths: RelayPaths, body: (repo: SnapshotsRepo) => T): T | null {
  if (!existsSync(paths.db)) return null;
  const db = openDatabase(paths.db, { readonly: true });
  try {
    if (schemaVersion(db) < SNAPSHOTS_SCHEMA) return null;
    return body(new SnapshotsRepo(db));
  } finally {
    db.close();
  }
}

function snapshotLine(s: SnapshotInfo, now: number): string {
  const to = s.toAgent ?? '(waiting)';
  const until = s.limitedUntil === null ? '' : `  limited until ${new Date(s.limitedUntil).toISOString()}`;
  return `${s.id}  ${s.fromAgent} → ${to}  ${s.reason}${until}  ${formatDuration(Math.max(0, now - s.createdAt))} ago`;
}

/** List every snapshot, the newest first. */
export function snapshotsList(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const snapshots = withSnapshots(relayPaths(), (repo) => repo.list()) ?? [];
    if (opts.json) {
      printJson({ snapshots });
      return;
    }
    if (snapshots.length === 0) {
      printLine('no snapshots yet (one is written each time a relay session hands off)');
      return;
    }
    const now = Date.now();
    for (const s of snapshots) printLine(snapshotLine(s, now));
  });
}

/** Print one snapshot's Markdown (`id` may be a unique prefix). */
export function snapshotsShow(id: string, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const found = withSnapshots(relayPaths(), (repo) => repo.find(id));
    if (found === null) {
      throw new RelayError('E_USAGE', `no snapshot ${id}: there are no snapshots yet`, {
        hint: 'one is written each time a relay session hands off',
      });
    }
    if (!found) {
      throw new RelayError('E_USAGE', `no snapshot matches "${id}" (or more than one does)`, {
        hint: 'list them with relay snapshots',
      });
    }
    const markdown = readSnapshotMarkdown(found);
    if (opts.json) printJson({ snapshot: found, markdown });
    else process.stdout.write(markdown.endsWith('\n') ? markdown : `${markdown}\n`);
  });
}
