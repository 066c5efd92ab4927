import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runDaemon } from '../../src/supervisor/daemon.js';
import { processChild } from '../helpers/processChild.js';
import { openDatabase } from '../../src/store/database.js';
import { EventsRepo } from '../../src/store/eventsRepo.js';
import { EXIT } from '../../src/platform/errors.js';
import { makeTempHome } from '../helpers/tempHome.js';

const h = makeTempHome();
after(() => h.cleanup());

test('a service that keeps crashing makes the daemon give up visibly, with exit code 70', async () => {
  const daemon = await runDaemon({
    paths: h.paths,
    services: () => [
      processChild({
        id: 'flaky',
        restart: 'permanent',
        shutdownMs: 500,
        command: process.execPath,
        args: ['-e', 'process.exit(3)', h.root],
      }),
    ],
    rootPolicy: {
      strategy: 'one_for_one',
      intensity: 2,
      periodMs: 60_000,
      backoff: { initialMs: 1, maxMs: 5, resetAfterMs: 60_000 },
    },
  });
  const exit = await daemon.done;
  assert.equal(exit.exitCode, EXIT.supervisorGaveUp);
  assert.match(exit.reason, /flaky/);

  const db = openDatabase(h.paths.db, { readonly: true });
  try {
    const events = new EventsRepo(db).since(0);
    const restarts = events.filter((e) => e.type === 'supervisor.child_restarting');
    assert.equal(restarts.length, 2, 'restarted up to the intensity, not beyond');
    const gaveUp = events.find((e) => e.type === 'supervisor.gave_up');
    assert.ok(gaveUp, 'give-up is in the event log');
    assert.match(String(gaveUp.payload.reason), /flaky/);
    const stopped = events[events.length - 1]!;
    assert.equal(stopped.type, 'daemon.stopped');
    assert.equal(stopped.payload.exitCode, EXIT.supervisorGaveUp);
  } finally {
    db.close();
  }
});
