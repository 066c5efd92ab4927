import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { claudeDescriptor } from '../../src/adapters/claude.js';
import { codexDescriptor } from '../../src/adapters/codex.js';
import { geminiDescriptor } from '../../src/adapters/gemini.js';
import { opencodeDescriptor } from '../../src/adapters/opencode.js';
import { promptArgument } from '../../src/adapters/promptArgument.js';
import { descriptorOf } from '../../src/adapters/registry.js';
import { isAlive } from '../../src/platform/processTree.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';

const FAKE_DIR = fileURLToPath(new URL('../fixtures/fake-agents', import.meta.url));
const SAMPLES = join(FAKE_DIR, 'samples');
const FIXTURE_HOME = fileURLToPath(new URL('../fixtures/transcripts/home', import.meta.url));
const MOCK = 'MOCK_OK: hello from the mock provider.';
type Kind = 'claude' | 'codex' | 'gemini' | 'opencode';
const KINDS: readonly Kind[] = ['claude', 'codex', 'gemini', 'opencode'];

/** One section (`stdout.txt`, `stderr.txt`) of a recorded real run. */
function sampleSection(file: string, section: 'stdout.txt' | 'stderr.txt'): string {
  const text = readFileSync(join(SAMPLES, file), 'utf8');
  const start = text.indexOf(`===== ${section}\n`) + section.length + 7;
  return text.slice(start, text.indexOf('\n===== ', start));
}

/** The line of a recorded real screen that contains `needle`, without trailing blanks. */
function screenLine(file: string, needle: string): string {
  const line = readFileSync(join(SAMPLES, file), 'utf8').split('\n').find((l) => l.includes(needle));
  assert.ok(line, `${needle} in ${file}`);
  return line.trimEnd();
}

const withoutStartupNoise = (s: string): string =>
  s
    .split('\n')
    .filter((l) => !l.startsWith('[STARTUP]'))
    .join('\n');

interface World {
  root: string;
  cwd: string;
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  start(command: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe' }): Fake;
}

interface Fake {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A temp dir and a PATH with the fake agents first. After the test: every fake started has
 * exited on its own (else it is killed and the test fails), and the dir is gone.
 */
function world(t: TestContext): World {
  const root = makeTempDir('fakes');
  const cwd = join(root, 'work');
  mkdirSync(cwd);
  const children: ChildProcess[] = [];
  t.after(() => {
    const alive = children.filter((c) => c.pid !== undefined && isAlive(c.pid));
    for (const c of alive) c.kill('SIGKILL');
    removeTempDir(root);
    assert.deepEqual(
      alive.map((c) => c.pid),
      [],
      'fake agents left running',
    );
  });
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(base)) if (/^(FAKE_AGENT_|CLAUDE_|CODEX_|GEMINI_)/.test(k)) delete base[k];
    return { ...base, HOME: join(root, 'home'), PATH: `${FAKE_DIR}${delimiter}${process.env.PATH ?? ''}`, FAKE_AGENT_DELAY_MS: '1', ...extra };
  };
  return {
    root,
    cwd,
    env,
    start(command, args, opts = {}) {
      const child = spawn(command, args, { cwd, env: opts.env ?? env(), stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on('close', (code, signal) => resolve({ code, signal })),
      );
      return { child, stdout: () => out, stderr: () => err, exited };
    },
  };
}

const fakeEnv = (w: World, scenario: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv =>
  w.env({ FAKE_AGENT_SCRIPT: scenario, ...extra });

test('limit-exit: each fake prints its CLI’s real headless limit output byte for byte, exit 1', async (t) => {
  const w = world(t);
  const run = async (kind: Kind) => {
    const f = w.start(kind, [], { env: fakeEnv(w, 'limit-exit') });
    return { ...(await f.exited), stdout: f.stdout(), stderr: f.stderr() };
  };

  const claude = await run('claude');
  assert.deepEqual([claude.code, claude.stdout], [1, sampleSection('claude-oauth-usage-text.txt', 'stdout.txt')]);

  const codex = await run('codex');
  const codexReal = sampleSection('codex-usage-plan-pro.txt', 'stderr.txt');
  assert.equal(codex.code, 1);
  assert.match(codex.stderr, /^ERROR: You’ve hit your usage limit\./);
  assert.ok(codexReal.endsWith(codex.stderr), `real codex stderr ends with the fake's:\n${codex.stderr}`);

  const gemini = await run('gemini');
  assert.deepEqual([gemini.code, gemini.stderr], [1, withoutStartupNoise(sampleSection('gemini-quota-model.txt', 'stderr.txt'))]);
  assert.match(gemini.stderr, /TerminalQuotaError: You have exhausted your daily quota on this model\./);

  const opencode = await run('opencode');
  assert.deepEqual([opencode.code, opencode.stderr], [1, sampleSection('opencode-429.txt', 'stderr.txt')]);
  assert.ok(opencode.stderr.includes('\x1b[91m\x1b[1mError: \x1b[0mRate limit reached for gpt-mock'));
});

test('limit: the interactive limit screen, then the fake waits like the real CLI until /exit', async (t) => {
  const w = world(t);
  const expected: Record<Kind, string[]> = {
    claude: [
      screenLine('claude-oauth-usage.screen.txt', "You've hit your session limit"),
      screenLine('claude-oauth-usage.screen.txt', 'What do you want to do?'),
      screenLine('claude-oauth-usage.screen.txt', 'Stop and wait for limit to reset'),
      screenLine('claude-oauth-usage.screen.txt', 'Upgrade your plan'),
      screenLine('claude-oauth-usage.screen.txt', 'Enter to confirm'),
    ],
    codex: [screenLine('codex-usage.screen.txt', 'You’ve hit your usage limit'), screenLine('codex-usage.screen.txt', 'Approaching rate limits')],
    // The box is as wide as the terminal; its text is the same.
    gemini: [
      screenLine('gemini-429-longdelay.screen.txt', 'Usage limit reached for').replace(/\s+│$/, ''),
      screenLine('gemini-429-longdelay.screen.txt', 'Access resets at').replace(/\s+│$/, ''),
      screenLine('gemini-429-longdelay.screen.txt', 'Keep trying').replace(/\s+│$/, ''),
    ],
    // The TUI shows a side panel to the right; the message column is the same.
    opencode: [
      screenLine('opencode-429.screen.txt', 'Rate limit reached for').replace(/\s{3,}\S+( \S+)*$/, ''),
      screenLine('opencode-429.screen.txt', 'rate-limits to learn more').replace(/\s{3,}\S+( \S+)*$/, ''),
    ],
  };
  for (const kind of KINDS) {
    const f = w.start(kind, [], { env: fakeEnv(w, 'limit'), stdin: 'pipe' });
    const lines = () => f.stdout().split('\n');
    for (const line of expected[kind]) {
      await waitFor(() => lines().some((l) => l.startsWith(line)), `${kind}: ${line}`);
    }
    assert.equal(f.child.exitCode, null, `${kind} keeps running at its limit`);
    f.child.stdin?.write('still there?\n');
    await waitFor(() => f.stdout().includes('you said: still there?'), `${kind} answers`);
    f.child.stdin?.end('/exit\n');
    assert.deepEqual(await f.exited, { code: 0, signal: null });
  }
  assert.ok(expected.gemini[0]?.startsWith('│ Usage limit reached for gemini-2.5-flash.'));
  assert.ok(expected.opencode[0]?.endsWith('Please try again in 2s. Visit'));
});

test('retry429: the real early-warning lines, capped as configured, then the real final error', async (t) => {
  const w = world(t);
  const claude = w.start('claude', [], { env: fakeEnv(w, 'retry429', { CLAUDE_CODE_MAX_RETRIES: '2' }) });
  assert.equal((await claude.exited).code, 1);
  const retryShape = /^✻ API error · Retrying in \d+s · attempt (\d+)\/(\d+)$/;
  assert.match(screenLine('claude-apikey-429.screen.txt', 'Retrying in'), retryShape, 'the shape is the real one');
  const retries = claude.stdout().split('\n').filter((l) => retryShape.test(l));
  assert.deepEqual(
    retries.map((l) => retryShape.exec(l)?.slice(1, 3).join('/')),
    ['1/2', '2/2'],
  );
  assert.ok(claude.stdout().endsWith(sampleSection('claude-429-r2-text.txt', 'stdout.txt')));

  const codex = w.start('codex', ['exec', 'Say hello'], { env: fakeEnv(w, 'retry429') });
  assert.equal((await codex.exited).code, 1);
  const codexReal = sampleSection('codex-429.txt', 'stderr.txt');
  assert.equal(codex.stderr(), codexReal.slice(codexReal.indexOf('ERROR: Reconnecting... 1/5')));

  const capped = w.start('codex', ['-c', 'model_providers.mock.stream_max_retries=1', 'hi'], { env: fakeEnv(w, 'retry429') });
  await capped.exited;
  assert.match(capped.stderr(), /^ERROR: Reconnecting\.\.\. 1\/1\nERROR: exceeded retry limit/);

  // The real run had general.maxAttempts = 2 in its settings.
  mkdirSync(join(w.root, 'home', '.gemini'), { recursive: true });
  writeFileSync(join(w.root, 'home', '.gemini', 'settings.json'), '{"general":{"maxAttempts":2}}');
  const gemini = w.start('gemini', [], { env: fakeEnv(w, 'retry429') });
  assert.equal((await gemini.exited).code, 1);
  assert.equal(gemini.stderr(), withoutStartupNoise(sampleSection('gemini-429-stream-max2.txt', 'stderr.txt')));

  const opencode = w.start('opencode', [], { env: fakeEnv(w, 'retry429') });
  assert.equal((await opencode.exited).code, 1);
  assert.match(opencode.stdout(), /\[retrying in 1s attempt #2\]/);
  assert.equal(opencode.stderr(), sampleSection('opencode-429.txt', 'stderr.txt'));
});

test('a launch spec starts the fake the real way and the fake receives the whole snapshot', async (t) => {
  const w = world(t);
  const log = join(w.root, 'agents.jsonl');
  // Over the argv cap, with a line that only the tail keeps.
  const snapshot = `# Relay handoff\n\nTask: fix the flaky test\n\n${'context line\n'.repeat(12_000)}\n## Next\nrun npm test\n`;
  const expectedArg = promptArgument(snapshot);
  for (const kind of KINDS) {
    const spec = descriptorOf(kind).launch({ prompt: snapshot, cwd: w.cwd, agentSession: '6a0c4c1e-8d1f-4a53-9d5e-1b2f3c4d5e6f' });
    const f = w.start(spec.command, spec.args, { env: fakeEnv(w, 'ok', { ...spec.env, FAKE_AGENT_LOG: log }) });
    assert.deepEqual(await f.exited, { code: 0, signal: null }, f.stderr());
    assert.ok(f.stdout().includes(`PROMPT: ${expectedArg.slice(0, 200).replaceAll('\n', '\\n')}\n`), kind);
  }
  const starts = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { kind: string; prompt: string; headless: boolean; env: Record<string, string>; sessionId: string });
  assert.deepEqual(
    starts.map((s) => s.kind),
    [...KINDS],
  );
  for (const s of starts) {
    assert.equal(s.prompt, expectedArg, `${s.kind} got the snapshot`);
    assert.ok(s.prompt.endsWith('## Next\nrun npm test\n'));
    assert.equal(s.headless, false, `${s.kind} runs interactively`);
  }
  assert.equal(starts[0]?.env.CLAUDE_CODE_MAX_RETRIES, '2');
  assert.equal(starts[0]?.sessionId, '6a0c4c1e-8d1f-4a53-9d5e-1b2f3c4d5e6f', 'claude got --session-id');
  assert.equal(starts[2]?.sessionId, '6a0c4c1e-8d1f-4a53-9d5e-1b2f3c4d5e6f', 'gemini got --session-id');
});

test('an unattended handoff to codex does not stall at "Hooks need review" after relay install added hooks', async (t) => {
  const w = world(t);
  const codexHome = join(w.root, 'home', '.codex');
  mkdirSync(codexHome, { recursive: true });
  const hooks = { hooks: { SessionEnd: [{ hooks: [{ type: 'command', command: '/usr/bin/node /opt/relay/bin/relay.js hook codex', timeout: 3 }] }] } };
  writeFileSync(join(codexHome, 'hooks.json'), JSON.stringify(hooks));
  const toml = '# mine\nmodel = "o3"\n';
  writeFileSync(join(codexHome, 'config.toml'), toml);

  // Like the real one, the fake stops at the review until a key is pressed ("2": trust all).
  const plain = w.start('codex', ['fix the bug'], { env: fakeEnv(w, 'ok'), stdin: 'pipe' });
  await waitFor(() => plain.stdout().includes('Hooks need review'), 'the review screen');
  assert.equal(plain.stdout().includes('PROMPT:'), false, 'nothing runs until a key is pressed');
  plain.child.stdin?.write('2');
  await waitFor(() => plain.stdout().includes('PROMPT: fix the bug'), 'codex goes on after the key');
  plain.child.stdin?.end('/exit\n');
  assert.deepEqual(await plain.exited, { code: 0, signal: null });
  assert.match(readFileSync(join(codexHome, 'config.toml'), 'utf8'), /\[hooks\.state\.".*hooks\.json:session_end:0:0"\]\ntrusted_hash = /);

  // What Relay starts for a handoff gets on with the snapshot with nobody at the keyboard.
  writeFileSync(join(codexHome, 'config.toml'), toml);
  const spec = codexDescriptor.launch({ prompt: 'continue the task', cwd: w.cwd });
  const handoff = w.start(spec.command, spec.args, { env: fakeEnv(w, 'ok', spec.env), stdin: 'pipe' });
  await waitFor(() => handoff.stdout().includes('PROMPT: continue the task'), 'the handoff prompt is taken without a key press');
  assert.equal(handoff.stdout().includes('Hooks need review'), false);
  handoff.child.stdin?.end('/exit\n');
  assert.deepEqual(await handoff.exited, { code: 0, signal: null });
  assert.equal(readFileSync(join(codexHome, 'config.toml'), 'utf8'), toml, 'nothing trusted behind the user\'s back');
});

test('fake transcripts are the real formats: each adapter reads back the prompt and the reply', async (t) => {
  const w = world(t);
  const home = join(w.root, 'home');
  const log = join(w.root, 'agents.jsonl');
  const env = fakeEnv(w, 'ok', { FAKE_AGENT_TRANSCRIPT_HOME: home, FAKE_AGENT_LOG: log });
  for (const kind of KINDS) {
    const spec = descriptorOf(kind).launch({ prompt: `task for ${kind}`, cwd: w.cwd });
    const f = w.start(spec.command, spec.args, { env, stdin: 'pipe' });
    await waitFor(() => f.stdout().includes('> '), `${kind} idle`);
    f.child.stdin?.end('and one more thing\n');
    assert.equal((await f.exited).code, 0);
  }
  const sessions = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { sessionId: string }).sessionId);
  const q = { cwd: w.cwd, home, env: { PATH: w.env().PATH }, limit: 10 };
  for (const [i, adapter] of [claudeDescriptor, codexDescriptor, geminiDescriptor, opencodeDescriptor].entries()) {
    // OpenCode can only be asked by id; the others are found as the newest session of the cwd.
    const turns = await adapter.readTranscript(adapter.kind === 'opencode' ? { ...q, agentSession: sessions[i] } : q);
    assert.deepEqual(
      turns.map(({ role, text }) => ({ role, text })),
      [
        { role: 'user', text: `task for ${adapter.kind}` },
        { role: 'assistant', text: MOCK },
      ],
      adapter.kind,
    );
  }

  // A limited turn leaves the CLI's own record of why.
  const limited = w.start('claude', ['--session-id', '0b5c3a52-5f54-4e4b-9e0e-3c7a1d2b4e6f', 'go'], {
    env: fakeEnv(w, 'limit-exit', { FAKE_AGENT_TRANSCRIPT_HOME: home }),
  });
  await limited.exited;
  const why = await claudeDescriptor.readTranscript({ ...q, agentSession: '0b5c3a52-5f54-4e4b-9e0e-3c7a1d2b4e6f' });
  assert.equal(why.at(-1)?.text, "You've hit your session limit · resets 11:14am (UTC)");
});

test('opencode: readTranscript asks `opencode export <id>` (the fake serves the real sample)', async (t) => {
  const w = world(t);
  const turns = await opencodeDescriptor.readTranscript({
    cwd: w.cwd,
    home: FIXTURE_HOME,
    env: { PATH: w.env().PATH },
    agentSession: 'ses_e0262a2f5ffeD3MMLOJgMbRHsk',
    limit: 10,
  });
  // OpenCode 1.18 really stored the quotes `run` added around a positional with spaces.
  assert.deepEqual(
    turns.map(({ role, text }) => ({ role, text })),
    [
      { role: 'user', text: '"first prompt: remember PINEAPPLE"' },
      { role: 'assistant', text: MOCK },
      { role: 'user', text: '"second prompt: what word?"' },
      { role: 'assistant', text: MOCK },
      { role: 'user', text: 'third via stdin' },
      { role: 'assistant', text: MOCK },
    ],
  );
  assert.equal(turns[0]?.at, 1795256311125);
  const unknown = await opencodeDescriptor.readTranscript({ cwd: w.cwd, home: FIXTURE_HOME, env: { PATH: w.env().PATH }, agentSession: 'ses_missing', limit: 10 });
  assert.deepEqual(unknown, []);
});

test('an unknown CLI takes its first prompt typed; a bracketed paste is one prompt', async (t) => {
  const w = world(t);
  const log = join(w.root, 'agents.jsonl');
  const f = w.start(process.execPath, [join(FAKE_DIR, 'fake-agent.mjs')], { env: fakeEnv(w, 'ok', { FAKE_AGENT_LOG: log }), stdin: 'pipe' });
  await waitFor(() => f.stdout().includes('> '), 'idle prompt');
  f.child.stdin?.write('\x1b[200~# Handoff\nline two\x1b[201~\r');
  await waitFor(() => f.stdout().includes('PROMPT: # Handoff\\nline two\n'), 'the pasted prompt');
  f.child.stdin?.write('next\n');
  await waitFor(() => f.stdout().includes('you said: next'), 'a later line');
  f.child.stdin?.end();
  assert.equal((await f.exited).code, 0);
  const entries = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; kind: string; prompt: string | null });
  assert.deepEqual(
    entries.map((e) => [e.event, e.kind, e.prompt]),
    [
      ['start', 'cli', null],
      ['prompt', 'cli', '# Handoff\nline two'],
    ],
  );
});

/** Renders raw terminal output and returns the screen's lines. */
async function render(raw: string, cols: number, rows: number): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(raw, resolve));
  const buf = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
  term.dispose();
  return lines;
}

test('fullscreen: blocks until the terminal answers, then draws the limit with cursor moves', async (t) => {
  const w = world(t);
  const f = w.start('codex', ['the task'], { env: fakeEnv(w, 'fullscreen', { COLUMNS: '120' }), stdin: 'pipe' });
  await waitFor(() => f.stdout().endsWith('\x1b[6n'), 'a cursor position query');
  // Nothing may follow an unanswered query: other input reaches the agent, and it still waits.
  f.child.stdin?.write('z');
  await waitFor(() => f.stderr().includes('still waiting for a terminal reply (1 chars read)'), 'the agent reading input while it waits');
  assert.ok(f.stdout().endsWith('\x1b[6n'), 'waits for the cursor report');
  f.child.stdin?.write('\x1b[1;1R');
  await waitFor(() => f.stdout().endsWith('\x1b[c'), 'a device attributes query');
  f.child.stdin?.write('z');
  await waitFor(() => /still waiting for a terminal reply \(1 chars read\)[^]*still waiting for a terminal reply \(1 chars read\)/.test(f.stderr()), 'the agent reading input while it waits again');
  assert.ok(f.stdout().endsWith('\x1b[c'), 'waits for the attributes');
  f.child.stdin?.write('\x1b[?1;2c');
  const real = screenLine('codex-usage.screen.txt', 'You’ve hit your usage limit');
  // Wrapped at the terminal width, as the real TUI does: the screen rows joined give the sentence.
  const shownText = async (): Promise<string> => (await render(f.stdout(), 120, 40)).join('\n');
  await waitFor(async () => (await shownText()).includes('enter select · esc back'), 'the drawn screen');

  const raw = f.stdout();
  assert.ok(raw.startsWith('\x1b[?1049h'), 'alternate screen');
  assert.ok(!raw.includes('You’ve hit your usage limit'), 'the sentence never appears whole in the bytes');
  const shown = await shownText();
  assert.ok(shown.replace(/\s*\n/g, ' ').includes(real), shown);

  f.child.stdin?.write('/exit\n');
  assert.deepEqual(await f.exited, { code: 0, signal: null });
  assert.ok(f.stdout().endsWith('\x1b[?1049l'), 'leaves the alternate screen');
});

test('fullscreen under a real PTY: a screen model that answers queries unblocks it', async (t) => {
  const w = world(t);
  const term = new xterm.Terminal({ cols: 100, rows: 30, allowProposedApi: true });
  const child = pty.spawn(join(FAKE_DIR, 'claude'), ['fix it'], {
    cols: 100,
    rows: 30,
    cwd: w.cwd,
    env: fakeEnv(w, 'fullscreen') as Record<string, string>,
  });
  const exited = new Promise<number>((resolve) => child.onExit((e) => resolve(e.exitCode)));
  t.after(() => {
    if (isAlive(child.pid)) child.kill('SIGKILL');
    term.dispose();
  });
  child.onData((d) => term.write(d));
  // The screen model's replies go back to the program, as the daemon does while detached.
  term.onData((d) => child.write(d));
  const screen = (): string[] => {
    const buf = term.buffer.active;
    return Array.from({ length: term.rows }, (_, i) => buf.getLine(i)?.translateToString(true) ?? '');
  };
  const real = screenLine('claude-oauth-usage.screen.txt', "You've hit your session limit");
  await waitFor(() => screen().includes(real), 'the limit line on the screen');
  assert.ok(screen().includes(screenLine('claude-oauth-usage.screen.txt', 'What do you want to do?')));
  child.write('/exit\r');
  assert.equal(await exited, 0);
  assert.equal(isAlive(child.pid), false);
});

test('crash, flood and echo behave as documented', async (t) => {
  const w = world(t);
  const crash = w.start('gemini', [], { env: fakeEnv(w, 'crash') });
  assert.deepEqual(await crash.exited, { code: 3, signal: null });
  const segv = w.start('gemini', [], { env: fakeEnv(w, 'crash', { FAKE_AGENT_CRASH: 'segv' }) });
  assert.deepEqual(await segv.exited, { code: null, signal: 'SIGSEGV' });

  const flood = w.start('codex', [], { env: fakeEnv(w, 'flood', { FAKE_AGENT_BYTES: '3000001' }) });
  assert.deepEqual(await flood.exited, { code: 0, signal: null });
  assert.equal(Buffer.byteLength(flood.stdout()), 3_000_001);
  assert.ok(!/limit|quota|error/i.test(flood.stdout()), 'plain output only');

  const echo = w.start('claude', [], { env: fakeEnv(w, 'echo'), stdin: 'pipe' });
  echo.child.stdin?.write('a');
  await waitFor(() => echo.stdout() === 'a', 'first byte back');
  echo.child.stdin?.write('bc\x1b[A');
  await waitFor(() => echo.stdout() === 'abc\x1b[A', 'the rest back');
  echo.child.stdin?.end();
  assert.deepEqual(await echo.exited, { code: 0, signal: null });
});
