/** `--dry-run` output: each planned change as a unified diff (`/dev/null` for a created or deleted file). */
import { createTwoFilesPatch } from 'diff';
import { isEffective, type FileChange } from './fileChange.js';

function unifiedDiff(change: FileChange): string {
  const before = change.before?.toString('utf8') ?? '';
  const after = change.after?.toString('utf8') ?? '';
  const from = change.before === null ? '/dev/null' : change.path;
  const to = change.after === null ? '/dev/null' : change.path;
  // The library's Index:/separator lines say nothing the ---/+++ lines do not.
  return createTwoFilesPatch(from, to, before, after, undefined, undefined, { context: 3 }).replace(/^Index: .*\n=+\n/, '');
}

/** Every change that writes something, as one text. */
export function unifiedDiffs(changes: readonly FileChange[]): string {
  return changes.filter(isEffective).map(unifiedDiff).join('');
}
