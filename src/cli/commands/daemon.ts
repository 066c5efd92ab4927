/** `relay daemon start|stop|restart|status`. */
import { BusClient } from '../../bus/busClient.js';
import { EXIT } from '../../platform/errors.js';
import { describeMadePrivate, ipcEndpoint, relayPaths, type MadePrivate } from '../../platform/paths.js';
import { launchDaemon, restartDaemon, runningDaemonPid, stopDaemon } from '../../client/daemonLauncher.js';
import { formatDaemonStatus } from '../../ui/daemonStatusView.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/** One stderr line per directory of RELAY_HOME that had to be made private: never a silent chmod. */
function sayMadePrivate(madePrivate: readonly MadePrivate[]): void {
  for (const m of madePrivate) process.stderr.write(`${describeMadePrivate(m)}\n`);
}

export function daemonStart(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { pid, started, madePrivate } = await launchDaemon(relayPaths());
    sayMadePrivate(madePrivate);
    if (opts.json) printJson({ pid, started, madePrivate });
    else printLine(started ? `relay daemon started (pid ${pid})` : `relay daemon already running (pid ${pid})`);
  });
}

export function daemonStop(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const pid = await stopDaemon(relayPaths());
    if (opts.json) printJson({ stopped: pid !== null, pid });
    else printLine(pid === null ? 'relay daemon is not running' : `relay daemon stopped (pid ${pid})`);
  });
}

export function daemonRestart(opts: CommonOptions & { force?: boolean }): Promise<number> {
  return runCommand(opts.json, async () => {
    const { pid, stoppedPid, stoppedAgents, madePrivate } = await restartDaemon(relayPaths(), { force: opts.force === true });
    sayMadePrivate(madePrivate);
    if (opts.json) printJson({ stoppedPid, pid, stoppedAgents, madePrivate });
    else {
      const agents = stoppedAgents.length > 0 ? `; stopped ${stoppedAgents.join(', ')}` : '';
      printLine(stoppedPid === null ? `relay daemon started (pid ${pid}; none was running)` : `relay daemon restarted (pid ${pid})${agents}`);
    }
  });
}

export function daemonStatus(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    // A home too long for a unix socket cannot run a daemon at all: "start it" would only fail.
    for (const socket of [paths.busSocket, paths.eventsSocket, paths.hookSocket]) ipcEndpoint(socket);
    if (runningDaemonPid(paths) === null) {
      if (opts.json) printJson({ running: false, home: paths.home });
      else printLine(`relay daemon is not running (RELAY_HOME ${paths.home}); start it with: relay daemon start`);
      return EXIT.notRunning;
    }
    const client = new BusClient(paths);
    try {
      const status = await client.request('daemon.status', {});
      if (opts.json) printJson({ running: true, ...status });
      else printLine(formatDaemonStatus(status));
    } finally {
      await client.close();
    }
    return EXIT.ok;
  });
}
