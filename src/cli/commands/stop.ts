/** `relay stop <agent>`: stop a running or parked agent and every process of its group. */
import { relayPaths } from '../../platform/paths.js';
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/** SIGTERM, a 5 s grace period, then SIGKILL and a sweep: the reply comes after all of it. */
const STOP_TIMEOUT_MS = 15_000;

export function stop(name: string, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { agent } = await withDaemonClient(relayPaths(), (client) => client.request('agent.stop', { id: name }, STOP_TIMEOUT_MS));
    if (opts.json) printJson({ agent });
    else if (agent) printLine(`stopped ${agent.id}${agent.exit ? ` (${agent.exit.reason})` : ''} — relay logs ${agent.id} shows its output, relay rm ${agent.id} removes it`);
  });
}
