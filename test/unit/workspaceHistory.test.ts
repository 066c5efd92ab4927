/**
 * The workspace's sent lines across runs: what Up brings back after a restart, with secrets
 * redacted, a torn line skipped, and the file kept to its limit.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { appendHistory, readHistory } from '../../src/ui/workspace/inputHistory.js';
import { HISTORY_LIMIT } from '../../src/ui/workspace/inputLine.js';

function inTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'relay-history-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('sent lines come back in order in the next run, the file private to the user', () => {
  inTempDir((dir) => {
    const file = join(dir, 'workspace-history.jsonl');
    assert.deepEqual(readHistory(file), [], 'no file yet: no history');
    appendHistory(file, 'explain forks');
    appendHistory(file, 'a line\nwith a newline and "quotes"');
    assert.deepEqual(readHistory(file), ['explain forks', 'a line\nwith a newline and "quotes"']);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });
});

test('a key pasted into a line never reaches the history file', () => {
  inTempDir((dir) => {
    const file = join(dir, 'h.jsonl');
    appendHistory(file, 'use sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 for this');
    assert.doesNotMatch(readFileSync(file, 'utf8'), /abcdefghijklmnopqrstuvwxyz0123456789/);
    assert.match(readHistory(file)[0]!, /^use .+ for this$/);
  });
});

test('a torn last line (a crash mid-write) is skipped; the rest is kept', () => {
  inTempDir((dir) => {
    const file = join(dir, 'h.jsonl');
    appendHistory(file, 'kept');
    appendFileSync(file, '"torn');
    assert.deepEqual(readHistory(file), ['kept']);
  });
});

test('the newest lines are kept, and a file grown past twice the limit is cut back', () => {
  inTempDir((dir) => {
    const file = join(dir, 'h.jsonl');
    for (let i = 0; i < 2 * HISTORY_LIMIT + 10; i++) appendHistory(file, `line ${i}`);
    const lines = readHistory(file);
    assert.equal(lines.length, HISTORY_LIMIT);
    assert.equal(lines.at(-1), `line ${2 * HISTORY_LIMIT + 9}`);
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, HISTORY_LIMIT, 'rewritten to the limit');
  });
});
