/**
 * Idle connections to run/hook.sock: the daemon used to hold every one forever (3,000 idle
 * connections held 3,036 fds). It now closes a quiet one after a few seconds and holds at most
 * a fixed number, making room for a real hook by closing the oldest quiet one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { readPidFile } from '../../src/platform/pidFile.js';
import { collect } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import { inTempHome, ofType, tailEvents, WAIT_MS } from '../helpers/relayWorld.js';

/** More than the daemon's cap (256). */
const IDLE_CONNECTIONS = 320;

const fdCount = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test('idle connections to hook.sock are closed and their fds released, and a real hook gets through while at the cap', async () => {
  await inTempHome(async (h) => {
    assert.equal((await h.relay(['daemon', 'start'])).code, 0);
    const pid = readPidFile(h.paths.pidFile)!.pid;
    const baseline = fdCount(pid);

    const sockets: Socket[] = [];
    let closedByDaemon = 0;
    try {
      await Promise.all(
        Array.from({ length: IDLE_CONNECTIONS }, () => new Promise<void>((resolve) => {
          const s = createConnection(h.paths.hookSocket);
          sockets.push(s);
          s.on('error', () => undefined);
          s.once('close', () => closedByDaemon++);
          s.once('connect', () => resolve());
          s.once('close', () => resolve());
        })),
      );
      // The daemon has accepted what it will hold: at most its cap, not one fd per connection.
      await waitFor(() => closedByDaemon >= IDLE_CONNECTIONS - 256, 'the connections over the cap to be closed', WAIT_MS);
      assert.ok(fdCount(pid) <= baseline + 256 + 4, `daemon fds ${fdCount(pid)} (baseline ${baseline})`);

      // At the cap, a real hook still gets through (sent, not spooled).
      const payload = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json'), 'utf8');
      const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude'], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
      child.stdin.end(payload);
      const r = await collect(child, 10_000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(existsSync(h.paths.spoolFile), false, 'delivered on the socket, not spooled');
      assert.equal(ofType(await tailEvents(h), 'hook.received').length, 1);

      // Quiet for the idle timeout: every one is closed by the daemon, and its fds are back.
      await waitFor(() => closedByDaemon === IDLE_CONNECTIONS, 'the idle connections to be closed', WAIT_MS);
      await waitFor(() => fdCount(pid) <= baseline + 2, 'the daemon fds to be released', WAIT_MS);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
