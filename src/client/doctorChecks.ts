/**
 * The checks behind `relay doctor`. Adding a check is adding one entry to {@link DOCTOR_CHECKS}.
 * Checks only look: none creates RELAY_HOME, starts the daemon or writes to the database, and
 * whatever a check throws becomes a `fail` result, so one broken check never hides the others.
 *
 * better-sqlite3 and zeromq, and every module that loads them (bus client, store, instance
 * lock, daemon launcher), are imported inside the checks that need them: a broken native build
 * is exactly when a user runs doctor, so doctor itself must load without them. For the same
 * reason "is the daemon running" is {@link liveDaemonPid} on the pid file, which is all that
 * `runningDaemonPid` in daemonLauncher does, without pulling in zeromq.
 */
import { readdirSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { AGENT_CLIS, HOOKED_KINDS, KNOWN_KINDS } from '../adapters/registry.js';
import { findOnPath } from '../platform/findOnPath.js';
import { handoffCheck } from './doctorHandoffCheck.js';
import { refusedFilesCheck } from './doctorRefusedFiles.js';
import { agentHookChecks } from './doctorAgentChecks.js';
import { isRelayError } from '../platform/errors.js';
import { PACKAGE_ROOT } from '../platform/packageInfo.js';
import { ipcEndpoint, lstatOrNull, type RelayPaths } from '../platform/paths.js';
import { liveDaemonPid } from '../platform/pidFile.js';
import { formatDuration } from '../platform/duration.js';
import { shellQuote } from '../platform/shellQuote.js';
import type { CheckOutcome, CheckResult, DoctorCheck } from './doctorCheck.js';

/** DESIGN.md: Node 20 is the floor. */
export const MIN_NODE_MAJOR = 20;
/** A healthy daemon answers in under a millisecond; 2 s keeps doctor quick on a hung one. */
export const STATUS_TIMEOUT_MS = 2_000;
/** Environment variables that give Relay a provider for API models. Only names are ever shown. */
export const PROVIDER_KEYS = ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'DEEPSEEK_API_KEY'] as const;

const ok = (detail: string): CheckOutcome => ({ status: 'ok', detail });
const warn = (detail: string, fix?: string): CheckOutcome => ({ status: 'warn', detail, ...(fix ? { fix } : {}) });
const fail = (detail: string, fix: string): CheckOutcome => ({ status: 'fail', detail, fix });

function modeString(st: Stats): string {
  return (st.mode & 0o777).toString(8).padStart(4, '0');
}

/** Group or other has any access. */
function isOpen(st: Stats): boolean {
  return (st.mode & 0o077) !== 0;
}

/** First line of an error's message: native load errors run to many lines. */
function errorLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]?.trim() ?? '';
}

function checkNode(): CheckOutcome {
  const version = process.versions.node;
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return ok(`v${version} (${process.execPath})`);
  return fail(
    `Node v${version} is too old; Relay needs ${MIN_NODE_MAJOR} or newer`,
    `install Node ${MIN_NODE_MAJOR} or newer (for example: nvm install ${MIN_NODE_MAJOR}), then npm rebuild in ${PACKAGE_ROOT}`,
  );
}

async function checkNativeModules(): Promise<CheckOutcome> {
  const problems: string[] = [];
  try {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(':memory:');
    try {
      db.prepare('SELECT 1').get();
    } finally {
      db.close();
    }
  } catch (e) {
    problems.push(`better-sqlite3: ${errorLine(e)}`);
  }
  try {
    const { Dealer } = await import('zeromq');
    const socket = new Dealer();
    socket.linger = 0;
    socket.close();
  } catch (e) {
    problems.push(`zeromq: ${errorLine(e)}`);
  }
  if (problems.length === 0) return ok('better-sqlite3 and zeromq load');
  // A module built for another Node version (after a Node upgrade) is the usual cause.
  return fail(problems.join('; '), `cd ${shellQuote(PACKAGE_ROOT)} && npm rebuild better-sqlite3 zeromq`);
}

/**
 * RELAY_HOME and its directories must be real directories owned by us with no group or other
 * access, and the files Relay writes directly in home, logs and snapshots (database, logs,
 * snapshots that hold prompts and transcripts) readable by us alone. config.yaml is the user's
 * own file, made by their editor with the usual 0644: it holds no secrets by design, so being
 * readable by others is a warning with the fix. Writable by others is still a failure: whoever
 * can edit it chooses what runs at the next handoff.
 */
function checkHome(paths: RelayPaths): CheckOutcome {
  const home = paths.home;
  if (!lstatOrNull(home)) return warn(`${home} not created yet — relay daemon start creates it`, 'relay daemon start');
  const uid = process.getuid?.();
  const name = (path: string): string => (path === home ? home : relative(home, path));
  const missing: string[] = [];
  const notDir: string[] = [];
  const notOurs: string[] = [];
  const open: { path: string; mode: string }[] = [];
  const readableByOthers: { path: string; mode: string }[] = [];
  const inspect = (path: string, st: Stats): void => {
    if (uid !== undefined && st.uid !== uid) notOurs.push(path);
    else if (path === paths.config && isOpen(st) && (st.mode & 0o022) === 0) readableByOthers.push({ path, mode: modeString(st) });
    else if (isOpen(st)) open.push({ path, mode: modeString(st) });
  };
  const dirsToList: string[] = [];
  for (const dir of [home, paths.run, paths.logs, paths.snapshots, paths.spool]) {
    const st = lstatOrNull(dir);
    // A symlink is refused too: another user could point it elsewhere (as ensureHome refuses it).
    if (!st) missing.push(dir);
    else if (!st.isDirectory()) notDir.push(dir);
    else {
      inspect(dir, st);
      if (dir === home || dir === paths.logs || dir === paths.snapshots) dirsToList.push(dir);
    }
  }
  for (const dir of dirsToList) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = join(dir, entry.name);
      const st = lstatOrNull(file);
      if (st) inspect(file, st);
    }
  }

  const problems: string[] = [];
  let fix: string | undefined;
  if (notDir.length > 0) {
    problems.push(`not a directory: ${notDir.map(name).join(', ')}`);
    fix ??= `move ${shellQuote(notDir[0]!)} aside; relay daemon start recreates it`;
  }
  if (notOurs.length > 0) {
    problems.push(`owned by another user (you are uid ${uid}): ${notOurs.map(name).join(', ')}`);
    fix ??= `set RELAY_HOME to a directory you own, or take it back: sudo chown -R ${uid} ${shellQuote(home)}`;
  }
  if (open.length > 0) {
    problems.push(`group/other can access: ${open.map((o) => `${name(o.path)} (${o.mode})`).join(', ')}`);
    // go-rwx keeps the owner's bits, so one command fits directories (0700) and files (0600).
    fix ??=
      open.length <= 4
        ? `chmod go-rwx ${open.map((o) => shellQuote(o.path)).join(' ')}`
        : `chmod -R go-rwx ${shellQuote(home)}`;
  }
  if (problems.length > 0) return fail(problems.join('; '), fix!);
  if (readableByOthers.length > 0) {
    const [config] = readableByOthers;
    return warn(
      `${name(config!.path)} (${config!.mode}) is readable by group/other; it holds no secrets, but the rest of RELAY_HOME is private`,
      `chmod 600 ${shellQuote(config!.path)}`,
    );
  }
  if (missing.length > 0) {
    return warn(`${home}: ${missing.map(name).join(', ')} not created yet — relay daemon start creates them`, 'relay daemon start');
  }
  return ok(`${home} and its directories are private to you`);
}

async function checkDaemon(paths: RelayPaths): Promise<CheckOutcome> {
  const pid = liveDaemonPid(paths.pidFile);
  if (pid === null) {
    // The daemon takes the lock before it writes its pid file: a held lock without a pid is a
    // daemon starting or stopping, or one whose pid file was deleted (clients cannot find it).
    if (lstatOrNull(paths.lock)) {
      const { isInstanceLockHeld } = await import('../platform/instanceLock.js');
      if (isInstanceLockHeld(paths.lock)) {
        return warn(
          `a process holds the daemon lock but no live pid file names it (starting or stopping?)`,
          `if this persists, find and stop that process: lsof ${shellQuote(paths.lock)}`,
        );
      }
    }
    return warn('not running', 'relay daemon start');
  }
  const { BusClient } = await import('../bus/busClient.js');
  const client = new BusClient(paths, `doctor:${process.pid}`);
  try {
    const status = await client.request('daemon.status', {}, STATUS_TIMEOUT_MS);
    return ok(`running (pid ${status.pid}, up ${formatDuration(status.uptimeMs)})`);
  } catch (e) {
    // --force: a daemon that does not answer cannot list its agents, and restart asks first.
    return fail(`pid ${pid} is alive but does not answer on the bus: ${errorLine(e)}`, 'relay daemon restart --force');
  } finally {
    await client.close();
  }
}

/** Opens relay.db read-only: no migration, no pragma that writes, the bytes stay as they are. */
/** The path a hook takes: a test event through the hook socket must come back acknowledged. */
async function checkHookDelivery(paths: RelayPaths): Promise<CheckOutcome> {
  if (liveDaemonPid(paths.pidFile) === null) {
    return warn('daemon not running: hook events wait in the spool until it starts', 'relay daemon start');
  }
  const { sendHookEvent } = await import('../hooks/hookClient.js');
  const delivered = await sendHookEvent(paths, { v: 1, agent: HOOKED_KINDS[0]!, event: 'relay.test', at: Date.now() }, STATUS_TIMEOUT_MS);
  return delivered
    ? ok('a test event reached the daemon (hook socket)')
    : fail(`the daemon did not acknowledge a test event on ${paths.hookSocket}`, 'relay daemon restart');
}

async function checkConfig(paths: RelayPaths): Promise<CheckOutcome> {
  if (!lstatOrNull(paths.config)) return ok('no config.yaml: the defaults apply');
  const { loadConfig } = await import('../config/relayConfig.js');
  try {
    const config = loadConfig(paths);
    const order = config.handoff.order.length > 0 ? config.handoff.order.join(' → ') : 'inferred from installed CLIs';
    return ok(`${paths.config} is valid (handoff order: ${order})`);
  } catch (e) {
    if (isRelayError(e)) return fail(e.message, e.hint ?? 'fix the file or move it aside');
    throw e;
  }
}

async function checkDatabase(paths: RelayPaths): Promise<CheckOutcome> {
  if (!lstatOrNull(paths.db)) return ok('not created yet — the daemon creates it on first start');
  const moveAside = `move it aside: mv ${shellQuote(paths.db)} ${shellQuote(`${paths.db}.bad`)} (Relay creates a new one)`;
  const { openDatabase } = await import('../store/database.js');
  const { damagedDatabase } = await import('../store/storeError.js');
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(paths.db, { readonly: true });
  } catch (e) {
    // E_STORE_CORRUPT, E_STORE_NEWER, ...: the store's own message and hint say it best.
    if (isRelayError(e)) return fail(e.message, e.hint ?? moveAside);
    throw e;
  }
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const first = rows[0]?.quick_check;
    if (first === 'ok') return ok(`${paths.db} intact (quick_check ok)`);
    const damaged = damagedDatabase(paths.db, first ?? 'quick_check returned nothing');
    return fail(damaged.message, damaged.hint!);
  } finally {
    db.close();
  }
}

/**
 * Anyone who can connect to the bus can drive the agents, so the sockets must be ours alone:
 * the run directory 0700 and owned by us, and each socket file too.
 */
function checkSockets(paths: RelayPaths): CheckOutcome {
  // Too long a path fails only when the daemon binds, with a cryptic error; say it here.
  try {
    ipcEndpoint(paths.busSocket);
    ipcEndpoint(paths.eventsSocket);
  } catch (e) {
    if (isRelayError(e)) return fail(e.message, e.hint ?? 'set RELAY_HOME to a shorter path');
    throw e;
  }
  const run = lstatOrNull(paths.run);
  if (!run) return ok('no run directory yet (the daemon creates it private)');
  const uid = process.getuid?.();
  if (!run.isDirectory()) {
    return fail(`${paths.run} is not a directory`, `move ${shellQuote(paths.run)} aside; relay daemon start recreates it`);
  }
  if (uid !== undefined && run.uid !== uid) {
    return fail(`${paths.run} is owned by uid ${run.uid}, not by you (uid ${uid})`, 'set RELAY_HOME to a directory you own');
  }
  if (isOpen(run)) {
    return fail(`${paths.run} is ${modeString(run)}: other users can reach the daemon's sockets`, `chmod 700 ${shellQuote(paths.run)}`);
  }
  const present: string[] = [];
  for (const socket of [paths.busSocket, paths.eventsSocket]) {
    const st = lstatOrNull(socket);
    if (!st) continue;
    const name = relative(paths.run, socket);
    if (uid !== undefined && st.uid !== uid) {
      return fail(`${socket} is owned by uid ${st.uid}, not by you (uid ${uid})`, `stop the daemon, remove ${shellQuote(socket)}, start it again`);
    }
    if (isOpen(st)) return fail(`${name} is ${modeString(st)}: group/other can connect`, `chmod 600 ${shellQuote(socket)}`);
    present.push(name);
  }
  if (present.length > 0 && liveDaemonPid(paths.pidFile) === null) {
    return warn(`stale socket ${present.join(', ')} (no daemon runs); the next daemon start replaces it`);
  }
  return ok(present.length > 0 ? `run is 0700; ${present.join(', ')} private` : 'run is 0700; no sockets (daemon not running)');
}

function checkAgents(): CheckOutcome {
  const clis = AGENT_CLIS.flatMap((d) => {
    const file = d.binaries.map((b) => findOnPath(b)).find((f) => f !== null);
    return file ? [`${d.kind} (${file})`] : [];
  });
  // Names only: a key's value must never reach the output, a log or a bug report.
  const keys = PROVIDER_KEYS.filter((key) => (process.env[key]?.trim() ?? '') !== '');
  if (clis.length === 0 && keys.length === 0) {
    return warn(
      `no agent CLI on PATH (${KNOWN_KINDS.join(', ')}) and no provider API key in the environment`,
      'install an agent CLI (e.g. npm i -g @anthropic-ai/claude-code) or export an API key (e.g. ANTHROPIC_API_KEY)',
    );
  }
  const parts: string[] = [];
  if (clis.length > 0) parts.push(`CLIs: ${clis.join(', ')}`);
  if (keys.length > 0) parts.push(`API keys: ${keys.join(', ')}`);
  return ok(parts.join('; '));
}

/** Every check, in report order. */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  { id: 'node', title: 'Node.js version', run: checkNode },
  { id: 'native', title: 'native modules load', run: checkNativeModules },
  { id: 'home', title: 'RELAY_HOME permissions', run: checkHome },
  { id: 'daemon', title: 'daemon reachable', run: checkDaemon },
  { id: 'config', title: 'config.yaml parses', run: checkConfig },
  { id: 'hook-delivery', title: 'hook events reach the daemon', run: checkHookDelivery },
  ...agentHookChecks(),
  { id: 'database', title: 'database integrity', run: checkDatabase },
  { id: 'sockets', title: 'sockets private', run: checkSockets },
  { id: 'agents', title: 'agent CLIs and API keys', run: checkAgents },
  handoffCheck(),
  refusedFilesCheck,
];

/**
 * Run the checks one after another (their order is the report's, and the slowest, the
 * daemon's, is bounded by {@link STATUS_TIMEOUT_MS}). A check that throws is a `fail` result.
 */
export async function runChecks(paths: RelayPaths, checks: readonly DoctorCheck[] = DOCTOR_CHECKS): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) {
    let outcome: CheckOutcome;
    try {
      outcome = await check.run(paths);
    } catch (e) {
      const hint = isRelayError(e) ? e.hint : undefined;
      outcome = { status: 'fail', detail: `the check could not run: ${errorLine(e)}`, ...(hint ? { fix: hint } : {}) };
    }
    results.push({ id: check.id, title: check.title, ...outcome });
  }
  return results;
}
