/**
 * `relay doctor`: files Relay refused to use. `relay hook` and the daemon never follow a
 * symlink, wait on a FIFO or write into a directory where a file of theirs should be; they move
 * it aside as `<name>.<ms>.<pid>.refused` (hooks/regularFile.ts) and carry on. Such a file
 * means something else wrote there: worth a look, then deleting.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RelayPaths } from '../platform/paths.js';
import type { CheckOutcome, DoctorCheck } from './doctorCheck.js';

function refusedIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.refused'))
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function checkRefused(paths: RelayPaths): CheckOutcome {
  const found = [paths.spool, paths.logs, paths.run].flatMap(refusedIn);
  if (found.length === 0) return { status: 'ok', detail: 'no symlink, FIFO or directory was found where Relay keeps its files' };
  const shown = found.slice(0, 3).join(', ');
  return {
    status: 'warn',
    detail: `${found.length} wrong file${found.length === 1 ? '' : 's'} (a symlink, FIFO or directory) moved aside: ${shown}${found.length > 3 ? ', …' : ''}`,
    fix: `see what made ${found.length === 1 ? 'it' : 'them'}, then delete: rm -r ${found.map((f) => JSON.stringify(f)).slice(0, 3).join(' ')}${found.length > 3 ? ' …' : ''}`,
  };
}

export const refusedFilesCheck: DoctorCheck = { id: 'refused-files', title: 'files moved aside', run: checkRefused };
