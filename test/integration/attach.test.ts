/**
 * `relay wrap` and `relay attach` on a real terminal: each runs inside a PTY the test owns, and
 * what they print is rendered by @xterm/headless, so assertions are about the screen a user
 * sees. Detach leaves the agent running; attach redraws its screen; window size changes reach it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { waitFor } from '../helpers/waitFor.js';
import {
  agentEnv,
  alive,
  inTempHome,
  plain,
  psAgents,
  PTY_PROBE,
  startRelayPty,
  stopDaemonAndAssertGone,
  WAIT_MS,
  workDir,
  type PtyRelay,
} from '../helpers/relayWorld.js';

const onScreen = async (p: PtyRelay, text: string): Promise<boolean> => (await p.screen()).some((l) => l.includes(text));

async function waitScreen(p: PtyRelay, text: string): Promise<void> {
  await waitFor(() => onScreen(p, text), `"${text}" on the screen`, WAIT_MS).catch(async (e: Error) => {
    throw new Error(`${e.message}; the screen:\n${(await p.screen()).join('\n')}`);
  });
}

/** The detach key ends `relay wrap`/`attach` with exit 0 and the notice naming the agent. */
async function detach(p: PtyRelay, key: string, agent: string, keyName: string): Promise<void> {
  p.write(key);
  const exit = await p.exited;
  assert.equal(exit.exitCode, 0, `exit after detaching; output:\n${plain(p.raw())}`);
  const notice = plain(p.raw());
  assert.match(notice, new RegExp(`\\[relay\\] detached from ${agent}; it keeps running \\(relay attach ${agent} returns, ${keyName.replace(/[\]\\^+]/g, '\\$&')} detaches\\)`), notice);
}

test('detach leaves the agent running; relay attach redraws its screen and types into it', async () => {
  await inTempHome(async (h) => {
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT: 'ok' });
    const wrap = startRelayPty(['wrap', '--', 'claude'], env, workDir(h));
    await waitScreen(wrap, 'Claude Code v2.1.197 (fake agent)');
    // Typed at the terminal: the fake takes its first prompt from the keyboard.
    wrap.write('remember the marker ZQX-4711\r');
    await waitScreen(wrap, 'PROMPT: remember the marker ZQX-4711');
    await waitScreen(wrap, 'MOCK_OK: hello from the mock provider.');
    await detach(wrap, '\x1d', 'claude-1', 'Ctrl+]');

    const [agent] = await psAgents(h);
    assert.equal(agent?.id, 'claude-1');
    assert.ok(agent.state === 'running' || agent.state === 'idle', agent.state);
    assert.equal(agent.exit, null);
    assert.equal(agent.attached, 0, 'nobody attached after detach');
    assert.ok(agent.pid && alive(agent.pid), 'the agent process is alive');

    // A new terminal: before anything is typed, it shows the agent's screen.
    const att = startRelayPty(['attach', 'claude-1'], env, workDir(h));
    await waitScreen(att, 'PROMPT: remember the marker ZQX-4711');
    const screen = await att.screen();
    assert.ok(screen.some((l) => l.includes('Claude Code v2.1.197 (fake agent)')), screen.join('\n'));
    assert.ok(screen.some((l) => l.includes('MOCK_OK: hello from the mock provider.')), screen.join('\n'));
    assert.equal((await psAgents(h))[0]?.attached, 1, 'attached');

    att.write('and a second line\r');
    await waitScreen(att, 'you said: and a second line');
    await detach(att, '\x1d', 'claude-1', 'Ctrl+]');

    const [still] = await psAgents(h);
    assert.equal(still?.exit, null, 'still running after the second detach');
    assert.ok(alive(agent.pid));
    await stopDaemonAndAssertGone(h, [agent.pid]);
  });
});

test('window size: the wrapped program sees the terminal size and every resize; attach brings its own size; the detach key is configurable', async () => {
  await inTempHome(async (h) => {
    mkdirSync(h.home, { recursive: true, mode: 0o700 });
    writeFileSync(h.paths.config, 'wrap:\n  detachKey: ctrl-g\n', { mode: 0o600 });
    const env = agentEnv(h);
    const wrap = startRelayPty(['wrap', '--', process.execPath, PTY_PROBE, 'size'], env, workDir(h), 100, 30);
    await waitScreen(wrap, 'size 100x30');
    wrap.resize(120, 40);
    await waitScreen(wrap, 'size 120x40');
    wrap.resize(90, 25);
    await waitScreen(wrap, 'size 90x25');
    // With ctrl-g configured, Ctrl+] is an ordinary key: it reaches the program (the PTY echoes it).
    wrap.write('\x1d');
    await waitFor(() => wrap.raw().includes('^]'), 'Ctrl+] to reach the program', WAIT_MS);
    await detach(wrap, '\x07', 'node-1', 'Ctrl+g');

    const [agent] = await psAgents(h);
    assert.equal(agent?.id, 'node-1');
    assert.ok(agent.pid && alive(agent.pid));

    // A terminal of another size attaches: the program is told the new size.
    const att = startRelayPty(['attach', 'node-1'], env, workDir(h), 110, 35);
    await waitFor(() => att.raw().includes('size 110x35'), 'the attaching terminal size to reach the program', WAIT_MS);
    att.resize(132, 43);
    await waitScreen(att, 'size 132x43');
    await detach(att, '\x07', 'node-1', 'Ctrl+g');
    await stopDaemonAndAssertGone(h, [agent.pid]);
  });
});

test('after a handoff the terminal follows the new agent; detach names it; attach to the parked one shows its limit screen', async () => {
  await inTempHome(async (h) => {
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT_CLAUDE: 'limit', FAKE_AGENT_SCRIPT_CODEX: 'ok' });
    const wrap = startRelayPty(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));
    await waitScreen(wrap, 'PROMPT: # Relay handoff');
    await waitScreen(wrap, 'OpenAI Codex (v0.169.0) (fake agent)');
    await detach(wrap, '\x1d', 'codex-1', 'Ctrl+]');

    const agents = new Map((await psAgents(h)).map((a) => [a.id, a]));
    assert.equal(agents.get('claude-1')?.state, 'parked');
    const att = startRelayPty(['attach', 'claude-1'], env, workDir(h));
    await waitScreen(att, "You've hit your session limit · resets 11:14am (UTC)");
    await waitScreen(att, 'What do you want to do?');
    await detach(att, '\x1d', 'claude-1', 'Ctrl+]');
    assert.equal((await psAgents(h)).find((a) => a.id === 'claude-1')?.state, 'parked', 'looking at it does not wake it');
    await stopDaemonAndAssertGone(h, [agents.get('claude-1')!.pid!, agents.get('codex-1')!.pid!]);
  });
});

test('regression: on a terminal the one-line handoff banner stays visible (the redraw of the next agent erased it)', async () => {
  // src/cli/terminalClient.ts wrote the banner, then switchTo() → attach(id, false) wrote
  // ESC[H ESC[2J and the next agent's screen, so the banner was gone within milliseconds.
  await inTempHome(async (h) => {
    const env = agentEnv(h, { FAKE_AGENT_SCRIPT_CLAUDE: 'limit', FAKE_AGENT_SCRIPT_CODEX: 'ok' });
    const wrap = startRelayPty(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));
    await waitScreen(wrap, 'MOCK_OK: hello from the mock provider.');
    assert.ok(plain(wrap.raw()).includes('[relay] claude-1 hit its limit: handed off to codex-1'), 'the banner was written');
    const screen = await wrap.screen();
    assert.deepEqual(
      screen.filter((l) => l.includes('[relay]')).map((l) => l.trimEnd()),
      ['[relay] claude-1 hit its limit: handed off to codex-1'],
      `the screen the user sees:\n${screen.join('\n')}`,
    );
  });
});
