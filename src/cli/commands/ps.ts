/** `relay ps`: the agents the daemon supervises. */
import { BusClient } from '../../bus/busClient.js';
import { relayPaths } from '../../platform/paths.js';
import { runningDaemonPid } from '../../client/daemonLauncher.js';
import { formatAgentTable } from '../../ui/agentTable.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export function ps(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    // No daemon means no agents; listing them must not start one.
    if (runningDaemonPid(paths) === null) {
      if (opts.json) printJson({ agents: [] });
      else printLine('no agents (the daemon is not running)');
      return;
    }
    const client = new BusClient(paths);
    try {
      const { agents } = await client.request('agent.list', {});
      if (opts.json) printJson({ agents });
      else printLine(formatAgentTable(agents, Date.now()));
    } finally {
      await client.close();
    }
  });
}
