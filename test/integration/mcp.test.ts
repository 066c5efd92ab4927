/**
 * `relay mcp` end to end: the real built CLI spawned over stdio, spoken to by the official SDK
 * client, with the daemon it starts in a private RELAY_HOME.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { processStartTicks } from '../../src/platform/pidFile.js';
import { openDatabase } from '../../src/store/database.js';
import { runningDaemonPid } from '../../src/client/daemonLauncher.js';
import { collect, makeTempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';

const h = makeTempHome();
const project = join(h.root, 'proj');
const elsewhere = join(h.root, 'other');
mkdirSync(join(project, 'src'), { recursive: true });
mkdirSync(elsewhere);

/** Every server process started here, so the end can prove none outlived its client. */
const serverPids: number[] = [];
const clients: Client[] = [];
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await h.cleanup();
});

const alive = (pid: number): boolean => processStartTicks(pid) !== null;

/** The test env as the SDK wants it: strings only. */
function stringEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...h.env, ...extra })) if (typeof v === 'string') env[k] = v;
  return env;
}

async function connect(cwd: string): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_ENTRY, 'mcp'], cwd, env: stringEnv(), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'relay-test', version: '1.0.0' });
  await client.connect(transport);
  serverPids.push(transport.pid!);
  clients.push(client);
  return { client, transport, stderr: () => stderr };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ text: string; isError: boolean }> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
  return { text, isError: r.isError === true };
}

const main = await connect(project);

test('lists the five tools, each with a description and an object input schema', async () => {
  const { tools } = await main.client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(), ['handoff_now', 'latest_snapshot', 'recall', 'remember', 'status']);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.ok((t.description ?? '').length > 60, `${t.name} has a description a model can use`);
  }
  const byName = new Map(tools.map((t) => [t.name, t.inputSchema as { properties: Record<string, Record<string, unknown>>; required?: string[] }]));
  assert.deepEqual(byName.get('remember')?.required, ['text']);
  assert.deepEqual(byName.get('remember')?.properties.scope?.enum, ['global', 'project']);
  assert.equal(byName.get('remember')?.properties.tags?.type, 'array');
  assert.deepEqual(byName.get('recall')?.required, ['query']);
  assert.equal(byName.get('recall')?.properties.limit?.maximum, 50);
  assert.deepEqual(Object.keys(byName.get('handoff_now')?.properties ?? {}).sort(), ['agent', 'to']);
  assert.deepEqual(Object.keys(byName.get('latest_snapshot')?.properties ?? {}), ['relaySession']);
  assert.deepEqual(byName.get('status')?.properties, {});
});

test('latest_snapshot before any daemon or handoff says so plainly and starts nothing', async () => {
  const r = await call(main.client, 'latest_snapshot');
  assert.equal(r.isError, false);
  assert.match(r.text, /^No handoff snapshot yet: Relay writes one each time a relay session hands off/);
  assert.equal(runningDaemonPid(h.paths), null, 'reading snapshots needs no daemon');
});

test('status starts the daemon and shows its pid, the agents and the relay sessions', async () => {
  const r = await call(main.client, 'status');
  assert.equal(r.isError, false, r.text);
  const pid = runningDaemonPid(h.paths);
  assert.ok(pid !== null, 'the status call started a daemon');
  assert.match(r.text, new RegExp(`^relay daemon running \\(pid ${pid}, version `));
  assert.match(r.text, /^agents \(0\):\nno agents$/m);
  assert.match(r.text, /^relay sessions \(0\):\n {2}none/m);
  // With a database now (schema 4) but still no handoff: the same plain answer.
  const snap = await call(main.client, 'latest_snapshot', { relaySession: 'r-nope' });
  assert.equal(snap.isError, false);
  assert.match(snap.text, /^No handoff snapshot for relay session r-nope\./);
});

test('remember then recall round-trips through the daemon, scoped to the project', async () => {
  const fact = 'The integration tests need RELAY_HOME pointed at a temp dir';
  const r1 = await call(main.client, 'remember', { text: fact, tags: ['tests', 'env'] });
  assert.equal(r1.isError, false, r1.text);
  assert.equal(r1.text, `Remembered as fact #1 (project ${project}).`);
  const again = await call(main.client, 'remember', { text: fact });
  assert.match(again.text, /^Already remembered as fact #1 /);
  const g = await call(main.client, 'remember', { text: 'The user wants commit messages in the imperative mood', scope: 'global' });
  assert.equal(g.text, 'Remembered as fact #2 (global).');
  const key = `sk-ant-${'Q7w'.repeat(8)}`;
  await call(main.client, 'remember', { text: `The staging tests use key ${key}`, scope: 'global' });

  const found = await call(main.client, 'recall', { query: 'how do I run the integration tests?' });
  assert.equal(found.isError, false, found.text);
  assert.match(found.text, /^2 remembered facts, most relevant first:\n#1 \[project .*\] \(tags: tests, env\)\n {2}The integration tests need RELAY_HOME/);
  assert.match(found.text, /The staging tests use key \[redacted\]/);
  assert.doesNotMatch(found.text, /Q7wQ7w/);
  // FTS syntax in the query is just words.
  const tricky = await call(main.client, 'recall', { query: 'commit NOT "mood (', limit: 1 });
  assert.match(tricky.text, /^1 remembered fact, most relevant first:\n#2 \[global\]/);

  // Another client working elsewhere sees the global facts but not this project's.
  const other = await connect(elsewhere);
  const there = await call(other.client, 'recall', { query: 'integration tests commit' });
  assert.match(there.text, /#2 \[global\]/);
  assert.doesNotMatch(there.text, /#1 /);
  await other.client.close();

  // It is in relay.db, redacted, owned by the daemon.
  const db = openDatabase(h.paths.db, { readonly: true });
  try {
    const rows = db.prepare('SELECT scope, text FROM knowledge ORDER BY id').all() as { scope: string; text: string }[];
    assert.deepEqual(rows.map((r) => r.scope), [`project:${project}`, 'global', 'global']);
    assert.ok(rows.every((r) => !r.text.includes(key)));
  } finally {
    db.close();
  }
});

test('bad arguments and failures are error results, and the server keeps serving', async () => {
  const empty = await call(main.client, 'recall', { query: '   ' });
  assert.equal(empty.isError, true);
  const tooMany = await call(main.client, 'recall', { query: 'x', limit: 500 });
  assert.equal(tooMany.isError, true);
  const handoff = await call(main.client, 'handoff_now');
  assert.equal(handoff.isError, true);
  assert.equal(handoff.text.split('\n').length, 1, 'one line');
  assert.match(handoff.text, /^relay: no relay session is running — /);
  const named = await call(main.client, 'handoff_now', { agent: 'claude-9' });
  assert.equal(named.isError, true);
  assert.match(named.text, /^relay: /);
  assert.equal((await call(main.client, 'status')).isError, false, 'still serving');
  assert.equal(main.stderr(), '', 'nothing on stderr without RELAY_DEBUG');
});

test('the server exits 0 when its stdin closes, with nothing but JSON-RPC on stdout', async () => {
  // RELAY_DEBUG=1 proves the diagnostics go to stderr, never into the protocol stream.
  const child = spawn(process.execPath, [CLI_ENTRY, 'mcp'], { cwd: project, env: { ...h.env, RELAY_DEBUG: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  serverPids.push(child.pid!);
  const done = collect(child, 15_000);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const send = (msg: object): boolean => child.stdin.write(`${JSON.stringify(msg)}\n`);
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'recall', arguments: { query: 'integration' } } });
  await waitFor(() => out.includes('"id":2'), 'the recall reply');
  child.stdin.end();
  const r = await done;
  assert.equal(r.signal, null);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  for (const line of lines) assert.equal((JSON.parse(line) as { jsonrpc: string }).jsonrpc, '2.0');
  assert.match(r.stdout, /#1 \[project /);
  assert.match(r.stderr, /relay mcp: closing: stdin ended/);
});

test('closing the SDK client ends its server; stopping the daemon leaves no process', async () => {
  await main.client.close();
  await waitFor(() => serverPids.every((pid) => !alive(pid)), 'every relay mcp process to exit', 5_000);
  const daemon = runningDaemonPid(h.paths);
  assert.ok(daemon !== null);
  const stop = await h.relay(['daemon', 'stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(alive(daemon), false);
  // h.cleanup (after) asserts that no process mentions the temp dir and that the dir is gone.
});
