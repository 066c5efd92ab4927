/** `relay models`: every model Relay can route to, with its tier, billing, context size and price. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatModelTable } from '../../ui/modelView.js';
import { clientEnv } from '../../client/clientEnv.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';
import { DETECTION_TIMEOUT_MS } from './providers.js';

export function models(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const { models: list } = await withDaemonClient(relayPaths(), (client) =>
      client.request('models.list', { env: clientEnv() }, DETECTION_TIMEOUT_MS),
    );
    if (opts.json) printJson({ models: list });
    else printLine(formatModelTable(list).join('\n'));
  });
}
