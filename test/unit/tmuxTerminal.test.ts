/**
 * test/helpers/tmuxTerminal.ts against small real programs: what is typed, sent as keys or pasted
 * reaches the program byte for byte; Chinese text survives the screen; a resize reaches the
 * program; exit codes and signals are reported; the environment is exactly the one given; and
 * close() leaves no server, socket, temp dir or program behind.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { test, type TestContext } from 'node:test';
import { assertNothingLeft, DEFAULT_TERM, TmuxTerminal, tmuxUnavailableReason, type TmuxTerminalOptions } from '../helpers/tmuxTerminal.js';
import { tempDir } from '../helpers/tempDir.js';

const skip = tmuxUnavailableReason();

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/**
 * Raw mode, bracketed paste on, then after every chunk of input a fresh screen with the count
 * and hash of all bytes so far (a long paste is checked whole without fitting on the screen)
 * and the last bytes as JSON (to see which keys came).
 */
const KEY_ECHO = `
const { createHash } = require('node:crypto');
let got = Buffer.alloc(0);
process.stdin.setRawMode(true);
const show = () => process.stdout.write('\\x1b[2J\\x1b[H' + 'bytes=' + got.length + ' sha=' + createHash('sha256').update(got).digest('hex').slice(0, 16) + '\\r\\ntail=' + JSON.stringify(got.subarray(-24).toString('latin1')) + '\\r\\n');
process.stdin.on('data', (d) => { got = Buffer.concat([got, d]); show(); });
process.stdout.write('\\x1b[?2004h');
show();
process.stdout.write('READY\\r\\n');
`;

/** Prints its size at start and on every SIGWINCH. */
const SIZE_REPORT = `
const show = () => console.log('size ' + process.stdout.columns + 'x' + process.stdout.rows);
process.stdout.on('resize', show);
show();
setInterval(() => {}, 60_000);
`;

function programEnv(home: string): Record<string, string> {
  return { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: home, LANG: 'C.UTF-8' };
}

/** A terminal running `node -e script`, closed (and checked clean) when the test ends. */
async function nodeTerminal(t: TestContext, script: string, extra: Partial<TmuxTerminalOptions> = {}, args: string[] = []): Promise<TmuxTerminal> {
  const home = tempDir(t, 'tmh');
  const term = await TmuxTerminal.start({ argv: [process.execPath, '-e', script, ...args], cwd: home, env: programEnv(home), ...extra });
  t.after(async () => {
    await term.close();
    assertNothingLeft(term);
  });
  return term;
}

/** What the key-echo program shows once it has received exactly `bytes`. */
const received = (bytes: Buffer): string => `bytes=${bytes.length} sha=${sha(bytes)}`;

test('typed text and named keys reach the program as a terminal sends them', { skip }, async (t) => {
  const term = await nodeTerminal(t, KEY_ECHO);
  await term.waitFor('READY');
  await term.type('hello 世界;');
  await term.sendKeys('C-p', 'Escape', 'Enter', 'Tab', 'Up', 'BSpace');
  const expected = Buffer.concat([Buffer.from('hello 世界;'), Buffer.from('\x10\x1b\r\t\x1b[A\x7f', 'latin1')]);
  const screen = await term.waitFor(received(expected));
  assert.match(screen, /tail=".*\\u0010\\u001b\\r\\t\\u001b\[A/);
});

test('a 1,000-character paste arrives intact, in bracketed-paste markers, LF sent as CR', { skip }, async (t) => {
  const term = await nodeTerminal(t, KEY_ECHO);
  await term.waitFor('READY');
  const line = 'The quick brown fox 跳过 a lazy dog; "quotes" \\ $HOME #{pid} ';
  let text = '';
  while (text.length < 1_000) text += `${line}\n`;
  text = text.slice(0, 1_000);
  assert.equal(text.length, 1_000);
  await term.paste(text);
  const expected = Buffer.from(`\x1b[200~${text.replaceAll('\n', '\r')}\x1b[201~`);
  await term.waitFor(received(expected));
});

test('Chinese text drawn by the program survives capture, wide characters counted once', { skip }, async (t) => {
  const term = await nodeTerminal(t, "console.log('你好，世界 — 中文界面'); console.log('|' + '字'.repeat(10) + '|'); setInterval(() => {}, 60_000);");
  const screen = await term.waitFor('中文界面');
  assert.match(screen, /^你好，世界 — 中文界面$/m);
  assert.match(screen, /^\|字{10}\|$/m);
});

test('capture with escapes keeps the colours the program drew', { skip }, async (t) => {
  const term = await nodeTerminal(t, "process.stdout.write('\\x1b[31mred\\x1b[0m plain\\r\\n'); setInterval(() => {}, 60_000);");
  const plain = await term.waitFor('red plain');
  assert.doesNotMatch(plain, /\x1b/);
  const coloured = await term.capture({ escapes: true });
  assert.match(coloured, /\x1b\[31mred/);
});

test('line drawing in the alternate character set (curses, blessed) is captured as box characters', { skip }, async (t) => {
  const box = "'\\x1b(0lqqk\\x1b(B\\r\\n\\x1b(0x\\x1b(B\\x1b[7m界\\x1b[0m\\x1b(0x\\x1b(B q\\r\\n\\x1b(0mqqj\\x1b(B\\r\\n'";
  const term = await nodeTerminal(t, `process.stdout.write(${box}); setInterval(() => {}, 60_000);`);
  const screen = await term.waitFor('┌──┐');
  assert.deepEqual(screen.split('\n').slice(0, 3), ['┌──┐', '│界│ q', '└──┘']);
  // Raw: tmux shifts with SO/SI only where the set changes, across rows too.
  assert.match(await term.capture({ escapes: true }), /^\x0elqqk\nx\x1b\[7m\x0f界/);
});

test('a resize reaches the program (SIGWINCH) and the captured screen', { skip }, async (t) => {
  const term = await nodeTerminal(t, SIZE_REPORT);
  assert.match(await term.waitFor('size 100x30'), /size 100x30/);
  assert.equal((await term.capture()).split('\n').length, 30);
  await term.resize(80, 24);
  await term.waitFor('size 80x24');
  assert.deepEqual(await term.size(), { cols: 80, rows: 24 });
  assert.equal((await term.capture()).split('\n').length, 24);
  await term.resize(120, 40);
  await term.waitFor('size 120x40');
});

test('the start size is the one asked for', { skip }, async (t) => {
  const term = await nodeTerminal(t, SIZE_REPORT, { cols: 80, rows: 24 });
  await term.waitFor('size 80x24');
});

test('the exit code of a program that ends, and null for one a signal killed', { skip }, async (t) => {
  const exits = await nodeTerminal(t, "console.log('bye'); process.exit(7);");
  assert.equal(await exits.exited(), 7);
  assert.deepEqual(await exits.exitStatus(), { code: 7, signal: null });
  // remain-on-exit: the dead pane can still be read; tmux's "Pane is dead" line on the last row
  // scrolls the screen up one line, so the program's top row is in the history.
  const dead = await exits.capture({ history: true });
  assert.match(dead, /^bye$/m);
  assert.match(dead, /Pane is dead \(status 7/);

  const killed = await nodeTerminal(t, "process.kill(process.pid, 'SIGTERM'); setInterval(() => {}, 60_000);");
  assert.equal(await killed.exited(), null);
  assert.deepEqual(await killed.exitStatus(), { code: null, signal: 15 });

  const running = await nodeTerminal(t, "console.log('up'); setInterval(() => {}, 60_000);");
  await running.waitFor('up');
  assert.equal(await running.exitStatus(), undefined);
});

test('the program gets exactly the environment and cwd given, with a sane TERM', { skip }, async (t) => {
  const script = "console.log(JSON.stringify({ env: process.env, cwd: process.cwd() })); setInterval(() => {}, 60_000);";
  const home = tempDir(t, 'tme');
  const env = { ...programEnv(home), RELAY_HOME: `${home}/rh`, LANG: 'zh_CN.UTF-8', ODD: 'a;' };
  const term = await TmuxTerminal.start({ argv: [process.execPath, '-e', script], cwd: home, env, cols: 200, rows: 10 });
  t.after(async () => {
    await term.close();
    assertNothingLeft(term);
  });
  // The JSON may wrap at 200 columns: join the rows back before parsing.
  const screen = await term.waitFor(/"cwd":"[^"]*"\}/);
  const shown = JSON.parse(screen.split('\n').join('').trim()) as { env: Record<string, string>; cwd: string };
  assert.deepEqual(shown.env, { ...env, TERM: DEFAULT_TERM });
  assert.equal(shown.cwd, home);

  const xterm = await TmuxTerminal.start({ argv: [process.execPath, '-e', script], cwd: home, env: { ...env, TERM: 'xterm-256color' }, cols: 200, rows: 10 });
  t.after(async () => {
    await xterm.close();
    assertNothingLeft(xterm);
  });
  assert.match(await xterm.waitFor('"cwd"'), /"TERM":"xterm-256color"/);
});

test('arguments reach the program as given: no shell, no tmux formats, `;` kept', { skip }, async (t) => {
  const term = await nodeTerminal(t, "console.log(JSON.stringify(process.argv.slice(1))); setInterval(() => {}, 60_000);", {}, ['a;', ';', '#{pid}', '$HOME', 'b\\;', 'two words']);
  await term.waitFor('["a;",";","#{pid}","$HOME","b\\\\;","two words"]');
});

test('cat: typed line and Enter go through the line discipline like a shell would see', { skip }, async (t) => {
  const home = tempDir(t, 'tmc');
  const term = await TmuxTerminal.start({ argv: ['cat'], cwd: home, env: programEnv(home) });
  t.after(async () => {
    await term.close();
    assertNothingLeft(term);
  });
  await term.type('abc');
  await term.sendKeys('Enter');
  // The tty echoes the line, then cat writes it back.
  await term.waitFor(/^abc\nabc$/m);
  await term.sendKeys('C-d');
  assert.equal(await term.exited(), 0);
});

test('waitFor times out with the last screen in the error', { skip }, async (t) => {
  const term = await nodeTerminal(t, "console.log('only this'); setInterval(() => {}, 60_000);");
  await term.waitFor('only this');
  await assert.rejects(term.waitFor('never shown', 200), (e: Error) => {
    assert.match(e.message, /timed out after 200 ms waiting for never shown/);
    assert.match(e.message, /\|only this/);
    return true;
  });
});

test('close() ends the server and a program that ignores SIGHUP, and removes the socket', { skip }, async (t) => {
  const home = tempDir(t, 'tmk');
  const script = "process.on('SIGHUP', () => {}); console.log('stubborn'); setInterval(() => {}, 60_000);";
  const term = await TmuxTerminal.start({ argv: [process.execPath, '-e', script], cwd: home, env: programEnv(home) });
  await term.waitFor('stubborn');
  assert.ok(term.leftovers().some((l) => l.startsWith('socket ')), 'the socket exists while the server runs');
  assert.ok(term.serverPid > 0 && term.panePid > 0);
  await term.close();
  assertNothingLeft(term);
  await term.close(); // Twice is fine.
});

test('a program that is not on PATH fails start() and leaves nothing', { skip }, async (t) => {
  const home = tempDir(t, 'tmn');
  await assert.rejects(TmuxTerminal.start({ argv: ['relay-no-such-program'], cwd: home, env: programEnv(home) }), /not on PATH/);
});
