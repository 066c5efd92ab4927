/**
 * Bus handlers for the `agent.*` requests: start a wrapped command (in a relay session when it
 * has somewhere to hand off to), list, find, stop and remove agents, attach and detach
 * clients, forward keystrokes and resizes.
 */
import type { AgentTerminals, UserCommand } from '../../actors/agent/agentControl.js';
import { agentName, taskOfCommand } from '../../adapters/registry.js';
import type { RequestHandler } from '../../bus/busServer.js';
import { RelayError } from '../../platform/errors.js';
import { describeAgentEnd } from '../../protocol/agentEnd.js';
import type { AgentInfo, AgentRequests, TerminalSize } from '../../protocol/agentProtocol.js';

type AgentHandlers = { [T in keyof AgentRequests]: RequestHandler<T> };

/** What the handlers need of the agent manager. */
export interface AgentService extends AgentTerminals {
  run(cmd: UserCommand): Promise<AgentInfo>;
  list(): AgentInfo[];
  /** This daemon's agents and the store's earlier ones (all, or the recent exited ones). */
  history(all: boolean): { agents: AgentInfo[]; omitted: number };
  /** An agent by id, agent name or relay session id; throws E_USAGE naming the candidates. */
  resolve(name: string): AgentInfo;
  logFile(id: string): string;
  get(id: string): AgentInfo | undefined;
  stop(id: string, reason: 'user_quit'): Promise<void>;
  remove(id: string): void;
}

export interface RelaySessionStarter {
  /** Open a relay session for an agent that is about to start; returns its id, or null for none. */
  allocate(order: string[] | undefined, firstName: string, env: Record<string, string>): string | null;
  /** Bind the started agent to the allocated session, with the client's environment and the task its command line gives. */
  bind(sessionId: string, agentId: string, cwd: string, opts: { size: TerminalSize; env: Record<string, string>; task: string | null }): void;
}

/** A name from a payload that crossed a process boundary. */
function nameOf(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RelayError('E_USAGE', 'no agent named', { hint: 'give an agent id or name, as relay ps shows it' });
  }
  return value.trim();
}

export function agentHandlers(agents: AgentService, sessions: RelaySessionStarter): AgentHandlers {
  return {
    'agent.start': async ({ command, args, cwd, env, cols, rows, order }) => {
      // The client's environment decides who can take over: its PATH, its HOME, its keys.
      const relaySession = sessions.allocate(order, agentName(command, args), env);
      const agent = await agents.run({ command, args, cwd, env, size: { cols, rows }, ...(relaySession ? { relaySession } : {}) });
      if (relaySession) sessions.bind(relaySession, agent.id, cwd, { size: { cols, rows }, env, task: taskOfCommand(command, args) });
      return { agent, relaySession };
    },
    'agent.list': (payload) => agents.history(payload?.all === true),
    'agent.resolve': ({ name }) => {
      const agent = agents.resolve(nameOf(name));
      return { agent, logFile: agents.logFile(agent.id) };
    },
    'agent.remove': ({ name }) => {
      const agent = agents.resolve(nameOf(name));
      agents.remove(agent.id);
      return { removed: agent.id };
    },
    'agent.attach': ({ id, client, cols, rows }) => agents.attach(id, client, { cols, rows }),
    'agent.detach': ({ id, client }) => ({ attached: agents.detach(id, client) }),
    'agent.keepalive': ({ id, client }) => {
      agents.keepalive(id, client);
      return { ok: true };
    },
    'agent.input': ({ id, data }) => {
      agents.input(id, data);
      return {};
    },
    'agent.resize': ({ id, cols, rows }) => {
      agents.resize(id, { cols, rows });
      return {};
    },
    'agent.stop': async ({ id }) => {
      const agent = agents.resolve(nameOf(id));
      if (agent.exit || agent.previousRun) {
        throw new RelayError('E_CONFLICT', `${describeAgentEnd(agent)}: nothing to stop`, { hint: `relay rm ${agent.id} removes it from the list` });
      }
      await agents.stop(agent.id, 'user_quit');
      return { agent: agents.get(agent.id) ?? null };
    },
  };
}
