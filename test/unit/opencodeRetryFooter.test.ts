/**
 * Issue 8, item 7: OpenCode 1.18.33 draws its retry footer as `[retrying attempt #N]` (no delay),
 * wrapped after `[retrying` at 160 columns, and rule `opencode.retrying` never fired. The
 * recorded screen is in the positive corpus (opencode/1.18.33/opencode-screen-retrying-wrapped).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LimitDetector, type LimitMatch } from '../../src/limits/limitDetector.js';
import { limitRulesFor } from '../../src/adapters/registry.js';

const NOW = Date.parse('2026-11-21T10:00:00Z');
const RECORDED = readFileSync(
  join(import.meta.dirname, '..', 'fixtures', 'limit-corpus', 'positive', 'opencode', '1.18.33', 'opencode-screen-retrying-wrapped.txt'),
  'utf8',
);
const detector = (): LimitDetector => new LimitDetector({ rules: limitRulesFor('opencode'), now: () => NOW, tz: 'UTC' });
const rules = (ms: readonly LimitMatch[]): string[] => ms.map((m) => `${m.rule}/${m.severity}`);

describe("OpenCode's retry footer", () => {
  it('the 1.18.33 footer wrapped over two rows ("[retrying" / "attempt #3]") is a warning on the screen', () => {
    const found = detector().checkScreen(RECORDED.split('\n'));
    assert.deepEqual(rules(found), ['opencode.retrying/warning']);
    assert.match(found[0]!.matched, /\(click to expand\) \[retrying attempt #3\]$/);
  });

  it('the same footer drawn row by row with cursor moves is a warning in the raw stream', () => {
    const rows = RECORDED.split('\n');
    const drawn = rows.map((r, i) => `\x1b[${i + 1};1H\x1b[38;2;200;200;200m${r}\x1b[0m`).join('');
    const d = detector();
    assert.deepEqual(rules([...d.feed(drawn), ...d.flush()]), ['opencode.retrying/warning']);
  });

  it('the footer on one row, with or without a delay, is a warning', () => {
    for (const line of ['Build · gpt [retrying attempt #2]', 'Build · gpt [retrying in 1s attempt #2]']) {
      const d = detector();
      assert.deepEqual(rules([...d.feed(`${line}\r\n`), ...d.flush()]), ['opencode.retrying/warning'], line);
    }
  });

  it('a row ending in "[retrying" followed by anything but the attempt count is not a warning', () => {
    const rows = ['  docs: the status bar shows [retrying', '  while the request is re-sent'];
    assert.deepEqual(detector().checkScreen(rows), []);
    const d = detector();
    assert.deepEqual([...d.feed(rows.join('\r\n') + '\r\n'), ...d.flush()], []);
  });
});
