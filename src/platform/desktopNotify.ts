/**
 * A best-effort desktop notification. Handoffs must never wait on it or fail because of it: no
 * notification daemon, no display, a hung D-Bus are all normal on a server, so every error is
 * swallowed and nothing is awaited.
 */
import { spawn } from 'node:child_process';
import { findOnPath } from './findOnPath.js';

/** notify-send returns at once when D-Bus answers; a hung bus must not leave a process behind. */
const NOTIFY_TIMEOUT_MS = 3_000;

/** Show `title` / `body` with notify-send when it is on the PATH. Returns whether one was attempted. */
export function desktopNotify(title: string, body: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    // Without a display there is nobody to see it; skip the process start entirely.
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY && !env.DBUS_SESSION_BUS_ADDRESS) return false;
    const bin = findOnPath('notify-send', env.PATH ?? '');
    if (!bin) return false;
    const child = spawn(bin, ['--app-name=Relay', title, body], {
      detached: true,
      stdio: 'ignore',
      env,
      timeout: NOTIFY_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
