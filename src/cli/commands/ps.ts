/** `relay ps [--all]`: the agents the daemon supervises, and those that ran before. */
import { BusClient } from '../../bus/busClient.js';
import { relayPaths } from '../../platform/paths.js';
import { runningDaemonPid } from '../../client/daemonLauncher.js';
import { formatAgentTable } from '../../ui/agentTable.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

interface PsOptions extends CommonOptions {
  /** Every exited agent, not only the most recent ones. */
  all?: boolean;
}

export function ps(opts: PsOptions): Promise<number> {
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
      const { agents, omitted = 0 } = await client.request('agent.list', { all: opts.all === true });
      if (opts.json) printJson({ agents, omitted });
      else printLine(formatAgentTable(agents, Date.now(), omitted));
    } finally {
      await client.close();
    }
  });
}
