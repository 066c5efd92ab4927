/** Reading back the Markdown of a recorded snapshot (CLI and MCP show the same errors). */
import { readFileSync } from 'node:fs';
import { RelayError } from '../platform/errors.js';

export function readSnapshotMarkdown(snapshot: { id: string; path: string }): string {
  try {
    return readFileSync(snapshot.path, 'utf8');
  } catch (e) {
    throw new RelayError('E_STORE', `snapshot ${snapshot.id} is recorded but its file cannot be read: ${snapshot.path}`, {
      hint: 'it was moved or deleted; relay snapshots lists the others',
      cause: e,
    });
  }
}
