/**
 * One error family for everything Relay reports to a user. Each error has a stable `code`
 * (scripts match on it, so never rename one) and maps to one exit code from {@link EXIT}.
 * The CLI prints `message` and `hint` on one line; the stack only with RELAY_DEBUG=1.
 */

/** Process exit codes. One table: the CLI, the daemon and the docs all read it. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** `relay daemon status` when no daemon runs (as `systemctl status` uses 3). */
  notRunning: 3,
  config: 4,
  daemonUnavailable: 5,
  store: 6,
  unsafeHome: 7,
  checkFailed: 8,
  /** The daemon's state does not allow it now (a handoff already running, nobody to take over). */
  conflict: 9,
  /** A budget limit (task, daily, monthly, or unpriced under a limit) refused the call. */
  budget: 10,
  /** No provider or agent CLI can take the task (none found, or none fits the request). */
  noProvider: 11,
  /** Every provider that could take the task failed (limits, errors, timeouts). */
  providersFailed: 12,
  /** The daemon's supervisor exceeded its restart intensity and shut down. */
  supervisorGaveUp: 70,
  /** Another daemon holds the lock: this one exits without touching anything. */
  alreadyRunning: 75,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Stable error codes. A string union, not an enum: they travel in JSON and over the bus. */
export type ErrorCode =
  | 'E_INTERNAL'
  | 'E_USAGE'
  | 'E_CONFLICT'
  | 'E_CONFIG'
  | 'E_HOME_UNSAFE'
  | 'E_SOCKET_PATH_TOO_LONG'
  | 'E_DAEMON_UNAVAILABLE'
  | 'E_DAEMON_START_FAILED'
  | 'E_DAEMON_RUNNING'
  | 'E_TIMEOUT'
  | 'E_STORE_CORRUPT'
  | 'E_STORE_NEWER'
  | 'E_STORE'
  | 'E_DISK_FULL'
  | 'E_BUS_PROTOCOL'
  | 'E_UNKNOWN_REQUEST'
  | 'E_NOT_RUNNING'
  | 'E_CHECK_FAILED'
  | 'E_BUDGET'
  | 'E_NO_PROVIDER'
  | 'E_PROVIDERS_FAILED'
  | 'E_CANCELLED';

const EXIT_BY_CODE: Record<ErrorCode, ExitCode> = {
  E_INTERNAL: EXIT.failure,
  E_USAGE: EXIT.usage,
  E_CONFLICT: EXIT.conflict,
  E_CONFIG: EXIT.config,
  E_HOME_UNSAFE: EXIT.unsafeHome,
  E_SOCKET_PATH_TOO_LONG: EXIT.unsafeHome,
  E_DAEMON_UNAVAILABLE: EXIT.daemonUnavailable,
  E_DAEMON_START_FAILED: EXIT.daemonUnavailable,
  E_DAEMON_RUNNING: EXIT.alreadyRunning,
  E_TIMEOUT: EXIT.daemonUnavailable,
  E_STORE_CORRUPT: EXIT.store,
  E_STORE_NEWER: EXIT.store,
  E_STORE: EXIT.store,
  E_DISK_FULL: EXIT.store,
  E_BUS_PROTOCOL: EXIT.daemonUnavailable,
  E_UNKNOWN_REQUEST: EXIT.daemonUnavailable,
  E_NOT_RUNNING: EXIT.notRunning,
  E_CHECK_FAILED: EXIT.checkFailed,
  E_BUDGET: EXIT.budget,
  E_NO_PROVIDER: EXIT.noProvider,
  E_PROVIDERS_FAILED: EXIT.providersFailed,
  E_CANCELLED: EXIT.interrupted,
};

export interface RelayErrorOptions {
  /** What the user can do about it, in one short sentence. */
  hint?: string;
  cause?: unknown;
}

export class RelayError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: RelayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelayError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): ExitCode {
    return EXIT_BY_CODE[this.code];
  }

  /** The record printed by `--json` and sent over the bus. */
  toRecord(): ErrorRecord {
    return { error: { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) } };
  }
}

export interface ErrorRecord {
  error: { code: ErrorCode; message: string; hint?: string };
}

export function isRelayError(e: unknown): e is RelayError {
  return e instanceof RelayError;
}

/**
 * Classify an unknown failure at the edge: system errors a user can act on (disk full,
 * permission denied) become RelayErrors with a hint; anything else is internal.
 */
export function toRelayError(e: unknown): RelayError {
  if (e instanceof RelayError) return e;
  const err = e as NodeJS.ErrnoException | undefined;
  const code = err?.code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') {
    return new RelayError('E_DISK_FULL', 'the disk is full; nothing was written', {
      hint: 'free some space and run the command again',
      cause: e,
    });
  }
  // SQLite's read-only and cannot-open codes are the same problem as EACCES: a file or directory
  // under RELAY_HOME that this user cannot write.
  if (code === 'EACCES' || code === 'EPERM' || code?.startsWith('SQLITE_READONLY') || code?.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM') {
    return new RelayError('E_HOME_UNSAFE', `permission denied: ${err?.path ?? err?.message ?? ''}`.trim(), {
      hint: 'make RELAY_HOME and its files yours and writable (chmod -R u+rwX "$RELAY_HOME"); relay doctor shows them',
      cause: e,
    });
  }
  const message = err?.message ?? String(e);
  return new RelayError('E_INTERNAL', `internal error: ${message}`, {
    hint: 'run again with RELAY_DEBUG=1 for the stack trace and report it',
    cause: e,
  });
}

/** One line for a terminal: "relay: <message> (<hint>)". */
export function formatErrorLine(e: RelayError): string {
  return e.hint ? `relay: ${e.message} — ${e.hint}` : `relay: ${e.message}`;
}
