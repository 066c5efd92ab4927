/**
 * Relay's OpenCode plugin (src/install/opencodePlugin.ts), loaded as OpenCode loads it: it is
 * imported, every export is called as a plugin, and the bus events recorded from the real
 * OpenCode (test/fixtures/hook-payloads/opencode-429.jsonl) go to its `event` hook.
 */
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { opencodePluginSource, type OpencodePluginTarget } from '../../src/install/opencodePlugin.js';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { processesMentioning } from '../helpers/leaks.js';
import { HOMES_DIR } from '../fixtures/homes/installWorld.js';

type EventHook = (input?: unknown) => Promise<void>;
type PluginFn = (input: unknown) => Promise<{ event: EventHook }>;


/** Write the plugin as OpenCode finds it (`plugins/relay.js`) and import it. */
async function loadPlugin(dir: string, target: OpencodePluginTarget): Promise<Record<string, unknown>> {
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const file = join(dir, 'relay.js');
  writeFileSync(file, opencodePluginSource(target));
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

const recorded = readFileSync(join(HOMES_DIR, '..', 'hook-payloads', 'opencode-429.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { kind: string; data: { type: string; properties?: Record<string, unknown> } })
  .filter((r) => r.kind === 'event')
  .map((r) => r.data);

/** A hook stand-in that appends each payload it gets on stdin to `out`, one line each. */
function recorder(dir: string): { args: string[]; out: string } {
  const out = join(dir, 'got.jsonl');
  const script = join(dir, 'recorder.cjs');
  writeFileSync(script, `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').appendFileSync(${JSON.stringify(out)},s.replace(/\\n/g,' ')+'\\n'));\n`);
  return { args: [script], out };
}

test('OpenCode loads it as a legacy plugin: every export is a plugin function', async (t) => {
  const dir = tempDir(t, 'ocp');
  const mod = await loadPlugin(dir, { command: process.execPath, args: ['-e', '0'], env: {} });
  assert.deepEqual(Object.keys(mod), ['RelayPlugin']);
  assert.ok(Object.values(mod).every((v) => typeof v === 'function'), 'OpenCode throws "Plugin export is not a function" otherwise');
});

test('the plugin gives OpenCode nothing to npm-install: it imports only node: built-ins', () => {
  const source = opencodePluginSource({ command: process.execPath, args: [CLI_ENTRY, 'hook', 'opencode-event'], env: {} });
  const imports = [...source.matchAll(/^\s*import\s[^'"]*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']|\brequire\(\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2] ?? m[3]);
  assert.deepEqual(imports, ['node:child_process']);
  assert.doesNotMatch(source, /@opencode-ai\/plugin/);
});

test('the recorded 429 session: retries, the error, the failed message and idle are forwarded in order, with the directory; the rest is not', async (t) => {
  const dir = tempDir(t, 'ocp');
  const rec = recorder(dir);
  const mod = await loadPlugin(dir, { command: process.execPath, args: rec.args, env: {} });
  const hooks = await (mod.RelayPlugin as PluginFn)({ directory: '/home/dev/project', worktree: '/home/dev/project' });
  const started = Date.now();
  for (const event of recorded) await hooks.event({ event });
  assert.ok(Date.now() - started < 500, 'the event hook returns at once: delivery is not awaited');

  const wanted = recorded.filter((e) => {
    const p = e.properties ?? {};
    if (e.type === 'session.error' || e.type === 'session.idle') return true;
    if (e.type === 'session.status') return (p.status as { type?: string } | undefined)?.type === 'retry';
    return e.type === 'message.updated' && Boolean((p.info as { error?: unknown } | undefined)?.error);
  });
  assert.ok(wanted.some((e) => e.type === 'session.error'));
  assert.ok(wanted.filter((e) => e.type === 'session.status').length >= 5, 'every retry');
  const lines = await waitFor(() => {
    const got = existsSync(rec.out) ? readFileSync(rec.out, 'utf8').trim().split('\n') : [];
    return got.length >= wanted.length ? got : undefined;
  }, 'every forwarded event');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    wanted.map((e) => ({ ...e, directory: '/home/dev/project' })),
  );
});

test('the event hook never throws and never rejects, whatever it is given', async (t) => {
  const dir = tempDir(t, 'ocp');
  const mod = await loadPlugin(dir, { command: join(dir, 'does-not-exist'), args: [], env: {} });
  const hooks = await (mod.RelayPlugin as PluginFn)(undefined);
  const cyclic: Record<string, unknown> = { type: 'session.error' };
  cyclic.properties = cyclic;
  for (const input of [undefined, null, {}, { event: null }, { event: { type: 5 } }, { event: cyclic }, { event: { type: 'session.error' } }]) {
    assert.equal(await hooks.event(input as never), undefined);
  }
  // The spawn of a missing program fails quietly too (its error event is handled). Node emits a
  // spawn's ENOENT in order on the next tick: once a later spawn of ours has failed, theirs have.
  await new Promise<void>((resolve) => spawn(join(dir, 'also-missing')).on('error', () => resolve()));
});

test('a hook that does not finish is killed with its process group after the timeout', async (t) => {
  const dir = tempDir(t, 'ocp');
  const hang = join(dir, 'hang.cjs');
  writeFileSync(hang, 'setInterval(() => {}, 1000);\n');
  const mod = await loadPlugin(dir, { command: process.execPath, args: [hang, dir], env: {}, timeoutMs: 300 });
  const hooks = await (mod.RelayPlugin as PluginFn)({ directory: dir });
  await hooks.event({ event: { type: 'session.idle', properties: { sessionID: 's' } } });
  await waitFor(() => processesMentioning(hang).length > 0, 'the hook to start');
  await waitFor(() => processesMentioning(hang).length === 0, 'the stuck hook to be killed', 5_000);
});

test('with the real `relay hook opencode-event`: a 429 session.error reaches the spool while no daemon runs', async (t) => {
  const dir = tempDir(t, 'ocp');
  const relayHome = join(dir, 'rh');
  const mod = await loadPlugin(dir, { command: process.execPath, args: [CLI_ENTRY, 'hook', 'opencode-event'], env: { RELAY_HOME: relayHome } });
  const hooks = await (mod.RelayPlugin as PluginFn)({ directory: '/home/dev/project' });
  const error = recorded.find((e) => e.type === 'session.error')!;
  await hooks.event({ event: error });
  const spool = join(relayHome, 'spool', 'hooks.jsonl');
  const line = await waitFor(() => (existsSync(spool) ? readFileSync(spool, 'utf8').trim() : undefined), 'the spooled event');
  const ev = JSON.parse(line.split('\n')[0]!) as { agent: string; event: string; cwd?: string; limit?: { severity: string } };
  assert.equal(ev.agent, 'opencode');
  assert.equal(ev.event, 'session.error');
  assert.equal(ev.cwd, '/home/dev/project');
  assert.equal(ev.limit?.severity, 'limit');
});
