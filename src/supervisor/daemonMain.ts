/**
 * The daemon process entry (`node dist/supervisor/daemonMain.js --home <RELAY_HOME>`). The home
 * is on the command line so `ps` shows which Relay a daemon belongs to. When started by
 * `relay daemon start` it reports readiness, or why it could not start, as one JSON line on
 * the file descriptor named by RELAY_READY_FD.
 */
import { closeSync, writeSync } from 'node:fs';
import { EXIT, toRelayError } from '../platform/errors.js';
import { killTrackedGroups } from '../platform/processGroups.js';
import { relayPaths, resolveHome } from '../platform/paths.js';
import type { ReadyMessage } from '../protocol/requests.js';
import { runDaemon, type RunningDaemon } from './daemon.js';

function reportReady(message: ReadyMessage): void {
  const fd = Number(process.env.RELAY_READY_FD);
  if (!Number.isInteger(fd) || fd < 3) return;
  try {
    writeSync(fd, `${JSON.stringify(message)}\n`);
    closeSync(fd);
  } catch {
    // The launcher went away; nobody is waiting for the answer.
  }
}

function homeFromArgv(argv: string[]): string | undefined {
  const i = argv.indexOf('--home');
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  // Every file and socket the daemon creates is private to the user.
  process.umask(0o077);
  const paths = relayPaths(homeFromArgv(process.argv.slice(2)) ?? resolveHome());
  // The daemon outlives the shell that started it: holding that shell's directory would keep
  // it busy (an unmount, a removed checkout). Its paths are absolute; agents get their own cwd.
  process.chdir('/');
  let daemon: RunningDaemon;
  try {
    daemon = await runDaemon({ paths });
  } catch (e) {
    const err = toRelayError(e);
    reportReady({ error: err.toRecord().error });
    if (process.env.RELAY_DEBUG === '1') console.error(e);
    process.exitCode = err.exitCode;
    return;
  }
  reportReady({ ready: true, pid: daemon.pid });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // The first signal stops in order; a second one means "now" — but never leaves agents behind.
    if (++signals > 1) {
      killTrackedGroups();
      process.exit(EXIT.interrupted);
    }
    void daemon.stop(`signal ${signal}`);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Detached from any terminal; a hang-up of the terminal that started it is not a reason to stop.
  process.on('SIGHUP', () => undefined);
  process.on('uncaughtException', (e) => {
    daemon.logger.log.fatal({ err: e.stack ?? String(e) }, 'uncaught exception');
    void daemon.stop(`crashed: ${e.message}`, EXIT.failure);
  });

  const exit = await daemon.done;
  process.exit(exit.exitCode);
}

void main();
