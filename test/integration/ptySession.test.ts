import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PtyProcess } from '../../src/actors/agent/ptyProcess.js';
import { PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

const dir = makeTempDir('pty');
const sessions: PtyProcess[] = [];
after(async () => {
  for (const s of sessions) {
    await s.stop(500);
    s.dispose();
  }
  removeTempDir(dir);
});

const probe = join(PACKAGE_ROOT, 'test', 'fixtures', 'pty-probe.mjs');

function open(args: string[], cols = 80, rows = 24): { s: PtyProcess; text: () => string } {
  let out = '';
  const s = new PtyProcess({
    command: process.execPath,
    args: [probe, ...args],
    cwd: dir,
    env: { ...process.env, TERM: 'xterm-256color' },
    cols,
    rows,
    logFile: join(dir, `agent-${sessions.length}.log`),
    onOutput: (data) => (out += data.toString('utf8')),
    onFlush: () => undefined,
  });
  sessions.push(s);
  return { s, text: () => out };
}

test('a program that queries the terminal gets answers from the screen model while nobody is attached', async () => {
  const { s, text } = open(['query']);
  const exit = await s.exited;
  assert.equal(exit.code, 0, text());
  assert.match(text(), /replies .*\\u001b\[\d+;\d+R/);
});

test('while a real terminal is attached the screen model stays silent (no double replies)', async () => {
  const { s, text } = open(['query']);
  s.setAttached(1);
  await waitFor(() => text().includes('asking'), 'the query');
  // Only the attached terminal would answer; here it answers by hand, once.
  s.write('\x1b[5;7R\x1b[?1;2c');
  await s.exited;
  assert.match(text(), /replies "\\u001b\[5;7R\\u001b\[\?1;2c"/);
});

test('window size changes reach the program, and the screen shows what it drew', async () => {
  const { s, text } = open(['size'], 100, 30);
  await waitFor(() => text().includes('size 100x30'), 'the first size');
  s.resize(120, 40);
  await waitFor(() => text().includes('size 120x40'), 'the new size');
  await new Promise<void>((r) => s.screen.write('', r));
  assert.ok(s.screen.visibleLines().some((l) => l === 'size 120x40'));
  await s.stop(500);
});

test('exit code and log: the log holds the output, private to the user', async () => {
  const { s } = open(['exit', '7']);
  const exit = await s.exited;
  assert.deepEqual(exit, { code: 7, signal: null });
  await waitFor(() => existsSync(join(dir, `agent-${sessions.length - 1}.log`)), 'the log');
  assert.equal(statSync(join(dir, `agent-${sessions.length - 1}.log`)).mode & 0o077, 0);
});
