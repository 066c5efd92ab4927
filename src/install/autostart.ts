/**
 * Starting the daemon at login: a systemd user unit, `relay.service`, that runs the daemon in
 * the foreground (Type=simple), enabled with `systemctl --user enable` — only where
 * `systemctl --user` reaches a user manager; elsewhere install says why autostart was skipped.
 *
 * The unit names node, the daemon entry and RELAY_HOME by absolute path, and carries the PATH
 * install ran with: a user service starts with systemd's minimal PATH, and the daemon needs the
 * user's to find the agent CLIs it launches.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { findOnPath } from '../platform/findOnPath.js';
import { userHome } from '../platform/paths.js';

export const UNIT_NAME = 'relay.service';
/** First line of the unit Relay writes: how install and uninstall know the unit is Relay's. */
const UNIT_MARKER = '# relay-autostart';

/** `systemctl --user` answers in milliseconds; 10 s only guards against a hung bus. */
const SYSTEMCTL_TIMEOUT_MS = 10_000;

/** `$XDG_CONFIG_HOME/systemd/user/relay.service` (default `~/.config/systemd/user/`). */
export function unitPath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return join(xdg ? xdg : join(userHome(env), '.config'), 'systemd', 'user', UNIT_NAME);
}

/** One ExecStart argument: double-quoted, with systemd's specifier (%) and variable ($) escapes. */
function execArg(s: string): string {
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%').replaceAll('$', '$$$$')}"`;
}

/** One Environment= assignment, double-quoted (no variable expansion happens there). */
function envAssignment(name: string, value: string): string {
  return `"${`${name}=${value}`.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%')}"`;
}

interface UnitOptions {
  node: string;
  daemonEntry: string;
  relayHome: string;
  path?: string | undefined;
}

export function unitText(o: UnitOptions): string {
  return [
    `${UNIT_MARKER} — written by \`relay install\`; \`relay uninstall\` disables and removes it.`,
    '[Unit]',
    'Description=Relay supervisor for AI coding agents',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execArg(o.node)} ${execArg(o.daemonEntry)} --home ${execArg(o.relayHome)}`,
    `Environment=${envAssignment('RELAY_HOME', o.relayHome)}`,
    ...(o.path ? [`Environment=${envAssignment('PATH', o.path)}`] : []),
    // The daemon stops its agents in order on SIGTERM; systemd kills what is left afterwards.
    'KillMode=mixed',
    'Restart=on-failure',
    'RestartSec=5',
    // 75: another Relay daemon already holds the lock; starting again would not help.
    'RestartPreventExitStatus=75',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

export function isOurUnit(bytes: Buffer): boolean {
  return bytes.subarray(0, 200).toString('utf8').startsWith(UNIT_MARKER);
}

interface CommandResult {
  ok: boolean;
  /** First line of what it printed when it failed. */
  detail: string;
}

/** Run `systemctl --user <args>` (no shell, closed stdin, bounded). */
export function systemctlUser(systemctl: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return new Promise((resolve) => {
    try {
      const child = execFile(
        systemctl,
        ['--user', ...args],
        { env, timeout: SYSTEMCTL_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 256 * 1024 },
        (err, stdout, stderr) => {
          const detail = `${stderr}\n${stdout}`.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? (err ? err.message : '');
          resolve({ ok: !err, detail });
        },
      );
      child.stdin?.end();
    } catch (e) {
      resolve({ ok: false, detail: (e as Error).message });
    }
  });
}

type SystemdProbe = { ok: true; systemctl: string } | { ok: false; reason: string };

/** Whether `systemctl --user` works here; why not, when it does not. */
export async function probeSystemd(env: NodeJS.ProcessEnv): Promise<SystemdProbe> {
  if (process.platform !== 'linux') return { ok: false, reason: `no systemd on ${process.platform} (autostart uses a systemd user unit)` };
  const systemctl = findOnPath('systemctl', env.PATH ?? '');
  if (!systemctl) return { ok: false, reason: 'systemctl is not on the PATH (no systemd here)' };
  const r = await systemctlUser(systemctl, ['show-environment'], env);
  if (!r.ok) return { ok: false, reason: `systemctl --user cannot reach a user service manager${r.detail ? ` (${r.detail})` : ''}` };
  return { ok: true, systemctl };
}
