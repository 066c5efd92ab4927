/** `relay workers [--json]`: the worker roles (built in and from config.yaml) and what each needs from a model. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatWorkerTable } from '../../ui/workerView.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export function workers(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const result = await withDaemonClient(relayPaths(), (client) => client.request('workers.list', {}));
    if (opts.json) printJson(result);
    else printLine(formatWorkerTable(result.workers).join('\n'));
  });
}
