/** `relay providers [--json]`: what Relay looked for, what it found, and why each is usable or not. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatProviderView } from '../../ui/providerView.js';
import { clientEnv } from '../clientEnv.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/** Detection runs each agent CLI's version check and probes a local Ollama: more than the usual 5 s on a slow machine. */
export const DETECTION_TIMEOUT_MS = 15_000;

export function providers(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const result = await withDaemonClient(relayPaths(), (client) => client.request('providers.list', { env: clientEnv() }, DETECTION_TIMEOUT_MS));
    if (opts.json) printJson(result);
    else printLine(formatProviderView(result.providers, result.lookedFor, Date.now()).join('\n'));
  });
}
