import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { budgetLimitsOf, budgetScopesOf } from '../../src/cli/budgetArgs.js';
import { commandTypo } from '../../src/cli/commandTypo.js';
import { askYesNo } from '../../src/cli/yesNoQuestion.js';
import { isPipedInput, readInput } from '../../src/client/pipedInput.js';
import { newTaskId } from '../../src/client/taskId.js';
import { confirmSetting, taskFailureError } from '../../src/client/taskRun.js';
import { EXIT, isRelayError } from '../../src/platform/errors.js';
import { tempDir } from '../helpers/tempDir.js';

const COMMANDS = ['daemon', 'wrap', 'attach', 'ps', 'stop', 'rm', 'logs', 'snapshots', 'handoff', 'install', 'uninstall', 'mcp', 'ask', 'providers', 'models', 'workers', 'cost', 'budget', 'mode', 'doctor', 'help'];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  home: string;
}

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** A CLI start from source (tsx) on a loaded machine; these runs refuse before any I/O. */
const CLI_TIMEOUT_MS = 30_000;

/**
 * `relay <argv>` from source, stdin not a terminal, RELAY_HOME in a temp dir that does not exist
 * yet: a command that started a daemon, or sent anything, would have had to create it.
 */
function relay(t: TestContext, argv: string[], config?: string): Promise<CliRun> {
  const home = join(tempDir(t, 'args'), 'home');
  if (config !== undefined) {
    mkdirSync(home, { mode: 0o700 });
    writeFileSync(join(home, 'config.yaml'), config, { mode: 0o600 });
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...argv],
      { env: { ...process.env, RELAY_HOME: home, HOME: dirname(home) }, timeout: CLI_TIMEOUT_MS },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (code === null) reject(error ?? new Error('relay did not exit'));
        else resolve({ code, stdout, stderr, home });
      },
    ).stdin?.end();
  });
}

test('a lone misspelt command is a typo; words, punctuation and far-off words are a task', () => {
  assert.equal(commandTypo(['porviders'], COMMANDS), 'providers');
  assert.equal(commandTypo(['doctr'], COMMANDS), 'doctor');
  assert.equal(commandTypo(['Doctor'], COMMANDS), 'doctor', 'commands are lower case');
  assert.equal(commandTypo(['budgte'], COMMANDS), 'budget');
  assert.equal(commandTypo(['pss'], COMMANDS), 'ps');
  // Every two-letter word is two edits from ps and rm: that is not a typo of them.
  assert.equal(commandTypo(['hi'], COMMANDS), undefined);
  assert.equal(commandTypo(['explain'], COMMANDS), undefined);
  assert.equal(commandTypo(['kubernetes'], COMMANDS), undefined);
  assert.equal(commandTypo(['porviders', 'list'], COMMANDS), undefined, 'more than one word is a task');
  assert.equal(commandTypo(['explain kubernetes'], COMMANDS), undefined, 'one quoted argument with spaces is a task');
  assert.equal(commandTypo(['models?'], COMMANDS), undefined, 'a question is a task');
});

test('relay porviders is a usage error naming the command, and nothing is started or sent', async (t) => {
  const r = await relay(t, ['porviders']);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.stderr, /^relay: unknown command porviders — did you mean providers\? \(relay ask porviders sends it to a model\)\n$/);
  assert.equal(r.stdout, '');
  assert.equal(existsSync(r.home), false, 'no daemon was started for it');
  const json = await relay(t, ['porviders', '--json']);
  assert.equal(json.code, EXIT.usage);
  assert.equal(JSON.parse(json.stdout).error.code, 'E_USAGE');
});

test('a command word runs its command, never a task: relay mode, relay help', async (t) => {
  const mode = await relay(t, ['mode', '--json']);
  assert.equal(mode.code, EXIT.ok, mode.stderr);
  assert.equal(JSON.parse(mode.stdout).mode, 'auto');
  const help = await relay(t, ['help']);
  assert.equal(help.code, EXIT.ok);
  assert.match(help.stdout, /^Usage: relay "<task>" \[options\]/);
  assert.match(help.stdout, /\n {2}providers \[options\] +what Relay looked for/);
  assert.equal(existsSync(help.home), false);
});

test('other words are a task: in edit mode with no terminal it is refused before anything is read or sent', async (t) => {
  // This test's stdin is not a terminal (the runner's socket), as in a pipe or a cron job.
  for (const argv of [['explain kubernetes', '--edit'], ['explain', 'kubernetes', '--edit'], ['ask', 'porviders', '--edit']]) {
    const r = await relay(t, argv);
    assert.equal(r.code, EXIT.usage, argv.join(' '));
    assert.equal(r.stderr, 'relay: edit mode asks before each call, and there is no terminal to ask on — add --yes, or --auto\n');
    assert.equal(existsSync(r.home), false, 'no daemon was started');
  }
  const fromConfig = await relay(t, ['fix the login bug'], 'mode: edit\n');
  assert.equal(fromConfig.code, EXIT.usage);
  assert.match(fromConfig.stderr, /no terminal to ask on/);
  const json = await relay(t, ['fix it', '--edit', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), {
    error: { code: 'E_USAGE', message: 'edit mode asks before each call, and there is no terminal to ask on', hint: 'add --yes, or --auto' },
  });
});

test('a task needs words, and --edit with --auto is refused', async (t) => {
  assert.equal((await relay(t, ['ask'])).code, EXIT.usage);
  const both = await relay(t, ['fix it', '--edit', '--auto']);
  assert.equal(both.code, EXIT.usage);
  assert.match(both.stderr, /'--edit' cannot be used with option '--auto'/);
  const blank = await relay(t, ['   ', '--auto']);
  assert.equal(blank.code, EXIT.usage);
  assert.match(blank.stderr, /^relay: no task given/);
});

test('edit mode asks only with a terminal and without --yes; auto never asks', () => {
  assert.equal(confirmSetting({ mode: 'auto', yes: false, stdinIsTTY: false }), false);
  assert.equal(confirmSetting({ mode: 'auto', yes: false, stdinIsTTY: true }), false);
  assert.equal(confirmSetting({ mode: 'edit', yes: false, stdinIsTTY: true }), true);
  assert.equal(confirmSetting({ mode: 'edit', yes: true, stdinIsTTY: false }), false, '--yes answers for the user');
  assert.throws(
    () => confirmSetting({ mode: 'edit', yes: false, stdinIsTTY: false }),
    (e: unknown) => isRelayError(e) && e.code === 'E_USAGE' && e.hint === 'add --yes, or --auto',
  );
});

test('budget set takes dollars as typed and sends micro-dollars; none given is a usage error with an example', async (t) => {
  assert.deepEqual(budgetLimitsOf({ daily: '1', monthly: '$20.50' }), { dailyMicros: 1_000_000, monthlyMicros: 20_500_000 });
  assert.deepEqual(budgetLimitsOf({ task: '0.25' }), { taskMicros: 250_000 });
  assert.deepEqual(budgetLimitsOf({ daily: '0' }), { dailyMicros: 0 }, 'a zero limit is a limit');
  assert.throws(() => budgetLimitsOf({}), (e: unknown) => isRelayError(e) && e.code === 'E_USAGE' && /relay budget set --daily 1\.00/.test(e.hint ?? ''));
  assert.throws(() => budgetLimitsOf({ monthly: '-5' }), (e: unknown) => isRelayError(e) && e.message.startsWith('--monthly: '));
  const cli = await relay(t, ['budget', 'set', '--daily', 'ten']);
  assert.equal(cli.code, EXIT.usage);
  assert.equal(cli.stderr, 'relay: --daily: "ten" is not an amount in dollars — give dollars like 1, 1.50 or $0.25\n');
  assert.equal(existsSync(cli.home), false, 'refused before the daemon is started');
  assert.equal((await relay(t, ['budget', 'set'])).code, EXIT.usage);
});

test('budget clear names the scopes given, or none (every limit)', () => {
  assert.equal(budgetScopesOf({}), undefined);
  assert.deepEqual(budgetScopesOf({ monthly: true, task: true }), ['task', 'monthly']);
});

test('a task failure exits with the code of its kind; an unknown code is still a failure', () => {
  assert.equal(taskFailureError({ code: 'E_BUDGET', message: 'the daily limit is spent' }).exitCode, 10);
  assert.equal(taskFailureError({ code: 'E_NO_PROVIDER', message: 'no provider' }).exitCode, 11);
  assert.equal(taskFailureError({ code: 'E_PROVIDERS_FAILED', message: 'every provider failed' }).exitCode, 12);
  assert.equal(taskFailureError({ code: 'E_CANCELLED', message: 'cancelled' }).exitCode, 130);
  const e = taskFailureError({ code: 'E_SOMETHING_NEW', message: 'new', hint: 'h' });
  assert.equal(e.exitCode, EXIT.failure);
  assert.equal(e.hint, 'h');
});

test('task ids are what the daemon accepts and differ each time', () => {
  const ids = new Set(Array.from({ length: 100 }, newTaskId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{1,64}$/);
});

test('piped input: read to the cap and said to be cut, never half a character, nothing for white space', async (t) => {
  assert.deepEqual(await readInput(Readable.from([Buffer.from('diff --git a/x\n'), Buffer.from('+y\n')])), { text: 'diff --git a/x\n+y\n', bytes: 18, truncated: false });
  assert.equal(await readInput(Readable.from([Buffer.from(' \n\t\n')])), undefined);
  const cut = await readInput(Readable.from([Buffer.from('abcé')]), 4);
  assert.deepEqual(cut, { text: 'abc', bytes: 4, truncated: true }, 'é is two bytes: its first is dropped');
  // A regular file is read; a character device (no pipe, no file) is not.
  const dir = tempDir(t, 'pipe');
  writeFileSync(join(dir, 'in.txt'), 'context');
  const file = openSync(join(dir, 'in.txt'), 'r');
  const devNull = openSync('/dev/null', 'r');
  try {
    assert.equal(isPipedInput(file), true);
    assert.equal(isPipedInput(devNull), false);
  } finally {
    closeSync(file);
    closeSync(devNull);
  }
});

test('the edit-mode question: only y or yes runs the call; no, Enter, end of input and a cancel do not', async () => {
  const ask = async (typed: string | null, abort = false): Promise<{ yes: boolean; shown: string }> => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (b: Buffer) => (shown += b.toString()));
    const ctl = new AbortController();
    const answer = askYesNo('run it? [y/N] ', ctl.signal, input, output);
    if (abort) ctl.abort();
    else if (typed === null) input.end();
    else input.write(typed);
    return { yes: await answer, shown };
  };
  assert.deepEqual(await ask('y\n'), { yes: true, shown: 'run it? [y/N] ' });
  assert.equal((await ask('YES\n')).yes, true);
  assert.equal((await ask('n\n')).yes, false);
  assert.equal((await ask('\n')).yes, false, 'Enter is the default: no');
  assert.equal((await ask('yeah\n')).yes, false);
  assert.equal((await ask(null)).yes, false, 'Ctrl+D');
  assert.equal((await ask(null, true)).yes, false, 'a cancel closes the question');
});
