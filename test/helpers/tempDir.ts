/** A private temp dir per test, removed after it — and checked gone, so a leak fails the test. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh dir named `relay-<prefix>-…`; `before` runs first at cleanup (close what is open in it). */
export function tempDir(t: TestContext, prefix: string, before?: () => void): string {
  const dir = mkdtempSync(join(tmpdir(), `relay-${prefix}-`));
  t.after(() => {
    before?.();
    rmSync(dir, { recursive: true, force: true });
    assert.equal(existsSync(dir), false, `temp dir ${dir} left behind`);
  });
  return dir;
}
