/** Temp dirs in tests: `relay-<prefix>-…`, removed afterwards — and checked gone, so a leak fails the test. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * A fresh dir named `relay-<prefix>-…` for a suite or a world that removes it itself (with
 * {@link removeTempDir}). Keep the prefix short where a socket goes under the dir: a unix
 * socket path has at most 107 bytes.
 */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `relay-${prefix}-`));
}

/** Remove `dir` with everything in it; fail if it is still there. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  assert.equal(existsSync(dir), false, `temp dir ${dir} left behind`);
}

/** A fresh dir for the test `t`, removed when it ends; `before` runs first (close what is open in it). */
export function tempDir(t: TestContext, prefix: string, before?: () => void): string {
  const dir = makeTempDir(prefix);
  t.after(() => {
    before?.();
    removeTempDir(dir);
  });
  return dir;
}
