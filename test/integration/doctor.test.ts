/**
 * `relay doctor` end to end: the real built CLI against fixture homes in temp dirs, with HOME
 * and PATH pointed at temp dirs too, so no real home, agent CLI or API key is ever seen.
 * Build first: `npx tsc -p tsconfig.json`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlive } from '../../src/platform/processTree.js';
import type { CheckResult } from '../../src/client/doctorCheck.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

const CLI = fileURLToPath(new URL('../../bin/relay.js', import.meta.url));
/** A cold start of the CLI plus a daemon start on a loaded machine stays well under this. */
const RUN_TIMEOUT_MS = 30_000;

const root = makeTempDir('doctor');
const fakeHome = mkdtempSync(join(root, 'home-'));
/** An empty directory: PATH with nothing in it, so no real agent CLI is found. */
const emptyBin = mkdtempSync(join(root, 'bin-'));
/** Every daemon a test started, so `after` can prove (and, on failure, ensure) none is left. */
const daemons = new Set<number>();

after(() => {
  const left = [...daemons].filter(isAlive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  removeTempDir(root);
  assert.deepEqual(left, [], 'no daemon outlives the tests');
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface DoctorJson {
  ok: boolean;
  checks: CheckResult[];
}

/** Run the built CLI with only the environment given (plus HOME and an empty PATH by default). */
function relay(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { HOME: fakeHome, PATH: emptyBin, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function doctorJson(env: Record<string, string>): Promise<{ run: Run; report: DoctorJson }> {
  const run = await relay(['doctor', '--json'], env);
  let report: DoctorJson;
  try {
    report = JSON.parse(run.stdout) as DoctorJson;
  } catch {
    assert.fail(`doctor --json printed no JSON (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
  return { run, report };
}

function check(report: DoctorJson, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `a "${id}" check in ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
}

/** A RELAY_HOME laid out as the daemon makes it (all 0700), without starting one. */
function privateHome(): string {
  const home = mkdtempSync(join(root, 'relay-'));
  chmodSync(home, 0o700);
  for (const dir of ['run', 'logs', 'snapshots', 'spool']) mkdirSync(join(home, dir), { mode: 0o700 });
  return home;
}

test('a missing RELAY_HOME gives only warnings, exit 0, and doctor does not create it', async () => {
  const home = join(root, 'never-created');
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(report.ok, true);
  assert.deepEqual(report.checks.filter((c) => c.status === 'fail'), []);
  assert.equal(check(report, 'home').status, 'warn');
  assert.match(check(report, 'home').detail, /not created yet/);
  assert.equal(check(report, 'daemon').status, 'warn');
  assert.equal(check(report, 'daemon').fix, 'relay daemon start');
  assert.equal(check(report, 'agents').status, 'warn', 'nothing on the test PATH');
  assert.equal(check(report, 'node').status, 'ok');
  assert.equal(check(report, 'native').status, 'ok');

  const text = await relay(['doctor'], { RELAY_HOME: home });
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^ {2}warn {2}daemon +not running\n +→ relay daemon start$/m);
  assert.match(text.stdout, /\n\d+ ok, \d+ warn, 0 fail\n$/);
  assert.equal(existsSync(home), false, 'doctor must not create RELAY_HOME');
});

test('a run dir open to group/other fails the checks, exit 8, with the chmod fix', async () => {
  const home = privateHome();
  chmodSync(join(home, 'run'), 0o755);
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 8);
  assert.equal(report.ok, false);
  const sockets = check(report, 'sockets');
  assert.equal(sockets.status, 'fail');
  assert.equal(sockets.fix, `chmod 700 ${join(home, 'run')}`);
  const homeCheck = check(report, 'home');
  assert.equal(homeCheck.status, 'fail');
  assert.match(homeCheck.detail, /run \(0755\)/);
  assert.match(homeCheck.fix ?? '', /^chmod go-rwx /);

  const text = await relay(['doctor'], { RELAY_HOME: home });
  assert.equal(text.code, 8);
  assert.match(text.stdout, /^ {2}fail {2}sockets {5}.*0755/m);
  assert.match(text.stdout, /, [1-9]\d* fail\n$/);
});

test('a corrupt relay.db fails the database check and is left byte for byte as it was', async () => {
  const home = privateHome();
  const db = join(home, 'relay.db');
  const bytes = randomBytes(8192);
  writeFileSync(db, bytes, { mode: 0o600 });
  const before = readdirSync(home).sort();
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 8);
  const database = check(report, 'database');
  assert.equal(database.status, 'fail');
  assert.match(database.detail, /not a Relay database/);
  assert.match(database.fix ?? '', /move it aside \(mv /);
  assert.deepEqual(readFileSync(db), bytes, 'the file is unchanged');
  assert.deepEqual(readdirSync(home).sort(), before, 'no -wal, -shm or other file appeared');
});

test('an executable claude on PATH passes the agent check; a non-executable codex does not count', async () => {
  const home = privateHome();
  const bin = mkdtempSync(join(root, 'agents-'));
  writeFileSync(join(bin, 'claude'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  writeFileSync(join(bin, 'codex'), '#!/bin/sh\nexit 0\n', { mode: 0o644 });
  const { run, report } = await doctorJson({ RELAY_HOME: home, PATH: `${emptyBin}:${bin}` });
  assert.equal(run.code, 0, run.stdout);
  const agents = check(report, 'agents');
  assert.equal(agents.status, 'ok');
  assert.match(agents.detail, new RegExp(`claude \\(${join(bin, 'claude')}\\)`));
  assert.doesNotMatch(agents.detail, /codex/);
});

test('an API key in the environment is reported by name and its value appears nowhere', async () => {
  const home = privateHome();
  const secret = `sk-relay-doctor-${randomBytes(16).toString('hex')}`;
  const env = { RELAY_HOME: home, OPENAI_API_KEY: secret };
  const { run, report } = await doctorJson(env);
  assert.equal(run.code, 0);
  const agents = check(report, 'agents');
  assert.equal(agents.status, 'ok');
  assert.match(agents.detail, /API keys: OPENAI_API_KEY/);
  const text = await relay(['doctor'], env);
  assert.match(text.stdout, /OPENAI_API_KEY/);
  for (const out of [run.stdout, run.stderr, text.stdout, text.stderr]) {
    assert.equal(out.includes(secret), false, 'the key value never reaches the output');
  }
});

test('a socket file with no daemon behind it is a stale-socket warning, not a failure', async () => {
  const home = privateHome();
  const socket = join(home, 'run', 'bus.sock');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  try {
    chmodSync(socket, 0o600);
    const { run, report } = await doctorJson({ RELAY_HOME: home });
    assert.equal(run.code, 0);
    const sockets = check(report, 'sockets');
    assert.equal(sockets.status, 'warn');
    assert.match(sockets.detail, /stale socket bus\.sock/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('with the daemon running, the daemon check is ok and names its pid', async () => {
  const home = mkdtempSync(join(root, 'live-'));
  const started = await relay(['daemon', 'start', '--json'], { RELAY_HOME: home });
  assert.equal(started.code, 0, `daemon start: ${started.stdout}${started.stderr}`);
  const { pid } = JSON.parse(started.stdout) as { pid: number };
  daemons.add(pid);
  try {
    const { run, report } = await doctorJson({ RELAY_HOME: home });
    assert.equal(run.code, 0, run.stdout);
    const daemon = check(report, 'daemon');
    assert.equal(daemon.status, 'ok');
    assert.match(daemon.detail, new RegExp(`^running \\(pid ${pid}, up \\d`));
    for (const id of ['home', 'database', 'sockets']) assert.equal(check(report, id).status, 'ok', id);
    assert.match(check(report, 'sockets').detail, /bus\.sock, events\.sock private/);
  } finally {
    const stopped = await relay(['daemon', 'stop', '--json'], { RELAY_HOME: home });
    assert.equal(stopped.code, 0, `daemon stop: ${stopped.stdout}${stopped.stderr}`);
  }
  assert.equal(isAlive(pid), false, 'the daemon is gone after stop');
});

test('regression: a config.yaml the user made with the usual 0644 is a warning with chmod 600, not a failure (npm start exited 8)', async () => {
  const home = privateHome();
  const config = join(home, 'config.yaml');
  writeFileSync(config, 'handoff:\n  onLimit: stop\n');
  chmodSync(config, 0o644);
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 0, run.stdout);
  const homeCheck = check(report, 'home');
  assert.equal(homeCheck.status, 'warn');
  assert.match(homeCheck.detail, /config\.yaml \(0644\) is readable by group\/other/);
  assert.equal(homeCheck.fix, `chmod 600 ${config}`);
  assert.equal(check(report, 'config').status, 'ok');
});

test('a file Relay writes (relay.db) readable by others, or a config.yaml others can write, is still a failure', async () => {
  const home = privateHome();
  writeFileSync(join(home, 'relay.db'), '', { mode: 0o600 });
  chmodSync(join(home, 'relay.db'), 0o644);
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 8);
  assert.equal(check(report, 'home').status, 'fail');
  assert.match(check(report, 'home').detail, /relay\.db \(0644\)/);

  const other = privateHome();
  writeFileSync(join(other, 'config.yaml'), 'handoff: {}\n');
  chmodSync(join(other, 'config.yaml'), 0o666);
  const writable = await doctorJson({ RELAY_HOME: other });
  assert.equal(writable.run.code, 8);
  assert.equal(check(writable.report, 'home').status, 'fail');
  assert.match(check(writable.report, 'home').detail, /config\.yaml \(0666\)/);
});

test('regression: a typo in config.yaml (ordr, a top-level foo) fails doctor with the line daemon start prints, exit 4 there', async () => {
  const home = privateHome();
  const config = join(home, 'config.yaml');
  writeFileSync(config, 'handoff:\n  ordr: [claude, codex]\n', { mode: 0o600 });
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 8);
  const configCheck = check(report, 'config');
  assert.equal(configCheck.status, 'fail');
  assert.equal(configCheck.detail, `${config}: unknown key handoff.ordr (did you mean order?)`);
  assert.equal(configCheck.fix, 'rename it to order, or remove it');
  const start = await relay(['daemon', 'start'], { RELAY_HOME: home });
  assert.equal(start.code, 4, start.stderr);
  assert.equal(start.stderr, `relay: ${configCheck.detail} — ${configCheck.fix}\n`);

  writeFileSync(config, 'foo: 1\n', { mode: 0o600 });
  const top = check((await doctorJson({ RELAY_HOME: home })).report, 'config');
  assert.equal(top.status, 'fail');
  assert.equal(top.detail, `${config}: unknown key foo`);
  assert.match(top.fix ?? '', /handoff, wrap/);
});

test('regression: detachKey: ctrl-1 (refused by wrap) fails the doctor config check (it was called valid)', async () => {
  const home = privateHome();
  writeFileSync(join(home, 'config.yaml'), 'wrap:\n  detachKey: ctrl-1\n', { mode: 0o600 });
  const { run, report } = await doctorJson({ RELAY_HOME: home });
  assert.equal(run.code, 8);
  const configCheck = check(report, 'config');
  assert.equal(configCheck.status, 'fail');
  assert.match(configCheck.detail, /wrap\.detachKey: "ctrl-1" is not a detach key/);
});
