/** `relay rm <agent>`: forget an exited agent (its row in `relay ps`, its logs). */
import { BusClient } from '../../bus/busClient.js';
import { relayPaths } from '../../platform/paths.js';
import { ensureDaemon } from '../../client/daemonLauncher.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export function rm(name: string, opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const paths = relayPaths();
    await ensureDaemon(paths);
    const client = new BusClient(paths);
    try {
      const { removed } = await client.request('agent.remove', { name });
      if (opts.json) printJson({ removed });
      else printLine(`removed ${removed}`);
    } finally {
      await client.close();
    }
  });
}
