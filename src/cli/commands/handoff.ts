/**
 * `relay handoff [<agent>] [--to <name>] [--json]`: hand a relay session on now, as if its agent
 * had hit its limit (the agent is parked, not stopped, so the user can go back to it).
 */
import { describeGaps, type HandoffResult } from '../../protocol/relayProtocol.js';
import { formatClockTime } from '../../platform/duration.js';
import { relayPaths } from '../../platform/paths.js';
import { withDaemonClient } from '../../client/daemonLauncher.js';
import { printJson, printLine, runCommand, type CommonOptions } from '../output.js';

/**
 * A handoff reads a transcript, runs git and starts a CLI before it answers: seconds on a busy
 * machine, not the milliseconds of other requests.
 */
const HANDOFF_TIMEOUT_MS = 60_000;

interface HandoffOptions extends CommonOptions {
  /** The agent name to hand to (codex, gemini, cli:aider); the next available one otherwise. */
  to?: string;
}

function describe(r: HandoffResult): string {
  if (r.stranded) {
    const now = Date.now();
    const when = r.resumeAt === null ? 'when an agent becomes available' : `at ${formatClockTime(r.resumeAt, now)}`;
    const why = describeGaps(r.unavailable, now);
    return `relay session ${r.relaySession}: no agent can take over now${why ? ` (${why})` : ''}; it resumes ${when} (snapshot ${r.snapshot.id})`;
  }
  return `relay session ${r.relaySession}: ${r.from} → ${r.toName} (${r.to}); snapshot ${r.snapshot.id} — relay attach ${r.to}`;
}

/** `agent`: an agent id, an agent name or a relay session id; the most recent session when absent. */
export function handoff(agent: string | undefined, opts: HandoffOptions): Promise<number> {
  return runCommand(opts.json, async () => {
    const result = await withDaemonClient(relayPaths(), (client) =>
      client.request('relay.handoff', { ...(agent ? { agent } : {}), ...(opts.to ? { to: opts.to } : {}) }, HANDOFF_TIMEOUT_MS),
    );
    if (opts.json) printJson(result);
    else printLine(describe(result));
  });
}
