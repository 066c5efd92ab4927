/**
 * Bus handlers for the `agent.*` requests: start a wrapped command (in a relay session when it
 * has somewhere to hand off to), attach and detach clients, forward keystrokes and resizes.
 */
import type { AgentManager } from '../actors/agent/agentManager.js';
import type { AgentRequests } from '../bus/agentProtocol.js';
import type { RequestHandler } from '../bus/busServer.js';
import { adapterFor, agentName, detectKind } from '../adapters/registry.js';

type AgentHandlers = { [T in keyof AgentRequests]: RequestHandler<T> };

export interface RelaySessionStarter {
  /** Open a relay session for an agent that is about to start; returns its id, or null for none. */
  allocate(order: string[] | undefined, firstName: string): string | null;
  /** Bind the started agent to the allocated session. */
  bind(sessionId: string, agentId: string, cwd: string, size: { cols: number; rows: number }): void;
}

export function agentHandlers(agents: AgentManager, sessions: RelaySessionStarter): AgentHandlers {
  return {
    'agent.start': async ({ command, args, cwd, env, cols, rows, order }) => {
      const kind = detectKind(command, args);
      const relaySession = sessions.allocate(order, agentName(command, args));
      // The user's own command line is kept; the adapter adds only its environment (caps on the
      // CLI's built-in retries, so a limit reaches Relay in seconds, not minutes).
      const launch = adapterFor(kind).launch({ cwd, userArgs: [command, ...args] });
      const agent = await agents.start({
        kind,
        command,
        args,
        cwd,
        env: { ...launch.env, ...env },
        cols,
        rows,
        ...(relaySession ? { relaySession } : {}),
      });
      if (relaySession) sessions.bind(relaySession, agent.id, cwd, { cols, rows });
      return { agent, relaySession };
    },
    'agent.list': () => ({ agents: agents.list() }),
    'agent.attach': ({ id, client, cols, rows }) => {
      const actor = agents.actor(id);
      actor.attach(client);
      if (cols > 0 && rows > 0 && (cols !== actor.session.screen.cols || rows !== actor.session.screen.rows)) {
        actor.session.resize(cols, rows);
      }
      // Publish what is gathered, so every chunk up to `seq` is either on the screen or already
      // sent (and dropped by the client as <= seq). Serialize inside the parser's callback:
      // everything written before is on the screen and nothing after it yet, so `seq` is exactly
      // the last chunk the screen shows.
      actor.session.flush();
      const seq = actor.session.seq;
      return new Promise((resolve) => {
        actor.session.screen.write('', () => resolve({ agent: actor.info(), screen: actor.session.screen.serialize(), seq }));
      });
    },
    'agent.detach': ({ id, client }) => {
      const actor = agents.actor(id);
      actor.detach(client);
      return { attached: actor.info().attached };
    },
    'agent.keepalive': ({ id, client }) => {
      const actor = agents.actor(id);
      actor.attach(client);
      return { ok: true };
    },
    'agent.input': ({ id, data }) => {
      agents.actor(id).input(data);
      return {};
    },
    'agent.resize': ({ id, cols, rows }) => {
      agents.actor(id).session.resize(cols, rows);
      return {};
    },
    'agent.stop': async ({ id }) => {
      await agents.stop(id, 'user_quit');
      return { agent: agents.get(id) ?? null };
    },
  };
}
