/** `relay rm <agent>`: forget an exited agent (its row in `relay ps`, its logs). */
import { relayPaths } from '../../platform/paths.js';
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export function rm(name: string, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { removed } = await withDaemonClient(relayPaths(), (client) => client.request('agent.remove', { name }));
    if (opts.json) printJson({ removed });
    else printLine(`removed ${removed}`);
  });
}
