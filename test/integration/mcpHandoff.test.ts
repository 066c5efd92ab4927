/**
 * `relay mcp` with a live relay session: a fake Claude wrapped by `relay wrap`, handed on to a
 * fake Codex through the MCP `handoff_now` tool, then seen through `status` and
 * `latest_snapshot` as an agent taking over would see it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { waitFor } from '../helpers/waitFor.js';
import { agentEnv, alive, inTempHome, plain, psAgents, startRelay, stopDaemonAndAssertGone, WAIT_MS, workDir } from '../helpers/relayWorld.js';

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ text: string; isError: boolean }> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { text: r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n'), isError: r.isError === true };
}

test('handoff_now hands the running session on; status and latest_snapshot then show it', async () => {
  await inTempHome(async (h) => {
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT: 'ok', FAKE_AGENT_TRANSCRIPT_HOME: h.env.HOME! });
    const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));
    await waitFor(() => plain(wrap.stdout()).includes('Claude Code v2.1.197') || wrap.child.exitCode !== null, 'claude to start', WAIT_MS);

    const stringEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_ENTRY, 'mcp'], cwd: workDir(h), env: stringEnv, stderr: 'pipe' });
    const client = new Client({ name: 'relay-test', version: '1.0.0' });
    await client.connect(transport);
    const serverPid = transport.pid!;
    try {
      const before = await call(client, 'status');
      assert.match(before.text, /^agents \(1\):/m);
      const session = /^relay sessions \(1\):\n {2}(\S+) {2}running {2}active claude-1 \(claude\) {2}order claude → codex/m.exec(before.text)?.[1];
      assert.ok(session, `the relay session in:\n${before.text}`);

      const handoff = await call(client, 'handoff_now', { agent: 'claude' });
      assert.equal(handoff.isError, false, handoff.text);
      assert.match(handoff.text, new RegExp(`^Relay session ${session} handed off: claude-1 → codex-1 \\(codex\\)\\. Snapshot (\\S+) \\((/\\S+\\.md)\\)`));
      const path = /\((\/\S+\.md)\)/.exec(handoff.text)![1]!;

      const latest = await call(client, 'latest_snapshot');
      assert.equal(latest.isError, false, latest.text);
      assert.match(latest.text, new RegExp(`^Snapshot \\S+ of relay session ${session}: claude-1 → codex-1, reason manual\\n`));
      assert.ok(latest.text.includes(`File: ${path}\n\n`));
      assert.ok(latest.text.endsWith(readFileSync(path, 'utf8').trimEnd()), 'the whole Markdown follows the header');
      assert.equal((await call(client, 'latest_snapshot', { relaySession: session })).text, latest.text);

      const after = await call(client, 'status');
      assert.match(after.text, new RegExp(`^ {2}${session} {2}running {2}active codex-1 \\(codex\\)`, 'm'));
    } finally {
      await client.close();
    }
    assert.equal(alive(serverPid), false, 'the MCP server ended with its client');

    wrap.write('/exit\n');
    const done = await wrap.done;
    assert.equal(done.code, 0, done.stderr);
    const agents = await psAgents(h);
    await stopDaemonAndAssertGone(h, agents.map((a) => a.pid).filter((p): p is number => p !== null));
  });
});
