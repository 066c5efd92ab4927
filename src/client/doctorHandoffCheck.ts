/**
 * `relay doctor`: who can take over. A relay session looks for its next agent on the PATH of
 * the shell that ran `relay wrap` (the request carries it to the daemon), so this check reads
 * this shell's PATH with the same lookup the daemon uses, over the order the daemon will use.
 */
import { isRelayError } from '../platform/errors.js';
import type { RelayPaths } from '../platform/paths.js';
import { describeGaps } from '../protocol/relayProtocol.js';
import { KNOWN_KINDS, unavailableOnPath } from '../adapters/registry.js';
import type { CheckOutcome, DoctorCheck } from './doctorCheck.js';

async function checkHandoff(paths: RelayPaths, env: NodeJS.ProcessEnv): Promise<CheckOutcome> {
  const { loadConfig } = await import('../config/relayConfig.js');
  let order: readonly string[];
  try {
    order = loadConfig(paths).handoff.order;
  } catch (e) {
    // The config check reports the error itself.
    if (isRelayError(e)) return { status: 'warn', detail: 'not checked: config.yaml does not load', fix: 'see the config check' };
    throw e;
  }
  const path = env.PATH ?? '';
  const configured = order.length > 0;
  // One lookup per name; without an order, the daemon's default is the known CLIs found here.
  const looked = (configured ? order : KNOWN_KINDS).map((name) => ({ name, gap: unavailableOnPath(name, path) }));
  const names = configured ? order : looked.filter((l) => l.gap === null).map((l) => l.name);
  const gaps = looked.flatMap((l) => (l.gap && configured ? [l.gap] : []));
  const usable = looked.filter((l) => l.gap === null).map((l) => l.name);
  const where = "from this shell (relay wrap hands off with this shell's PATH)";
  if (gaps.length > 0) {
    return {
      status: 'warn',
      detail: `handoff order ${names.join(' → ')} ${where}: ${describeGaps(gaps, Date.now())}; a handoff skips ${gaps.length === 1 ? 'it' : 'them'}`,
      fix: `install ${gaps.map((g) => g.name).join(', ')}, or take ${gaps.length === 1 ? 'it' : 'them'} out of handoff.order in ${paths.config}`,
    };
  }
  // No CLI at all is the agents check's news; one is worth saying here.
  if (usable.length === 0) return { status: 'ok', detail: 'no agent CLI on this PATH: nothing to hand off yet' };
  if (usable.length < 2) {
    return {
      status: 'warn',
      detail: `only ${usable[0]} on this shell's PATH: when it is limited nobody can take over`,
      fix: 'install a second agent CLI (e.g. npm i -g @openai/codex), or set handoff.order in config.yaml',
    };
  }
  return { status: 'ok', detail: `${usable.join(' → ')} ${configured ? '' : '(inferred) '}can take over ${where}` };
}

export function handoffCheck(env: NodeJS.ProcessEnv = process.env): DoctorCheck {
  return { id: 'handoff', title: 'who can take over', run: (paths) => checkHandoff(paths, env) };
}
