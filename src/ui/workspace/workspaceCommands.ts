/**
 * What each command of the table does: the request it sends and what the workspace shows after.
 * The table (commandTable.ts) says how a command is invoked; this says what it does; the type
 * checker makes sure every command in the table has its action here.
 */
import { layoutSessionGraph } from '../sessionGraphView.js';
import type { ImportableAgent, SessionInfo } from '../../protocol/sessionProtocol.js';
import type { CommandActions } from './commandTable.js';
import { InputLine } from './inputLine.js';
import type { CommandHost, WorkspaceEnv } from './workspaceTypes.js';

export function commandActions(c: CommandHost, w: WorkspaceEnv): CommandActions {
  const { link } = w;
  const t = (key: string, vars?: Record<string, unknown>): string => c.translate(key, vars);
  const switched = async (session: SessionInfo, message: string): Promise<void> => {
    await c.show(session.id);
    c.say(message);
  };
  return {
    'session.new': async () => {
      const { session } = await link.request('session.new', {});
      await switched(session, t('ui.sessions.created', { number: session.number }));
    },
    'session.fork': async (name) => {
      const from = c.needSession();
      const { session } = await link.request('session.fork', { ref: from.id, ...(name ? { name } : {}) });
      await switched(session, t('ui.sessions.forked', { from: from.number, number: session.number }));
    },
    'session.merge': async (arg) => {
      const into = c.needSession();
      const refs = [into.id, ...arg.split(/[\s,]+/).filter(Boolean)];
      const { session } = await link.request('session.merge', { refs });
      await switched(session, t('ui.sessions.merged', { number: session.number }));
    },
    'session.switch': async (ref) => {
      if (ref) await c.switchTo(ref);
      else await c.pickSession('switch');
    },
    'session.attach': async (source) => {
      const target = c.needSession();
      const { session, edge } = await link.request('session.attach', { target: target.id, source });
      c.session = session;
      c.say(t('ui.sessions.attached', { source: edge.parentNumber ?? source, number: session.number }));
    },
    'session.import': async (arg) => {
      const [agent, id] = arg.split(/\s+/);
      const r = await link.request('session.import', {
        // The daemon checks the name (and says which agents it reads) like `relay session import`.
        agent: agent as ImportableAgent,
        ...(id && id !== '--latest' ? { id } : {}),
        cwd: w.cwd,
        home: w.home,
        env: w.env,
      });
      await switched(r.session, t('ui.sessions.imported', { agent, number: r.session.number, count: r.turns }));
    },
    'session.graph': async () => {
      const graph = await link.request('session.graph', {});
      const rows = layoutSessionGraph(graph);
      const at = rows.findIndex((r) => r.node?.id === c.session?.id);
      c.overlay = { kind: 'graph', rows, selected: at >= 0 ? at : Math.max(0, rows.findIndex((r) => r.node)) };
    },
    'knowledge.remember': async (text) => {
      const r = await link.request('knowledge.remember', { text, cwd: w.cwd });
      c.say(t(r.existed ? 'ui.knowledge.already' : 'ui.knowledge.remembered', { id: r.id }));
    },
    'knowledge.browse': async () => {
      const { facts } = await link.request('knowledge.list', { cwd: w.cwd });
      c.overlay = { kind: 'knowledge', query: new InputLine(), facts, selected: 0 };
    },
    'mode.toggle': (arg) => {
      const wanted = arg === 'auto' || arg === 'edit' ? arg : c.mode === 'edit' ? 'auto' : 'edit';
      c.mode = w.writeMode(wanted);
      c.say(t(`ui.mode.${c.mode}`));
    },
    'budget.show': async () => {
      const [report, budget] = await Promise.all([link.request('cost.report', {}), link.request('budget.show', {})]);
      c.budget = budget;
      c.overlay = { kind: 'cost', report, budget };
    },
    'provider.next': async () => {
      await c.refreshProviders();
      if (c.providers.length === 0) {
        c.provider = undefined;
        return c.say(t('ui.provider.none'), 'error');
      }
      const names = [undefined, ...c.providers.map((p) => p.name)];
      c.provider = names[(names.indexOf(c.provider) + 1) % names.length];
      c.say(c.provider ? t('ui.provider.switched', { provider: c.provider }) : t('ui.provider.auto'));
    },
    'agents.show': async () => {
      await c.refreshAgents();
      const live = c.agents.filter((a) => a.state !== 'exited' && a.state !== 'crashed' && !a.previousRun);
      if (live.length === 0) return c.say(t('ui.agents.none'));
      c.overlay = { kind: 'agents', agents: live, selected: 0 };
    },
    'relay.handoff': async (agent) => {
      const r = await link.request('relay.handoff', agent ? { agent } : {});
      c.say(t('ui.agents.handoff', { text: `${r.from} → ${r.toName ?? r.to ?? '—'}` }));
    },
    'screen.clear': () => {
      c.conversation.reset();
      c.say(t('ui.conversation.cleared'));
    },
    'help.show': () => {
      c.overlay = { kind: 'help' };
    },
    'app.quit': () => {
      w.quit();
    },
  };
}
