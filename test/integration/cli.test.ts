import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { makeTempHome } from '../helpers/tempHome.js';

const h = makeTempHome();
after(() => h.cleanup());
const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

test('relay --version prints the package version and touches nothing', async () => {
  const r = await h.relay(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${version}\n`);
  assert.equal(existsSync(h.home), false, 'RELAY_HOME is not created by --version');
});

test('relay --help lists every command', async () => {
  const r = await h.relay(['--help']);
  assert.equal(r.code, 0);
  for (const cmd of ['daemon', 'doctor']) assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\b`, 'm'));
  const d = await h.relay(['daemon', '--help']);
  for (const sub of ['start', 'stop', 'restart', 'status', 'tail']) assert.match(d.stdout, new RegExp(`^\\s+${sub}\\b`, 'm'));
});

test('usage errors are one line with exit code 2', async () => {
  const unknown = await h.relay(['daemon', 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^relay: unknown command 'frobnicate'/);
  // A lone word is a task for a model, unless it is a command's typo: never sent, never a daemon.
  const typo = await h.relay(['porviders']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /^relay: unknown command porviders — did you mean providers\?/);
  assert.equal(existsSync(h.paths.pidFile), false, 'a typo starts no daemon');
  const badSeq = await h.relay(['daemon', 'tail', '--since', 'abc']);
  assert.equal(badSeq.code, 2);
  assert.match(badSeq.stderr, /--since takes a sequence number/);
  assert.doesNotMatch(badSeq.stderr, /\n\s+at /);
});

test('an unusable RELAY_HOME is one clear line, and RELAY_DEBUG=1 adds the stack', async () => {
  const long = join(h.root, 'x'.repeat(110));
  const r = await h.relay(['daemon', 'start'], { env: { RELAY_HOME: long } });
  assert.equal(r.code, 7);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /socket path is \d+ bytes.*set RELAY_HOME to a shorter path/);
  const debug = await h.relay(['daemon', 'start'], { env: { RELAY_HOME: long, RELAY_DEBUG: '1' } });
  assert.match(debug.stderr, /\n\s+at /, 'stack trace only with RELAY_DEBUG=1');
});

test('regression: daemon status with a RELAY_HOME too long for a unix socket says so and how to fix it (it suggested daemon start)', async () => {
  const long = join(h.root, 'y'.repeat(110));
  const r = await h.relay(['daemon', 'status'], { env: { RELAY_HOME: long } });
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^relay: socket path is \d+ bytes, over the 107-byte limit: .* — set RELAY_HOME to a shorter path/);
  assert.doesNotMatch(r.stderr, /daemon start/);
  assert.equal(existsSync(long), false, 'status creates nothing');
});
