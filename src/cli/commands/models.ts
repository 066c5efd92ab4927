/** `relay models [--json]`: the models of every usable provider, with tier, billing, context and price. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatModelTable } from '../../ui/modelView.js';
import { clientEnv } from '../clientEnv.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';
import { DETECTION_TIMEOUT_MS } from './providers.js';

export function models(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const result = await withDaemonClient(relayPaths(), (client) => client.request('models.list', { env: clientEnv() }, DETECTION_TIMEOUT_MS));
    if (opts.json) printJson(result);
    else printLine(formatModelTable(result.models).join('\n'));
  });
}
