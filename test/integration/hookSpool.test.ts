/**
 * The hook spool and delivery: events appended while the daemon is down are drained once each,
 * in order — leftovers of a crashed drain first, lines whole even when many real `relay hook`
 * processes append at once, nothing lost or repeated when hooks append during a drain — and a
 * `relay hook` with a listening daemon sends its event instead of spooling it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { ensurePrivateDir, relayPaths, type RelayPaths } from '../../src/platform/paths.js';
import type { HookEvent } from '../../src/hooks/hookEvent.js';
import { appendToSpool, drainSpool, drainSpoolCounted } from '../../src/hooks/spool.js';
import { collect, makeTempHome, type RunResult, type TempHome } from '../helpers/tempHome.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads');
const root = makeTempDir('hs');
after(() => removeTempDir(root));

let homes = 0;
const freshPaths = (): RelayPaths => relayPaths(join(root, `h${homes++}`));
const ev = (session: string, extra: Partial<HookEvent> = {}): HookEvent => ({
  v: 1,
  agent: 'claude',
  event: 'Stop',
  agentSession: session,
  at: 1_795_255_000_000,
  ...extra,
});

/** Drain into a list; `graceMs: 0` unless a test needs the real grace. */
async function drainAll(paths: RelayPaths, opts: Parameters<typeof drainSpoolCounted>[2] = { graceMs: 0 }) {
  const got: HookEvent[] = [];
  const notes: string[] = [];
  const result = await drainSpoolCounted(paths, async (e) => void got.push(e), { log: (n) => void notes.push(n), ...opts });
  return { got, notes, result };
}

const spoolNames = (paths: RelayPaths): string[] => (existsSync(paths.spool) ? readdirSync(paths.spool).sort() : []);

describe('spool: append and drain', () => {
  it('appends one line per event, 0600 in a 0700 dir, and drains them in order, once', async () => {
    const paths = freshPaths();
    const sent = Array.from({ length: 50 }, (_, i) => ev(`s-${i}`, i % 7 === 0 ? { limit: { severity: 'limit', rule: 'hook:claude.usage_limit', matched: 'x', resetAt: 1 } } : {}));
    for (const e of sent) appendToSpool(paths, e);
    assert.equal(statSync(paths.spool).mode & 0o777, 0o700);
    assert.equal(statSync(paths.home).mode & 0o777, 0o700);
    assert.equal(statSync(paths.spoolFile).mode & 0o777, 0o600);
    assert.equal(readFileSync(paths.spoolFile, 'utf8').split('\n').length, 51);

    // With the real grace the just-renamed file is kept (a hook may still be writing into it)…
    const first = await drainAll(paths, {});
    assert.deepEqual(first.got, sent);
    assert.deepEqual(first.result, { delivered: 50, malformed: 0, pending: 1 });
    assert.equal(existsSync(paths.spoolFile), false, 'new hooks write a fresh file');
    assert.match(spoolNames(paths).join(), /^hooks\.\d+\.\d+\.\d+\.drained$/);
    // …and the next drain delivers nothing twice and removes it once quiet.
    const second = await drainAll(paths);
    assert.deepEqual(second.got, []);
    assert.deepEqual(spoolNames(paths), []);
  });

  it('no spool dir, or an empty one: nothing to do', async () => {
    const paths = freshPaths();
    assert.deepEqual((await drainAll(paths)).result, { delivered: 0, malformed: 0, pending: 0 });
    await drainSpool(paths, async () => assert.fail('nothing to deliver'));
    ensurePrivateDir(paths.home);
    ensurePrivateDir(paths.spool);
    assert.deepEqual((await drainAll(paths)).got, []);
  });

  it('leftovers of a crashed drain go first, oldest first; malformed lines are skipped and logged', async () => {
    const paths = freshPaths();
    ensurePrivateDir(paths.home);
    ensurePrivateDir(paths.spool);
    const line = (e: HookEvent): string => `${JSON.stringify(e)}\n`;
    // A drain that crashed before reading anything (pid 9, at t=2000)…
    writeFileSync(join(paths.spool, 'hooks.9.2000.draining'), line(ev('b1')) + 'not json\n' + line(ev('b2')) + '{"v":2}\n');
    // …an older one that had read its first line when it stopped (t=1000, offset = one line)…
    const done = line(ev('a0'));
    writeFileSync(join(paths.spool, `hooks.7.1000.${Buffer.byteLength(done)}.drained`), done + line(ev('a1')));
    // …and the live file.
    appendToSpool(paths, ev('c1'));
    writeFileSync(join(paths.spool, 'unrelated.txt'), 'left alone');
    const { got, notes, result } = await drainAll(paths);
    assert.deepEqual(got.map((e) => e.agentSession), ['a1', 'b1', 'b2', 'c1']);
    assert.deepEqual(result, { delivered: 4, malformed: 2, pending: 0 });
    assert.equal(notes.length, 2);
    assert.match(notes[0]!, /not a hook event: not json/);
    assert.deepEqual(spoolNames(paths), ['unrelated.txt']);
  });

  it('a handler that fails keeps the file and its place: the next drain resumes at the failed line', async () => {
    const paths = freshPaths();
    for (const s of ['x1', 'x2', 'x3', 'x4']) appendToSpool(paths, ev(s));
    const seen: string[] = [];
    await assert.rejects(
      drainSpoolCounted(paths, async (e) => {
        if (e.agentSession === 'x3') throw new Error('store busy');
        seen.push(e.agentSession!);
      }, { graceMs: 0 }),
      /store busy/,
    );
    appendToSpool(paths, ev('x5'));
    const { got } = await drainAll(paths);
    assert.deepEqual([...seen, ...got.map((e) => e.agentSession)], ['x1', 'x2', 'x3', 'x4', 'x5']);
    assert.deepEqual(spoolNames(paths), []);
  });

  it('a torn last line (a hook killed mid-write) is skipped once the file is quiet, not before', async () => {
    const paths = freshPaths();
    appendToSpool(paths, ev('t1'));
    writeFileSync(paths.spoolFile, '{"v":1,"agent":"cla', { flag: 'a' });
    const early = await drainAll(paths, {});
    assert.deepEqual(early.got.map((e) => e.agentSession), ['t1']);
    assert.equal(early.result.pending, 1, 'it may still be completed');
    const late = await drainAll(paths);
    assert.deepEqual(late.result, { delivered: 0, malformed: 1, pending: 0 });
    assert.match(late.notes[0]!, /torn/);
    assert.deepEqual(spoolNames(paths), []);
  });

  it('a long spool streams through in order (more than one read chunk)', async () => {
    const paths = freshPaths();
    const cwd = '/w/'.padEnd(3000, 'd');
    for (let i = 0; i < 800; i++) appendToSpool(paths, ev(`l-${i}`, { cwd }));
    assert.ok(statSync(paths.spoolFile).size > 2 * 1024 * 1024);
    const { got } = await drainAll(paths);
    assert.deepEqual(got.map((e) => e.agentSession), Array.from({ length: 800 }, (_, i) => `l-${i}`));
  });
});

/** `relay hook <agent>` with `stdin` piped in, as the agent CLIs run it. */
function runHook(h: TempHome, args: string[], stdin: string | Buffer, env: NodeJS.ProcessEnv = h.env): Promise<RunResult> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'hook', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => undefined);
  child.stdin.end(stdin);
  return collect(child, 20_000);
}

const sample = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

function readSpool(paths: RelayPaths): HookEvent[] {
  if (!existsSync(paths.spoolFile)) return [];
  return readFileSync(paths.spoolFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HookEvent);
}

describe('relay hook: spool or send', () => {
  it('20 real hooks at once: 20 whole lines, one per hook (lines over PIPE_BUF)', async () => {
    const h = makeTempHome();
    try {
      // A 4000-char cwd makes each spooled line larger than PIPE_BUF (4096).
      const base = { ...sample('claude-oauth-usage--StopFailure.stdin.json'), cwd: `/w/${'c'.repeat(3996)}` };
      const runs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => runHook(h, ['claude'], JSON.stringify({ ...base, session_id: `par-${i}` }))),
      );
      for (const r of runs) assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      const lines = readFileSync(h.paths.spoolFile, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, 20);
      const events = lines.map((l) => JSON.parse(l) as HookEvent);
      assert.ok(lines.every((l) => l.length > 4096));
      assert.deepEqual(events.map((e) => e.agentSession).sort(), Array.from({ length: 20 }, (_, i) => `par-${i}`).sort());
      assert.ok(events.every((e) => e.limit?.rule === 'hook:claude.usage_limit'));
    } finally {
      await h.cleanup();
    }
  });

  it('draining while hooks append: every event once (20 real hooks, and 4 writers × 500 appends)', async () => {
    const h = makeTempHome();
    try {
      const got: HookEvent[] = [];
      const handle = async (e: HookEvent): Promise<void> => void got.push(e);
      const base = sample('claude-ok--Stop.stdin.json');
      // Writers in other processes: 20 `relay hook` runs and 4 tight append loops.
      const spoolJs = pathToFileURL(join(PACKAGE_ROOT, 'dist', 'hooks', 'spool.js')).href;
      const pathsJs = pathToFileURL(join(PACKAGE_ROOT, 'dist', 'platform', 'paths.js')).href;
      const loop = (w: number) =>
        collect(
          spawn(
            process.execPath,
            [
              '--input-type=module',
              '-e',
              `const { appendToSpool } = await import(${JSON.stringify(spoolJs)});
               const { relayPaths } = await import(${JSON.stringify(pathsJs)});
               const paths = relayPaths(${JSON.stringify(h.home)});
               for (let i = 0; i < 500; i++) appendToSpool(paths, { v: 1, agent: 'codex', event: 'Stop', agentSession: 'w${w}-' + i, at: Date.now() });`,
            ],
            { stdio: ['ignore', 'pipe', 'pipe'] },
          ),
          60_000,
        );
      let writing = true;
      const writers = Promise.all([
        ...Array.from({ length: 20 }, (_, i) => runHook(h, ['claude'], JSON.stringify({ ...base, session_id: `live-${i}` }))),
        ...[0, 1, 2, 3].map(loop),
      ]).finally(() => (writing = false));
      let passes = 0;
      while (writing) {
        // A short grace exercises removal while writers are still running.
        await drainSpoolCounted(h.paths, handle, { graceMs: 200 });
        passes++;
        await new Promise((r) => setImmediate(r));
      }
      for (const r of await writers) assert.equal(r.code, 0, r.stderr);
      await drainSpoolCounted(h.paths, handle, { graceMs: 0 });
      const sessions = got.map((e) => e.agentSession!);
      const want = [
        ...Array.from({ length: 20 }, (_, i) => `live-${i}`),
        ...[0, 1, 2, 3].flatMap((w) => Array.from({ length: 500 }, (_, i) => `w${w}-${i}`)),
      ];
      assert.equal(new Set(sessions).size, sessions.length, 'no event twice');
      assert.deepEqual([...sessions].sort(), want.sort(), 'no event lost');
      for (const w of [0, 1, 2, 3]) {
        const mine = sessions.filter((s) => s.startsWith(`w${w}-`));
        assert.deepEqual(mine, Array.from({ length: 500 }, (_, i) => `w${w}-${i}`), `writer ${w} in order`);
      }
      assert.ok(passes > 1, `drained ${passes} times while writing`);
      assert.deepEqual(spoolNames(h.paths), []);
    } finally {
      await h.cleanup();
    }
  });

  /** A stand-in daemon on the hook socket: answers each line with `answer(line)`, or never. */
  async function fakeDaemon(paths: RelayPaths, answer: ((line: string) => string) | null): Promise<{ server: Server; lines: string[] }> {
    ensurePrivateDir(paths.home);
    ensurePrivateDir(paths.run);
    const lines: string[] = [];
    const server = createServer((socket) => {
      let buf = '';
      socket.setEncoding('utf8');
      socket.on('error', () => undefined);
      socket.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          lines.push(line);
          if (answer) socket.write(answer(line));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(paths.hookSocket, resolve));
    return { server, lines };
  }

  it('no daemon: the event lands in the spool', async () => {
    const h = makeTempHome();
    try {
      const r = await runHook(h, ['claude'], readFileSync(join(FIXTURES, 'claude-oauth-usage--StopFailure.stdin.json')));
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      const [e] = readSpool(h.paths);
      assert.equal(e?.limit?.rule, 'hook:claude.usage_limit');
      assert.equal(e?.agentSession, '5a64bfd2-9d4c-4a5c-935d-6ca30f46f56e');
    } finally {
      await h.cleanup();
    }
  });

  it('a daemon that answers ok: the event is sent, once, and not spooled', async () => {
    const h = makeTempHome();
    const { server, lines } = await fakeDaemon(h.paths, () => 'ok\n');
    try {
      const env = { ...h.env, RELAY_AGENT_ID: 'claude-1', RELAY_SESSION: 'r-1' };
      const r = await runHook(h, ['claude'], readFileSync(join(FIXTURES, 'claude-oauth-usage--StopFailure.stdin.json')), env);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
      assert.equal(lines.length, 1);
      const e = JSON.parse(lines[0]!) as HookEvent;
      assert.equal(e.limit?.rule, 'hook:claude.usage_limit');
      assert.equal(e.relayAgent, 'claude-1');
      assert.equal(e.relaySession, 'r-1');
      assert.equal(existsSync(h.paths.spoolFile), false, 'not spooled');
      // Codex notify: the payload is the last argument, stdin is not read.
      const n = await runHook(h, ['codex', readFileSync(join(FIXTURES, 'codex-ok--notify.argv.json'), 'utf8')], '');
      assert.equal(n.code, 0);
      assert.equal((JSON.parse(lines[1]!) as HookEvent).event, 'agent-turn-complete');
    } finally {
      await new Promise((r) => server.close(r));
      await h.cleanup();
    }
  });

  it('a daemon that answers an error, or not at all: spooled, and the hook still ends quickly', async () => {
    const h = makeTempHome();
    const payload = readFileSync(join(FIXTURES, 'claude-ok--Stop.stdin.json'));
    try {
      const refusing = await fakeDaemon(h.paths, () => 'error not now\n');
      assert.equal((await runHook(h, ['claude'], payload)).code, 0);
      assert.equal(refusing.lines.length, 1);
      assert.equal(readSpool(h.paths).length, 1);
      await new Promise((r) => refusing.server.close(r));

      const silent = await fakeDaemon(h.paths, null);
      const started = Date.now();
      const r = await runHook(h, ['claude'], payload);
      const took = Date.now() - started;
      assert.deepEqual([r.code, r.stdout], [0, '']);
      assert.equal(silent.lines.length, 1);
      assert.equal(readSpool(h.paths).length, 2, 'spooled after the send timed out');
      assert.ok(took < 3000, `took ${took} ms`);
      // The hook's connection ended with its process, so the close completes.
      await new Promise((r) => silent.server.close(r));
    } finally {
      await h.cleanup();
    }
  });
});
