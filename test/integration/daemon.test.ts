import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { BusClient } from '../../src/bus/busClient.js';
import { openDatabase } from '../../src/store/database.js';
import { EventsRepo } from '../../src/store/eventsRepo.js';
import { readPidFile } from '../../src/platform/pidFile.js';
import { processesMentioning } from '../helpers/leaks.js';
import { makeTempHome, type TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';

const homes: TempHome[] = [];
function home(): TempHome {
  const h = makeTempHome();
  homes.push(h);
  return h;
}
after(async () => {
  for (const h of homes) await h.cleanup();
});

function daemonPids(h: TempHome): number[] {
  return processesMentioning(h.root).filter((pid) =>
    readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('daemonMain'),
  );
}

test('start, status, stop: a private home and a daemon that stops cleanly', async () => {
  const h = home();
  const start = await h.relay(['daemon', 'start', '--json']);
  assert.equal(start.code, 0, start.stderr);
  const { pid, started } = JSON.parse(start.stdout);
  assert.equal(started, true);

  const status = await h.relay(['daemon', 'status', '--json']);
  assert.equal(status.code, 0);
  const s = JSON.parse(status.stdout);
  assert.equal(s.running, true);
  assert.equal(s.pid, pid);
  assert.ok(s.uptimeMs >= 0);

  for (const dir of [h.home, h.paths.run, h.paths.logs, h.paths.snapshots, h.paths.spool]) {
    assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
  }
  for (const file of [h.paths.db, h.paths.busSocket, h.paths.eventsSocket, h.paths.pidFile, h.paths.daemonLog]) {
    assert.equal(statSync(file).mode & 0o077, 0, `${file} is readable by others`);
  }

  const stop = await h.relay(['daemon', 'stop']);
  assert.equal(stop.code, 0);
  assert.match(stop.stdout, new RegExp(`stopped \\(pid ${pid}\\)`));
  assert.deepEqual(daemonPids(h), []);
  assert.equal(existsSync(h.paths.busSocket), false, 'socket removed on stop');

  const after = await h.relay(['daemon', 'status']);
  assert.equal(after.code, 3, 'status of a stopped daemon exits 3');
  assert.match(after.stdout, /not running/);
});

test('concurrent daemon starts yield one daemon', async () => {
  const h = home();
  const results = await Promise.all([1, 2, 3, 4].map(() => h.relay(['daemon', 'start', '--json'])));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  const pids = new Set(results.map((r) => JSON.parse(r.stdout).pid));
  assert.equal(pids.size, 1, `every start reports the same daemon: ${[...pids].join(', ')}`);
  assert.equal(results.filter((r) => JSON.parse(r.stdout).started).length, 1, 'exactly one start started it');
  // The losers' daemons found the lock held and are exiting; wait for them, then one remains.
  const [winner] = pids;
  await waitFor(() => daemonPids(h).every((p) => p === winner), 'losing daemons to exit');
  assert.deepEqual(daemonPids(h), [winner]);
});

test('kill -9 of the daemon, then start, recovers; an acknowledged event survives', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const client = new BusClient(h.paths);
  let seq: number;
  try {
    ({ seq } = await client.request('events.emit', { type: 'test.acked', actor: 'test', payload: { n: 42 } }));
  } finally {
    await client.close();
  }
  const pid = readPidFile(h.paths.pidFile)!.pid;
  process.kill(pid, 'SIGKILL');
  await waitFor(() => daemonPids(h).length === 0, 'the killed daemon to disappear');
  assert.ok(existsSync(h.paths.busSocket), 'kill -9 leaves a stale socket behind');

  const status = await h.relay(['daemon', 'status']);
  assert.equal(status.code, 3, 'a stale pid file is not taken for a running daemon');

  const restart = await h.relay(['daemon', 'start', '--json']);
  assert.equal(restart.code, 0, restart.stderr);
  assert.notEqual(JSON.parse(restart.stdout).pid, pid);
  assert.equal((await h.relay(['daemon', 'status'])).code, 0);

  const tail = await h.relay(['daemon', 'tail', '--no-follow', '--json', '--since', '0', '--type', 'test.']);
  const events = tail.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    events.map((e) => [e.seq, e.type, e.payload.n]),
    [[seq, 'test.acked', 42]],
  );
});

test('tail across the replay/live seam misses nothing and repeats nothing', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  const client = new BusClient(h.paths);
  const TOTAL = 3_000;
  let emitted = 0;
  // A steady stream of events runs while tail starts, replays, and switches to live.
  const producer = (async () => {
    while (emitted < TOTAL) {
      const batch = [];
      for (let i = 0; i < 20 && emitted < TOTAL; i++) {
        batch.push(client.request('events.emit', { type: 'test.seam', actor: 'test', payload: { i: emitted++ } }));
      }
      await Promise.all(batch);
    }
  })();
  await waitFor(() => emitted > 500, 'some events before tail starts');
  const tail = h.spawnRelay(['daemon', 'tail', '--json', '--since', '0', '--type', 'test.seam']);
  let out = '';
  tail.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => tail.on('close', (code) => r(code)));
  await producer;
  await client.close();
  const lines = await waitFor(() => {
    const ls = out.split('\n').filter(Boolean);
    const last = ls.length ? JSON.parse(ls[ls.length - 1]!) : null;
    return last?.payload.i === TOTAL - 1 ? ls : null;
  }, 'tail to print the last event', 30_000);
  tail.kill('SIGINT');
  assert.equal(await exited, 0, 'Ctrl+C ends tail cleanly');

  const got = lines.map((l) => JSON.parse(l).payload.i as number);
  assert.equal(got.length, TOTAL, 'every event exactly once');
  got.forEach((i, k) => assert.equal(i, k, `event ${k} in order`));
});

test('a corrupt database is reported, not replaced', async () => {
  const h = home();
  mkdirSync(h.home, { recursive: true, mode: 0o700 });
  const garbage = randomBytes(64 * 1024);
  writeFileSync(h.paths.db, garbage, { mode: 0o600 });
  const hash = (): string => createHash('sha256').update(readFileSync(h.paths.db)).digest('hex');
  const before = hash();

  const r = await h.relay(['daemon', 'start']);
  assert.equal(r.code, 6, `store errors exit 6: ${r.stderr}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.match(r.stderr, /relay\.db/);
  assert.match(r.stderr, /move it aside/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(hash(), before, 'the file is byte-identical');
  // The daemon that reported the error is exiting.
  await waitFor(() => daemonPids(h).length === 0, 'the failed daemon to exit');

  const json = await h.relay(['daemon', 'start', '--json']);
  assert.equal(json.code, 6);
  assert.equal(JSON.parse(json.stdout).error.code, 'E_STORE_CORRUPT');
});

test('the daemon database is readable as the event log after a clean stop', async () => {
  const h = home();
  assert.equal((await h.relay(['daemon', 'start'])).code, 0);
  assert.equal((await h.relay(['daemon', 'stop'])).code, 0);
  const db = openDatabase(h.paths.db, { readonly: true });
  try {
    const types = new EventsRepo(db).since(0).map((e) => e.type);
    assert.ok(types.includes('daemon.started'));
    assert.equal(types[types.length - 1], 'daemon.stopped', 'the last event before exit is persisted');
  } finally {
    db.close();
  }
});
