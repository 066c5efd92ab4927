/**
 * `relay wrap [--order a,b] [--name N] -- <cmd> [args]`: run a command as a supervised agent
 * with this terminal attached; exit with its exit code. `relay attach <agent>` (attach.ts)
 * returns to one. When the daemon ends under it, one line says so and where the agent is.
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

export function terminalFor(paths: RelayPaths, client: BusClient): TerminalClient {
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

/** The notice for how an attachment ended, and the exit code of `relay wrap`/`attach`. */
export function finishAttach(outcome: AttachOutcome, keyName: string): number {
  const say = (text: string): void => void process.stderr.write(`\r\n[relay] ${text}\r\n`);
  switch (outcome.kind) {
    case 'detached':
      say(`detached from ${outcome.agentId}; it keeps running (relay attach ${outcome.agentId} returns, ${keyName} detaches)`);
      return EXIT.ok;
    case 'daemonStopped':
      say(`the daemon stopped (${outcome.reason}) and stopped ${outcome.agentId} with it — relay daemon start, then run it again`);
      return EXIT.daemonUnavailable;
    case 'daemonLost':
      say(`lost the daemon (it crashed or was killed); ${outcome.agentId ?? 'the agent'} is in an unknown state — relay daemon start, then relay ps`);
      return EXIT.daemonUnavailable;
    case 'exited':
      return outcome.code;
  }
}

/** What a supervised start needs beyond this terminal: the command and its environment. */
export interface AttachedStart {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** `--order a,b` as typed. */
  order?: string;
  name?: string;
}

/**
 * Start a command as a supervised agent with this terminal attached, as `relay wrap` does (and
 * `relay session open`): subscribed before the start so no output or handoff is missed; the exit
 * code is the agent's, or how the attachment ended.
 */
export async function runAttached(start: AttachedStart): Promise<number> {
  const paths = relayPaths();
  await ensureDaemon(paths);
  const client = new BusClient(paths);
  const term = terminalFor(paths, client);
  try {
    await term.subscribeAll();
    const order = start.order?.split(',').map((s) => s.trim()).filter(Boolean);
    const { stdout } = process;
    const { agent, relaySession } = await client.request('agent.start', {
      command: start.command,
      args: start.args,
      cwd: process.cwd(),
      env: start.env,
      cols: stdout.isTTY ? stdout.columns || 80 : 80,
      rows: stdout.isTTY ? stdout.rows || 24 : 24,
      ...(order && order.length > 0 ? { order } : {}),
      ...(start.name ? { name: start.name } : {}),
    });
    term.relaySession = relaySession;
    const outcome = await term.run(agent.id, { fromStart: true });
    return finishAttach(outcome, term.detachKeyName);
  } finally {
    await term.close();
    await client.close();
  }
}

export function wrap(argv: string[], opts: WrapOptions): Promise<number> {
  return runCommand(false, async () => {
    const [command, ...args] = argv;
    if (!command) throw new RelayError('E_USAGE', 'nothing to wrap', { hint: 'usage: relay wrap [--order a,b] -- <command> [args]' });
    return runAttached({
      command,
      args,
      env: process.env as Record<string, string>,
      ...(opts.order ? { order: opts.order } : {}),
      ...(opts.name ? { name: opts.name } : {}),
    });
  });
}
