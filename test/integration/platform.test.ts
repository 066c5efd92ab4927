import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ensureHome, ipcEndpoint, pinRelayHome, relayPaths, resolveHome } from '../../src/platform/paths.js';
import { EXIT, RelayError, toRelayError } from '../../src/platform/errors.js';
import { liveDaemonPid, processStartTicks, writePidFile } from '../../src/platform/pidFile.js';
import { acquireInstanceLock, isInstanceLockHeld } from '../../src/platform/instanceLock.js';
import { ManualClock } from '../../src/platform/clock.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const root = makeTempDir('u');
after(() => removeTempDir(root));

test('RELAY_HOME moves every path; the default is ~/.relay', () => {
  assert.equal(resolveHome({ RELAY_HOME: '/x/y' }), '/x/y');
  assert.match(resolveHome({}), /\/\.relay$/);
  const p = relayPaths('/x/y');
  assert.equal(p.db, '/x/y/relay.db');
  assert.equal(p.busSocket, '/x/y/run/bus.sock');
});

test('home and its dirs are created 0700, and a loose mode is tightened', () => {
  const paths = relayPaths(join(root, 'home1'));
  assert.deepEqual(ensureHome(paths), [], 'creating is not "making private"');
  for (const d of [paths.home, paths.run, paths.logs, paths.snapshots, paths.spool]) {
    assert.equal(statSync(d).mode & 0o777, 0o700);
  }
  chmodSync(paths.run, 0o755);
  // Reported, so daemon start can say what it changed instead of chmodding silently.
  assert.deepEqual(ensureHome(paths), [{ path: paths.run, mode: '0755' }]);
  assert.equal(statSync(paths.run).mode & 0o777, 0o700);
  assert.deepEqual(ensureHome(paths), []);
});

test('a relative RELAY_HOME is pinned to an absolute path once, against the cwd; others are left alone', () => {
  const env: NodeJS.ProcessEnv = { RELAY_HOME: 'rh' };
  pinRelayHome(env, '/work/dir');
  assert.equal(env.RELAY_HOME, '/work/dir/rh');
  pinRelayHome(env, '/elsewhere');
  assert.equal(env.RELAY_HOME, '/work/dir/rh', 'pinned once: a later cwd does not move it');
  const dotted: NodeJS.ProcessEnv = { RELAY_HOME: '../x/./rh' };
  pinRelayHome(dotted, '/work/dir');
  assert.equal(dotted.RELAY_HOME, '/work/x/rh');
  const unset: NodeJS.ProcessEnv = {};
  pinRelayHome(unset, '/work/dir');
  assert.equal('RELAY_HOME' in unset, false);
  const empty: NodeJS.ProcessEnv = { RELAY_HOME: '' };
  pinRelayHome(empty, '/work/dir');
  assert.equal(empty.RELAY_HOME, '', 'empty still means the default');
  // The daemon's `--home` too: no path Relay hands on is relative.
  assert.equal(relayPaths('rh').db, join(process.cwd(), 'rh', 'relay.db'));
});

test('a socket path over the kernel limit is refused with a hint to shorten RELAY_HOME', () => {
  const long = join(root, 'x'.repeat(120));
  assert.throws(() => ipcEndpoint(join(long, 'bus.sock')), (e: unknown) => {
    assert.ok(e instanceof RelayError);
    assert.equal(e.code, 'E_SOCKET_PATH_TOO_LONG');
    assert.match(e.hint ?? '', /RELAY_HOME/);
    return true;
  });
});

test('system errors are classified at the edge with stable codes and exit codes', () => {
  const full = toRelayError(Object.assign(new Error('write failed'), { code: 'ENOSPC' }));
  assert.equal(full.code, 'E_DISK_FULL');
  assert.equal(full.exitCode, EXIT.store);
  assert.equal(toRelayError(new Error('weird')).exitCode, EXIT.failure);
  assert.deepEqual(new RelayError('E_USAGE', 'bad', { hint: 'fix' }).toRecord(), {
    error: { code: 'E_USAGE', message: 'bad', hint: 'fix' },
  });
});

test('a pid file naming a dead or reused pid is stale', async () => {
  const file = join(root, 'daemon.pid');
  const me = processStartTicks(process.pid)!;
  writePidFile(file, { pid: process.pid, procStart: me, startedAt: 0, version: 't' });
  assert.equal(liveDaemonPid(file), process.pid);
  writePidFile(file, { pid: process.pid, procStart: me + 1, startedAt: 0, version: 't' });
  assert.equal(liveDaemonPid(file), null, 'same pid, other start time: reused');
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  writePidFile(file, { pid, procStart: 1, startedAt: 0, version: 't' });
  assert.equal(liveDaemonPid(file), null);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('the instance lock admits one holder and is free again once released', () => {
  mkdirSync(join(root, 'run'), { recursive: true });
  const file = join(root, 'run', 'daemon.lock');
  const first = acquireInstanceLock(file);
  assert.ok(first);
  assert.equal(acquireInstanceLock(file), null, 'a second holder is refused');
  assert.equal(isInstanceLockHeld(file), true);
  first.release();
  assert.equal(isInstanceLockHeld(file), false);
  const again = acquireInstanceLock(file);
  assert.ok(again);
  again.release();
});

test('the manual clock fires timers in due order as it advances', () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b'), 20);
  clock.setTimeout(() => fired.push('a'), 10);
  const c = clock.setTimeout(() => fired.push('c'), 15);
  clock.clearTimeout(c);
  clock.advance(15);
  assert.deepEqual(fired, ['a']);
  clock.advance(5);
  assert.deepEqual(fired, ['a', 'b']);
  assert.equal(clock.now(), 20);
});
