import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hookTable } from '../../src/adapters/registry.js';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { collect } from '../helpers/tempHome.js';
import { inTempHome } from '../helpers/relayWorld.js';

const TRACER = join(PACKAGE_ROOT, 'test', 'fixtures', 'trace-imports.mjs');
/** What the hook fast path must not load (ARCHITECTURE.md). */
const HEAVY = /\/node_modules\/(commander|zeromq|better-sqlite3|xstate|zod)\//;

for (const flag of ['--help', '-h']) {
  test(`relay hook ${flag} explains itself: what it is for and every argument of the hook table, exit 0, without loading commander`, async () => {
    await inTempHome(async (h) => {
      const trace = join(h.root, 'imports.txt');
      const child = spawn(process.execPath, ['--import', TRACER, CLI_ENTRY, 'hook', flag], {
        env: { ...h.env, TRACE_IMPORTS_FILE: trace },
        // Not a terminal, as when an agent CLI runs it: the help is asked for, so it is given.
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      child.stdin.end();
      const r = await collect(child, 10_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.match(r.stdout, /^usage: relay hook </);
      assert.match(r.stdout, /agent CLI's hooks/);
      for (const e of hookTable()) assert.match(r.stdout, new RegExp(`^  ${e.arg} +${e.kind}'s hooks`, 'm'), `argument ${e.arg} is listed`);
      const loaded = readFileSync(trace, 'utf8').split('\n').filter((u) => HEAVY.test(u));
      assert.deepEqual(loaded, [], 'nothing heavy loaded');
      assert.ok(readFileSync(trace, 'utf8').includes('hookMain.js'), 'the tracer saw the hook path');
    });
  });
}
