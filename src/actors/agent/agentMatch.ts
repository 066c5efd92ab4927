/**
 * Which agent a user means by what they typed: `relay stop`, `rm`, `logs` and `attach` take it
 * the way `relay handoff` does — an agent id (`claude-1`), an agent name (`claude`,
 * `cli:aider`) or a relay session id (its active agent). A name that fits several agents is
 * not guessed at: the error lists them, so the user can pick one by id.
 */
import { RelayError } from '../../platform/errors.js';
import type { AgentInfo } from '../../protocol/agentProtocol.js';

/** Candidates named in one error line at most; the rest are counted. */
const MAX_LISTED = 8;

function label(a: AgentInfo): string {
  return `${a.id} (${a.previousRun && !a.exit ? 'earlier run' : a.state})`;
}

function listed(agents: readonly AgentInfo[]): string {
  const shown = agents.slice(0, MAX_LISTED).map(label).join(', ');
  return agents.length > MAX_LISTED ? `${shown} and ${agents.length - MAX_LISTED} more` : shown;
}

const isLive = (a: AgentInfo): boolean => a.exit === null && !a.previousRun;
/** Live and not parked: the agent a relay session works with now (handoff's "active agent"). */
const isActive = (a: AgentInfo): boolean => isLive(a) && a.state !== 'parked';

/**
 * Of several agents that fit, the only active one; else the only live one; else the only one;
 * else it is ambiguous.
 */
function pick(query: string, fits: AgentInfo[]): AgentInfo | undefined {
  if (fits.length === 0) return undefined;
  const active = fits.filter(isActive);
  if (active.length === 1) return active[0];
  const live = fits.filter(isLive);
  if (active.length === 0 && live.length === 1) return live[0];
  if (live.length === 0 && fits.length === 1) return fits[0];
  const among = active.length > 1 ? active : live.length > 1 ? live : fits;
  throw new RelayError('E_USAGE', `"${query}" matches ${among.length} agents: ${listed(among)}`, {
    hint: `name one by its id, e.g. ${among[among.length - 1]!.id}`,
  });
}

/**
 * The agent `query` names among `agents` (this daemon's and the store's).
 * @throws RelayError E_USAGE when none or several fit, naming the candidates.
 */
export function matchAgent(query: string, agents: readonly AgentInfo[]): AgentInfo {
  const q = query.trim();
  const byId = agents.find((a) => a.id === q);
  if (byId) return byId;
  const found = pick(q, agents.filter((a) => a.relaySession === q)) ?? pick(q, agents.filter((a) => a.name === q));
  if (found) return found;
  const known = agents.filter(isLive);
  throw new RelayError('E_USAGE', `no agent named "${q}"${known.length > 0 ? ` (running: ${listed(known)})` : ''}`, {
    hint: 'relay ps --all lists every agent with its id',
  });
}
