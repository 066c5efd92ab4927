import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { handoffCheck } from '../../src/client/doctorHandoffCheck.js';
import { refusedFilesCheck } from '../../src/client/doctorRefusedFiles.js';
import { relayPaths } from '../../src/platform/paths.js';
import { tempDir } from '../helpers/tempDir.js';

function install(bin: string, name: string, mode = 0o755): void {
  writeFileSync(join(bin, name), '#!/bin/sh\n');
  chmodSync(join(bin, name), mode);
}

test("doctor checks the handoff order against this shell's PATH, the one relay wrap carries to the daemon", async (t) => {
  const root = tempDir(t, 'doc-handoff');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  const paths = relayPaths(join(root, 'rh'));
  mkdirSync(paths.home, { mode: 0o700 });
  writeFileSync(paths.config, 'handoff:\n  order: [claude, codex, gemini]\n', { mode: 0o600 });
  install(bin, 'claude');
  install(bin, 'gemini', 0o644);
  const r = await handoffCheck({ PATH: bin }).run(paths);
  assert.equal(r.status, 'warn');
  assert.match(r.detail, /codex: not on PATH; gemini: .*\/gemini is not executable/);
  assert.match(r.fix ?? '', /install codex, gemini/);

  install(bin, 'codex');
  chmodSync(join(bin, 'gemini'), 0o755);
  const fine = await handoffCheck({ PATH: bin }).run(paths);
  assert.equal(fine.status, 'ok', fine.detail);
  assert.match(fine.detail, /^claude → codex → gemini can take over/);
});

test('doctor warns when only one agent CLI is installed and no order is set: nobody can take over', async (t) => {
  const root = tempDir(t, 'doc-handoff1');
  const bin = join(root, 'bin');
  mkdirSync(bin);
  install(bin, 'claude');
  const paths = relayPaths(join(root, 'rh'));
  const r = await handoffCheck({ PATH: bin }).run(paths);
  assert.equal(r.status, 'warn');
  assert.match(r.detail, /only claude/);
});

test('doctor names the wrong files relay hook or the daemon moved aside (a symlink where the spool was), with the fix', async (t) => {
  const root = tempDir(t, 'doc-refused');
  const paths = relayPaths(join(root, 'rh'));
  mkdirSync(paths.spool, { recursive: true, mode: 0o700 });
  const clean = refusedFilesCheck.run(paths) as Awaited<ReturnType<typeof refusedFilesCheck.run>>;
  assert.equal(clean.status, 'ok');
  writeFileSync(join(paths.spool, 'hooks.jsonl.1764690000000.4242.refused'), '');
  const r = refusedFilesCheck.run(paths) as Awaited<ReturnType<typeof refusedFilesCheck.run>>;
  assert.equal(r.status, 'warn');
  assert.match(r.detail, /1 wrong file .*hooks\.jsonl\.1764690000000\.4242\.refused/);
  assert.match(r.fix ?? '', /^see what made it, then delete: rm -r /);
});
