/**
 * The hook command install writes, how Relay recognizes its own entries, and that the command
 * really runs `relay hook` through a shell as the CLIs run it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRelayHandler, isRelayHookCommand, relayHookCommand } from '../../src/hooks/hookCommand.js';
import { shellQuote } from '../../src/platform/shellQuote.js';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { HOMES_DIR } from '../fixtures/homes/installWorld.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

test('shell quoting leaves safe words alone and single-quotes the rest', () => {
  assert.equal(shellQuote('/usr/bin/node'), '/usr/bin/node');
  assert.equal(shellQuote('/home/a b/relay.js'), `'/home/a b/relay.js'`);
  assert.equal(shellQuote(`/it's/$HOME`), `'/it'\\''s/$HOME'`);
  assert.equal(shellQuote(''), `''`);
  // `~` would be expanded after `=` or `:` in an assignment (RELAY_HOME=…), so it is quoted.
  assert.equal(shellQuote('/home/a/~x'), `'/home/a/~x'`);
});

test('the command names node and relay.js by absolute path, RELAY_HOME only when given', () => {
  assert.equal(relayHookCommand({ node: '/usr/bin/node', cliEntry: '/opt/relay/bin/relay.js' }, 'claude'), '/usr/bin/node /opt/relay/bin/relay.js hook claude');
  assert.equal(
    relayHookCommand({ node: '/n o/node', cliEntry: '/r/bin/relay.js', relayHome: '/h/.relay x' }, 'gemini'),
    `RELAY_HOME='/h/.relay x' '/n o/node' /r/bin/relay.js hook gemini`,
  );
});

test('Relay entries are recognized by their command, from any Relay install; user commands are not', () => {
  for (const cmd of [
    '/usr/bin/node /opt/relay/bin/relay.js hook claude',
    `'/n o/node' '/x y/bin/relay.js' hook claude`,
    'RELAY_HOME=/h /usr/bin/node /old/checkout/bin/relay.js hook claude',
    'relay hook claude',
    '/usr/local/bin/relay hook claude  ',
  ]) {
    assert.ok(isRelayHookCommand(cmd, 'claude'), cmd);
  }
  for (const cmd of ['relay hook claude --verbose', 'my-relay hook claude', 'relay hook codex', 'echo "relay hook claude"x', 'relayd hook claude', 42, null]) {
    assert.equal(isRelayHookCommand(cmd, 'claude'), false, String(cmd));
  }
  assert.ok(isRelayHandler({ type: 'command', command: 'relay hook gemini' }, 'gemini'));
  assert.equal(isRelayHandler({ type: 'prompt', command: 'relay hook gemini' }, 'gemini'), false);
});

test('the written command runs `relay hook` through sh: Claude\'s StopFailure payload reaches the spool, stdout stays empty', () => {
  const dir = makeTempDir('hookcmd');
  try {
    const relayHome = join(dir, 'home with space');
    const command = relayHookCommand({ node: process.execPath, cliEntry: CLI_ENTRY, relayHome }, 'claude');
    const payload = readFileSync(join(HOMES_DIR, '..', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json'));
    const r = spawnSync('/bin/sh', ['-c', command], { input: payload, env: { PATH: '/nonexistent' }, timeout: 15_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.length, 0, 'a hook prints nothing (Gemini reads stdout as JSON)');
    const spooled = readFileSync(join(relayHome, 'spool', 'hooks.jsonl'), 'utf8').trim();
    const ev = JSON.parse(spooled) as { agent: string; event: string; limit?: { severity: string } };
    assert.equal(ev.agent, 'claude');
    assert.equal(ev.event, 'StopFailure');
    assert.equal(ev.limit?.severity, 'limit');
  } finally {
    removeTempDir(dir);
  }
});
