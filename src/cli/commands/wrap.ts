/**
 * `relay wrap [--order a,b] [--name N] -- <cmd> [args]`: run a command as a supervised agent
 * with this terminal attached; exit with its exit code. `relay attach <agent>` returns to one.
 */
import { BusClient } from '../../bus/busClient.js';
import { EXIT, RelayError } from '../../platform/errors.js';
import { loadConfig } from '../../config/relayConfig.js';
import { relayPaths, type RelayPaths } from '../../platform/paths.js';
import { ensureDaemon } from '../../client/daemonLauncher.js';
import { describeDetachKey, parseDetachKey } from '../../config/detachKey.js';
import { runCommand } from '../output.js';
import { TerminalClient, type AttachOutcome } from '../terminalClient.js';

interface WrapOptions {
  order?: string;
  name?: string;
}

function terminal(paths: RelayPaths, client: BusClient): TerminalClient {
  const spec = loadConfig(paths).wrap.detachKey;
  return new TerminalClient({
    paths,
    client,
    detachKey: parseDetachKey(spec),
    detachKeyName: describeDetachKey(spec),
    stdin: process.stdin,
    stdout: process.stdout,
  });
}

function finish(outcome: AttachOutcome, keyName: string): number {
  if (outcome.kind === 'detached') {
    process.stderr.write(`\r\n[relay] detached from ${outcome.agentId}; it keeps running (relay attach ${outcome.agentId} returns, ${keyName} detaches)\r\n`);
    return EXIT.ok;
  }
  return outcome.code;
}

export function wrap(argv: string[], opts: WrapOptions): Promise<number> {
  return runCommand(false, async () => {
    const [command, ...args] = argv;
    if (!command) throw new RelayError('E_USAGE', 'nothing to wrap', { hint: 'usage: relay wrap [--order a,b] -- <command> [args]' });
    const paths = relayPaths();
    await ensureDaemon(paths);
    const client = new BusClient(paths);
    const term = terminal(paths, client);
    try {
      await term.subscribeAll();
      const order = opts.order?.split(',').map((s) => s.trim()).filter(Boolean);
      const { stdout } = process;
      const { agent, relaySession } = await client.request('agent.start', {
        command,
        args,
        cwd: process.cwd(),
        env: process.env as Record<string, string>,
        cols: stdout.isTTY ? stdout.columns || 80 : 80,
        rows: stdout.isTTY ? stdout.rows || 24 : 24,
        ...(order && order.length > 0 ? { order } : {}),
        ...(opts.name ? { name: opts.name } : {}),
      });
      term.relaySession = relaySession;
      const outcome = await term.run(agent.id, { fromStart: true });
      return finish(outcome, describeDetachKey(loadConfig(paths).wrap.detachKey));
    } finally {
      await term.close();
      await client.close();
    }
  });
}

export function attach(agentId: string): Promise<number> {
  return runCommand(false, async () => {
    const paths = relayPaths();
    await ensureDaemon(paths);
    const client = new BusClient(paths);
    try {
      const outcome = await terminal(paths, client).run(agentId, { fromStart: false });
      return finish(outcome, describeDetachKey(loadConfig(paths).wrap.detachKey));
    } finally {
      await client.close();
    }
  });
}
