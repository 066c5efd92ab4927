import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/waitFor.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/platform/clock.js';
import { isAlive, listDescendants } from '../../src/platform/processTree.js';
import type { ChildSpec } from '../../src/platform/childSpec.js';
import { processChild } from '../helpers/processChild.js';
import { Supervisor, type SupervisorEvent } from '../../src/supervisor/supervisor.js';

const fixture = fileURLToPath(new URL('../fixtures/trap-term.mjs', import.meta.url));
const dir = makeTempDir('processchild');
/** Every pid a test saw, so `after` can prove (and, on failure, ensure) none is left. */
const seen = new Set<number>();
/** Descendants from before the tests (tsx's esbuild service): not ours to judge or kill. */
let baseline = new Set<number>();

before(() => {
  baseline = new Set(listDescendants(process.pid));
});

after(() => {
  const started = listDescendants(process.pid).filter((pid) => !baseline.has(pid));
  const left = [...new Set([...seen, ...started])].filter(isAlive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  removeTempDir(dir);
  assert.deepEqual(left, [], 'no process outlives the tests');
});

/** Poll a condition until it holds; fail after `timeoutMs`. */
function supervisor(children: ChildSpec[], events: SupervisorEvent[]): Supervisor {
  return new Supervisor({
    id: 'root',
    strategy: 'one_for_one',
    intensity: 5,
    periodMs: 10_000,
    backoff: { initialMs: 20, maxMs: 200, resetAfterMs: 10_000 },
    clock: systemClock,
    children,
    onEvent: (e) => events.push(e),
  });
}

function pgrpOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

test('stop kills a SIGTERM-ignoring child and its setsid grandchild, and is not reported as a crash', async () => {
  const pidFile = join(dir, 'pids');
  const events: SupervisorEvent[] = [];
  const sup = supervisor(
    [processChild({ id: 'stubborn', restart: 'permanent', shutdownMs: 300, command: process.execPath, args: [fixture, pidFile] })],
    events,
  );
  await sup.start();
  await waitFor(() => existsSync(pidFile), 'the fixture to write its pid file');
  const [child, grandchild] = readFileSync(pidFile, 'utf8').split(' ').map(Number) as [number, number];
  seen.add(child).add(grandchild);
  assert.equal(sup.children()[0]?.pid, child);
  assert.ok(isAlive(child) && isAlive(grandchild));
  assert.equal(pgrpOf(child), child, 'the child leads its own process group');
  assert.notEqual(pgrpOf(grandchild), child, 'the grandchild has left that group');

  await sup.stop();
  await waitFor(() => !isAlive(child) && !isAlive(grandchild), 'both processes to be gone');

  const exits = events.filter((e) => e.type === 'supervisor.child_exited');
  assert.deepEqual(exits.map((e) => [e.reason, e.signal]), [['shutdown', 'SIGKILL']]);
  assert.ok(!events.some((e) => e.type === 'supervisor.child_restarting'), 'a stop is not a crash');
  assert.deepEqual(await sup.done, { gaveUp: false, reason: 'stopped' });
});

test('a permanent child that exits with code 3 is restarted', async () => {
  const marker = join(dir, 'crashed-once');
  // Exits 3 the first time, then stays up, so the test sees exactly one restart.
  const script = `const fs = require('fs');
    if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); process.exit(3); }
    setInterval(() => {}, 1 << 30);`;
  const events: SupervisorEvent[] = [];
  const sup = supervisor(
    [processChild({ id: 'flaky', restart: 'permanent', shutdownMs: 1000, command: process.execPath, args: ['-e', script] })],
    events,
  );
  await sup.start();
  const first = sup.children()[0]?.pid;
  if (first) seen.add(first);
  await waitFor(() => sup.children()[0]?.restarts === 1 && sup.children()[0]?.state === 'running', 'the restart');
  const second = sup.children()[0]!.pid!;
  seen.add(second);
  assert.notEqual(second, first);
  assert.ok(isAlive(second));

  const crash = events.find((e) => e.type === 'supervisor.child_exited');
  assert.deepEqual([crash?.code, crash?.reason], [3, 'exited with code 3']);
  assert.equal(events.find((e) => e.type === 'supervisor.child_restarting')?.delayMs, 20);

  await sup.stop();
  await waitFor(() => !isAlive(second), 'the restarted child to be gone');
});
