/**
 * The command an agent CLI runs for Relay's hooks, and how Relay recognizes its own.
 *
 * The command names node and Relay's CLI entry by absolute path, so it works whatever PATH the
 * agent runs with (a GUI-launched editor, a systemd service, nvm switching node versions). When
 * RELAY_HOME was set at install time it is set in the command too, so the hook reports to the
 * same home as the Relay that installed it. All three CLIs run the string with a POSIX shell.
 */
import { isObject } from '../platform/jsonValue.js';
import { shellQuote } from '../platform/shellQuote.js';

/**
 * Backstop for the CLIs, in seconds: `relay hook` ends itself within 4 s whatever happens
 * (cli/hookMain.ts HARD_DEADLINE_MS), so a CLI never needs to kill it; a lower value could cut a
 * spool write short on a slow disk.
 */
export const HOOK_TIMEOUT_SECONDS = 10;

/** What `relay hook <arg>` is given by a CLI (its descriptor's `hook.arg`: `claude`, `opencode-event`). */
type HookArg = string;

export interface HookCommandSpec {
  /** Absolute path of the node binary (process.execPath at install). */
  node: string;
  /** Absolute path of Relay's `bin/relay.js`. */
  cliEntry: string;
  /** RELAY_HOME to set for the hook, when the install ran with one set explicitly. */
  relayHome?: string | undefined;
}

/** `[RELAY_HOME=<home>] <node> <relay.js> hook <arg>`, each part shell-quoted. */
export function relayHookCommand(spec: HookCommandSpec, arg: HookArg): string {
  const env = spec.relayHome === undefined ? '' : `RELAY_HOME=${shellQuote(spec.relayHome)} `;
  return `${env}${shellQuote(spec.node)} ${shellQuote(spec.cliEntry)} hook ${arg}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * True for a command string that runs some Relay's `hook <arg>`: it ends with
 * `relay[.js] hook <arg>` (the program optionally quoted, any directory before it). This is
 * the marker of Relay's entries: it also matches an install from another Relay checkout or
 * node version, which a new install then replaces instead of duplicating.
 */
export function isRelayHookCommand(command: unknown, arg: HookArg): boolean {
  if (typeof command !== 'string') return false;
  return new RegExp(`(?:^|[\\s'"/=])relay(?:\\.js)?['"]?\\s+hook\\s+${escapeRegExp(arg)}\\s*$`).test(command);
}

/** True for a hook handler object (`{type: "command", command}`) that runs Relay's hook. */
export function isRelayHandler(handler: unknown, arg: HookArg): boolean {
  return isObject(handler) && handler.type === 'command' && isRelayHookCommand(handler.command, arg);
}
