/**
 * `relay attach <agent>`: this terminal to a running agent, named as `relay handoff` takes it
 * (id, agent name, relay session id). An agent that has exited is said to have, with when and
 * how, instead of attaching to nothing.
 */
import { BusClient } from '../../bus/busClient.js';
import { RelayError } from '../../platform/errors.js';
import { relayPaths } from '../../platform/paths.js';
import { describeAgentEnd } from '../../protocol/agentEnd.js';
import { ensureDaemon } from '../../client/daemonLauncher.js';
import { runCommand } from '../output.js';
import { finishAttach, terminalFor } from './wrap.js';

export function attach(name: string): Promise<number> {
  return runCommand(false, async () => {
    const paths = relayPaths();
    await ensureDaemon(paths);
    const client = new BusClient(paths);
    try {
      const { agent } = await client.request('agent.resolve', { name });
      if (agent.exit || agent.previousRun) {
        throw new RelayError('E_CONFLICT', `${describeAgentEnd(agent)}: nothing to attach to`, {
          hint: `relay logs ${agent.id} shows its output; relay ps lists the running agents`,
        });
      }
      const term = terminalFor(paths, client);
      return finishAttach(await term.run(agent.id, { fromStart: false }), term.detachKeyName);
    } finally {
      await client.close();
    }
  });
}
