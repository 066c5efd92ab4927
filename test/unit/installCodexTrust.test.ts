/** Removing Codex's trust of Relay's hooks from config.toml (src/install/codexHookTrust.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { relayTrustKeys, removeTrustTables, snakeEvent } from '../../src/install/codexHookTrust.js';

const REAL = readFileSync(new URL('../fixtures/codex-trust/config.trusted-by-codex-0.169.0.toml', import.meta.url), 'utf8');
const HOOKS_FILE = '/home/dev/.codex/hooks.json';
const relay = (h: unknown): boolean => typeof (h as { command?: unknown }).command === 'string' && (h as { command: string }).command.endsWith('hook codex');

test('the trust tables real Codex 0.169.0 wrote for Relay\'s four hooks are removed with their [hooks.state], and nothing else', () => {
  const hooks = { hooks: Object.fromEntries(['SessionStart', 'SessionEnd', 'UserPromptSubmit', 'Stop'].map((e) => [e, [{ hooks: [{ type: 'command', command: 'relay.js hook codex' }] }]])) };
  const keys = relayTrustKeys(hooks, HOOKS_FILE, relay);
  assert.ok(keys.has(`${HOOKS_FILE}:user_prompt_submit:0:0`));
  const out = removeTrustTables(REAL, keys);
  assert.equal(out, REAL.slice(0, REAL.indexOf('\n[hooks.state]\n')));
  assert.match(out, /\[projects\."\/home\/dev\/project"\]\ntrust_level = "trusted"\n$/);
});

test("a user's comments, other tables and other trusted hooks stay byte for byte", () => {
  const text = [
    '# my codex config',
    'model = "o3"   # fast enough',
    '',
    '[hooks.state]',
    '',
    '# trusted by me',
    '[hooks.state."/home/dev/.codex/hooks.json:pre_tool_use:0:0"]',
    'trusted_hash = "sha256:11"',
    '',
    "[hooks.state.'/home/dev/.codex/hooks.json:stop:1:0']",
    'trusted_hash = "sha256:22"',
    '',
    '# about the next table',
    '[mcp_servers.docs]',
    'description = """',
    '[hooks.state."/home/dev/.codex/hooks.json:stop:1:0"]',
    '"""',
    '',
  ].join('\n');
  const out = removeTrustTables(text, new Set([`${HOOKS_FILE}:stop:1:0`]));
  assert.equal(out, text.replace(`\n[hooks.state.'/home/dev/.codex/hooks.json:stop:1:0']\ntrusted_hash = "sha256:22"\n`, ''));
  assert.equal(removeTrustTables(text, new Set(['/elsewhere/hooks.json:stop:1:0'])), text, 'another hooks.json: untouched');
});

test('Codex spells events in snake_case in its trust keys', () => {
  assert.equal(snakeEvent('UserPromptSubmit'), 'user_prompt_submit');
  assert.equal(snakeEvent('SessionEnd'), 'session_end');
  assert.equal(snakeEvent('Stop'), 'stop');
});

test('a re-install over an older Relay install asks Codex for SessionEnd timeout 3, the most it allows without a warning', async () => {
  const { codexInstaller } = await import('../../src/install/codexInstaller.js');
  const hook = { node: '/usr/bin/node', cliEntry: '/opt/relay/bin/relay.js' };
  const command = "'/usr/bin/node' '/opt/relay/bin/relay.js' hook codex".replaceAll("'", '');
  // What Relay wrote before: SessionEnd and Stop, both with timeout 10.
  const older = Buffer.from(`${JSON.stringify({ hooks: { SessionEnd: [{ hooks: [{ type: 'command', command, timeout: 10 }] }], Stop: [{ hooks: [{ type: 'command', command, timeout: 10 }] }] } }, null, 2)}\n`);
  const plan = codexInstaller.planInstall('/nonexistent/.codex/hooks.json', older, hook, '0.169.0');
  const doc = JSON.parse(plan.change.after!.toString('utf8')) as { hooks: Record<string, [{ hooks: [{ timeout: number }] }]> };
  assert.equal(doc.hooks.SessionEnd![0].hooks[0].timeout, 3);
  assert.equal(doc.hooks.Stop![0].hooks[0].timeout, 10);
  assert.deepEqual(Object.keys(doc.hooks).sort(), ['SessionEnd', 'SessionStart', 'Stop', 'UserPromptSubmit']);
  assert.match(plan.change.summary, /^hooks updated/);
});
