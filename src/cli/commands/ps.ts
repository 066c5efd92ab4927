/** `relay ps [--all]`: the agents the daemon supervises, and those that ran before. */
import { existsSync } from 'node:fs';
import { BusClient } from '../../bus/busClient.js';
import { relayPaths, type RelayPaths } from '../../platform/paths.js';
import { recentAgents, type AgentInfo } from '../../protocol/agentProtocol.js';
import { openDatabase } from '../../store/database.js';
import { agentInfoOf, AgentsRepo } from '../../store/agentsRepo.js';
import { runningDaemonPid } from '../../client/daemonLauncher.js';
import { formatAgentTable } from '../../ui/agentTable.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

interface PsOptions extends CommonOptions {
  /** Every exited agent, not only the most recent ones. */
  all?: boolean;
}

/** With no daemon, the agents of its earlier runs, read from the store (read-only). */
function storedAgents(paths: RelayPaths): AgentInfo[] {
  if (!existsSync(paths.db)) return [];
  const db = openDatabase(paths.db, { readonly: true });
  try {
    return new AgentsRepo(db).list().map((r) => agentInfoOf(r, true));
  } finally {
    db.close();
  }
}

export function ps(opts: PsOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    // No daemon means no live agents; listing them must not start one.
    if (runningDaemonPid(paths) === null) {
      const { agents, omitted } = recentAgents(storedAgents(paths), opts.all === true);
      if (opts.json) printJson({ agents, omitted });
      else if (agents.length === 0) printLine('no agents (the daemon is not running)');
      else printLine(`the daemon is not running; agents of its earlier runs:\n${formatAgentTable(agents, Date.now(), omitted)}`);
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
