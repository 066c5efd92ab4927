/**
 * The workspace's sent lines kept across runs, as a shell keeps its history: one JSON string per
 * line in $RELAY_HOME/workspace-history.jsonl (0600), secrets redacted as in logs and snapshots.
 * Reading keeps the newest HISTORY_LIMIT; a file grown past twice that is rewritten to them.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../../platform/atomicWrite.js';
import { FILE_MODE } from '../../platform/paths.js';
import { redactText } from '../../platform/redact.js';
import { HISTORY_LIMIT } from './inputLine.js';

/** The newest sent lines, oldest first; none when the file is missing or unreadable. */
export function readHistory(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    try {
      const line: unknown = JSON.parse(raw);
      if (typeof line === 'string') lines.push(line);
    } catch {
      // A torn last line (a crash mid-append) is skipped, not fatal.
    }
  }
  const kept = lines.slice(-HISTORY_LIMIT);
  if (lines.length > 2 * HISTORY_LIMIT) {
    try {
      writeFileAtomicSync(file, kept.map((l) => `${JSON.stringify(l)}\n`).join(''));
    } catch {
      // Rewritten next time.
    }
  }
  return kept;
}

/** Add one sent line. Throws what the file system said (the caller says it once, and goes on). */
export function appendHistory(file: string, line: string): void {
  appendFileSync(file, `${JSON.stringify(redactText(line))}\n`, { mode: FILE_MODE });
}
