/** `relay workers`: the roles a task can go to and what each needs from a model. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatWorkerTable } from '../../ui/workerView.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

export function workers(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { workers: list } = await withDaemonClient(relayPaths(), (client) => client.request('workers.list', {}));
    if (opts.json) printJson({ workers: list });
    else printLine(formatWorkerTable(list).join('\n'));
  });
}
