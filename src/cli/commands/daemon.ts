/** `relay daemon start|stop|restart|status`. */
import { BusClient } from '../../bus/busClient.js';
import { EXIT } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import { launchDaemon, runningDaemonPid, stopDaemon } from '../../client/daemonLauncher.js';
import { formatDaemonStatus } from '../../ui/daemonStatusView.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export function daemonStart(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { pid, started } = await launchDaemon(relayPaths());
    if (opts.json) printJson({ pid, started });
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

export function daemonRestart(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    const old = await stopDaemon(paths);
    const { pid } = await launchDaemon(paths);
    if (opts.json) printJson({ stoppedPid: old, pid });
    else printLine(`relay daemon restarted (pid ${pid})`);
  });
}

export function daemonStatus(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
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
