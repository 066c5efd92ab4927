/**
 * Every path Relay uses, computed from RELAY_HOME (default `~/.relay`). This is the only module
 * that reads the home directory, so a test that sets RELAY_HOME can never touch the real one.
 */
import { chmodSync, lstatSync, mkdirSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { RelayError } from './errors.js';

/** sun_path is 108 bytes on Linux including the terminating NUL; longer ipc paths fail to bind. */
const MAX_SOCKET_PATH_BYTES = 107;

const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface RelayPaths {
  home: string;
  config: string;
  db: string;
  snapshots: string;
  logs: string;
  spool: string;
  run: string;
  /** Request/reply socket (ZeroMQ ROUTER). */
  busSocket: string;
  /** Event socket (ZeroMQ PUB). */
  eventsSocket: string;
  /** SQLite file whose exclusive lock marks the single running daemon. */
  lock: string;
  /** Written by the running daemon: pid and start time, for clients and `relay doctor`. */
  pidFile: string;
  /**
   * Unix socket for `relay hook`: newline-delimited JSON, one HookEvent per line, answered
   * `ok\n`. Plain `net`, not ZeroMQ: a hook runs inside the agent's loop and must start in
   * milliseconds, and loading zeromq and msgpackr costs ~30 ms.
   */
  hookSocket: string;
  /** Hook events written while the daemon was down; drained in order when it starts. */
  spoolFile: string;
  /** Where `relay hook` notes payloads it dropped (malformed, too big). */
  hookLog: string;
  /** Process groups the daemon started, for reaping after it was killed. */
  groupsFile: string;
  daemonLog: string;
  /** The workspace's sent lines (Up/Down brings them back in the next run too), redacted. */
  workspaceHistory: string;
  /**
   * The dashboard's port and token while it is on (0600): a restarted daemon serves it again on
   * the same port with the same token, so an open page reconnects and resumes.
   */
  dashboardState: string;
}

/**
 * The user's home directory from the environment given (HOME), never the one Node reports, so a
 * caller that passes its own environment (`relay install`, a test) sees only that world.
 * E_CONFIG when HOME is unset or relative.
 */
export function userHome(env: NodeJS.ProcessEnv): string {
  const home = env.HOME?.trim();
  if (!home || !isAbsolute(home)) {
    throw new RelayError('E_CONFIG', 'HOME is not set to an absolute path', {
      hint: 'set HOME to your home directory and run the command again',
    });
  }
  return resolve(home);
}

/**
 * Make a relative RELAY_HOME absolute, once, against `cwd`, in `env` itself (the process's own
 * environment at the CLI entry). Every process the CLI starts inherits it — the daemon, and
 * through `relay wrap` the agents and the hooks they run from other directories — so all of
 * them use one home instead of resolving `RELAY_HOME=rh` each against its own directory.
 */
export function pinRelayHome(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): void {
  const fromEnv = env.RELAY_HOME?.trim();
  if (fromEnv && !isAbsolute(fromEnv)) env.RELAY_HOME = resolve(cwd, fromEnv);
}

/** RELAY_HOME from `env`, else `.relay` in the home directory `home()` names (DESIGN.md: Paths). */
function relayHomeIn(env: NodeJS.ProcessEnv, home: () => string): string {
  const fromEnv = env.RELAY_HOME?.trim();
  return resolve(fromEnv ? fromEnv : join(home(), '.relay'));
}

/**
 * RELAY_HOME for the daemon and the hook: from `env`, else `~/.relay` with the home directory as
 * Node reports it (HOME, or the password database when HOME is unset). Never throws.
 */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return relayHomeIn(env, homedir);
}

/**
 * RELAY_HOME for `relay install` / `uninstall`: from `env`, else `$HOME/.relay` with HOME from
 * `env` ({@link userHome}: E_CONFIG when it is unset or relative).
 */
export function relayHomeFrom(env: NodeJS.ProcessEnv): string {
  return relayHomeIn(env, () => userHome(env));
}

/** Every path under `home`, made absolute (against the cwd) so no path Relay passes on is relative. */
export function relayPaths(relayHome: string = resolveHome()): RelayPaths {
  const home = resolve(relayHome);
  const run = join(home, 'run');
  const logs = join(home, 'logs');
  return {
    home,
    config: join(home, 'config.yaml'),
    db: join(home, 'relay.db'),
    snapshots: join(home, 'snapshots'),
    logs,
    spool: join(home, 'spool'),
    run,
    busSocket: join(run, 'bus.sock'),
    eventsSocket: join(run, 'events.sock'),
    lock: join(run, 'daemon.lock'),
    pidFile: join(run, 'daemon.pid'),
    groupsFile: join(run, 'groups.json'),
    hookSocket: join(run, 'hook.sock'),
    spoolFile: join(home, 'spool', 'hooks.jsonl'),
    hookLog: join(logs, 'hook.log'),
    daemonLog: join(logs, 'daemon.log'),
    workspaceHistory: join(home, 'workspace-history.jsonl'),
    dashboardState: join(run, 'dashboard.json'),
  };
}

/** ZeroMQ endpoint for a socket path, after checking that the kernel will accept its length. */
export function ipcEndpoint(socketPath: string): string {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new RelayError(
      'E_SOCKET_PATH_TOO_LONG',
      `socket path is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit: ${socketPath}`,
      { hint: 'set RELAY_HOME to a shorter path (for example ~/.relay)' },
    );
  }
  return `ipc://${socketPath}`;
}

/** `lstat` of `path`, or null when it does not exist (other errors throw). */
export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** A directory whose group/other bits {@link ensurePrivateDir} removed: `mode` is what it was (`0755`). */
export interface MadePrivate {
  path: string;
  mode: string;
}

/** The line a command prints for each directory it made private, so a chmod is never silent. */
export function describeMadePrivate(m: MadePrivate): string {
  return `relay: ${m.path} was ${m.mode}, open to group/other; made it 0700 (owner only)`;
}

/**
 * Create a directory private to this user, or check an existing one: it must be a real
 * directory (not a symlink another user could point elsewhere) owned by us; group and other
 * bits are removed, and then it returns what the mode was, for the caller to say so.
 */
export function ensurePrivateDir(path: string): MadePrivate | null {
  let st = lstatOrNull(path);
  if (!st) {
    mkdirSync(path, { recursive: true, mode: DIR_MODE });
    st = lstatSync(path);
  }
  if (!st.isDirectory()) {
    throw new RelayError('E_HOME_UNSAFE', `${path} is not a directory`, {
      hint: 'move it aside, or set RELAY_HOME to another directory',
    });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new RelayError('E_HOME_UNSAFE', `${path} is owned by uid ${st.uid}, not by you (uid ${uid})`, {
      hint: 'set RELAY_HOME to a directory you own',
    });
  }
  if ((st.mode & 0o077) === 0) return null;
  chmodSync(path, DIR_MODE);
  return { path, mode: (st.mode & 0o777).toString(8).padStart(4, '0') };
}

/**
 * Create RELAY_HOME and its sub-directories, all 0700, and check the socket paths fit.
 * Returns the existing directories it had to make private (empty when none).
 */
export function ensureHome(paths: RelayPaths): MadePrivate[] {
  // Checked first, so a home that cannot work leaves no directories behind.
  ipcEndpoint(paths.busSocket);
  ipcEndpoint(paths.eventsSocket);
  ipcEndpoint(paths.hookSocket);
  const changed: MadePrivate[] = [];
  for (const dir of [paths.home, paths.run, paths.logs, paths.snapshots, paths.spool]) {
    const made = ensurePrivateDir(dir);
    if (made) changed.push(made);
  }
  return changed;
}
