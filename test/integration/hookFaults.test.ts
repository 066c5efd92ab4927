/**
 * Wrong files where `relay hook` and the hooks actor expect theirs (a FIFO, a symlink, a
 * directory at spool/hooks.jsonl or logs/hook.log): the hook neither hangs nor loses the event,
 * and the daemon neither dies nor stalls; the wrong file is moved aside and said so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { ensureHome } from '../../src/platform/paths.js';
import { appendToSpool } from '../../src/hooks/spool.js';
import { HOOK_EVENT_VERSION, type HookEvent } from '../../src/hooks/hookEvent.js';
import { collect, type RunResult, type TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import { inTempHome, ofType, tailEvents, WAIT_MS } from '../helpers/relayWorld.js';

const SAMPLE = readFileSync(
  join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json'),
  'utf8',
);
/** Far longer than the hook's own deadline: a hook still running then has hung. */
const HUNG_MS = 10_000;

function runHook(h: TempHome, stdin: string): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude'], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(stdin);
  return collect(child, HUNG_MS);
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, `mkfifo ${path}: ${String(r.stderr)}`);
}

const refusedIn = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.refused'));

function spooledLines(h: TempHome): HookEvent[] {
  return readFileSync(h.paths.spoolFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HookEvent);
}

function assertQuietExit(r: RunResult): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'a hook prints nothing');
  assert.equal(r.stderr, '');
}

test('a FIFO at spool/hooks.jsonl does not hang relay hook: it exits 0, silent, and the event is spooled', async () => {
  await inTempHome(async (h) => {
    ensureHome(h.paths);
    mkfifo(h.paths.spoolFile);
    const r = await runHook(h, SAMPLE);
    assertQuietExit(r);
    assert.ok(lstatSync(h.paths.spoolFile).isFile(), 'a fresh spool file in its place');
    assert.equal(spooledLines(h).length, 1, 'the event is not lost');
    assert.equal(refusedIn(h.paths.spool).length, 1, 'the FIFO is moved aside');
    assert.match(readFileSync(h.paths.hookLog, 'utf8'), /spool\/hooks\.jsonl was a FIFO, not a file; moved aside/);
  });
});

test('a FIFO at logs/hook.log does not hang relay hook: the log restarts beside it and says so', async () => {
  await inTempHome(async (h) => {
    ensureHome(h.paths);
    mkfifo(h.paths.hookLog);
    const r = await runHook(h, 'this is not JSON');
    assertQuietExit(r);
    const log = readFileSync(h.paths.hookLog, 'utf8');
    assert.match(log, /logs\/hook\.log was a FIFO, not a file; moved aside/);
    assert.match(log, /claude dropped: not JSON/, 'the note the hook came to write');
    assert.equal(refusedIn(h.paths.logs).length, 1);
  });
});

test('a symlink at spool/hooks.jsonl is not written through: moved aside, and the event spooled', async () => {
  await inTempHome(async (h) => {
    ensureHome(h.paths);
    const target = join(h.root, 'not-relays.txt');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, h.paths.spoolFile);
    assertQuietExit(await runHook(h, SAMPLE));
    assert.equal(readFileSync(target, 'utf8'), 'keep me\n', 'the link target is untouched');
    assert.equal(spooledLines(h).length, 1);
    const [aside] = refusedIn(h.paths.spool);
    assert.ok(aside && lstatSync(join(h.paths.spool, aside)).isSymbolicLink(), 'the link itself is what moved');
  });
});

test('a directory at spool/hooks.jsonl does not lose the event', async () => {
  await inTempHome(async (h) => {
    ensureHome(h.paths);
    mkdirSync(h.paths.spoolFile);
    assertQuietExit(await runHook(h, SAMPLE));
    assert.equal(spooledLines(h).length, 1);
    assert.equal(refusedIn(h.paths.spool).length, 1);
  });
});

function hookEvent(id: string): HookEvent {
  return { v: HOOK_EVENT_VERSION, id, agent: 'claude', event: 'Stop', agentSession: id, at: Date.now() };
}

test('a symlinked spool file does not kill the daemon, nor a FIFO stall it: moved aside, said in the daemon log, the rest delivered', async () => {
  await inTempHome(async (h) => {
    ensureHome(h.paths);
    // A good leftover of an earlier drain, and a symlink at the live name.
    appendToSpool(h.paths, hookEvent('before-start'));
    renameSync(h.paths.spoolFile, join(h.paths.spool, 'hooks.1.1.draining'));
    const target = join(h.root, 'elsewhere.jsonl');
    writeFileSync(target, `${JSON.stringify(hookEvent('through-the-link'))}\n`);
    symlinkSync(target, h.paths.spoolFile);

    const start = await h.relay(['daemon', 'start']);
    assert.equal(start.code, 0, start.stderr);
    await waitFor(async () => ofType(await tailEvents(h), 'hook.received').length >= 1, 'the good leftover', WAIT_MS);
    await waitFor(() => /is a symlink, not a spool file; moved aside/.test(readFileSync(h.paths.daemonLog, 'utf8')), 'the daemon log line');

    // While it runs: a FIFO where the next hook line would go.
    mkfifo(h.paths.spoolFile);
    await waitFor(() => /is a FIFO, not a spool file; moved aside/.test(readFileSync(h.paths.daemonLog, 'utf8')), 'the FIFO to be refused');
    assertQuietExit(await runHook(h, SAMPLE));
    const events = await waitFor(async () => {
      const got = await tailEvents(h);
      return ofType(got, 'hook.received').length >= 2 ? got : undefined;
    }, 'a real hook after the FIFO', WAIT_MS);
    assert.deepEqual(
      ofType(events, 'hook.received').map((e) => e.payload.agentSession),
      ['before-start', ofType(events, 'hook.received')[1]!.payload.agentSession],
    );
    assert.ok(!ofType(events, 'hook.received').some((e) => e.payload.agentSession === 'through-the-link'), 'nothing read through the link');
    assert.deepEqual(ofType(events, 'supervisor.gave_up'), []);
    assert.equal((await h.relay(['daemon', 'status'])).code, 0, 'the daemon is up');
    assert.ok(existsSync(target));
  });
});

test('a directory at run/hook.sock does not kill the daemon: moved aside, said in the daemon log, and hooks are delivered on the socket', async () => {
  await inTempHome(async (h) => {
    ensureHome(h.paths);
    mkdirSync(h.paths.hookSocket);
    const start = await h.relay(['daemon', 'start']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(readFileSync(h.paths.daemonLog, 'utf8'), /hook\.sock was a directory, not a socket; moved aside/);
    assertQuietExit(await runHook(h, SAMPLE));
    assert.equal(existsSync(h.paths.spoolFile), false, 'sent, not spooled');
    const events = await tailEvents(h);
    assert.equal(ofType(events, 'hook.received').length, 1);
    assert.deepEqual(ofType(events, 'supervisor.gave_up'), []);
  });
});
