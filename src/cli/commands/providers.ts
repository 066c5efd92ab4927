/** `relay providers`: what Relay looked for, what it found, and why each is usable or not. */
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { relayPaths } from '../../platform/paths.js';
import { formatProviderView } from '../../ui/providerView.js';
import { clientEnv } from '../../client/clientEnv.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/** Detection probes a local Ollama and looks the agent CLIs up; more than a plain request takes. */
export const DETECTION_TIMEOUT_MS = 15_000;

export function providers(opts: CommonOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    // The keys are in this shell's environment, not the daemon's: the request carries them.
    const { providers: found, lookedFor } = await withDaemonClient(relayPaths(), (client) =>
      client.request('providers.list', { env: clientEnv() }, DETECTION_TIMEOUT_MS),
    );
    if (opts.json) printJson({ providers: found, lookedFor });
    else printLine(formatProviderView(found, lookedFor, Date.now()).join('\n'));
  });
}
