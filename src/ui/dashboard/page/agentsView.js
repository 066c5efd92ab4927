// Agents and their states, as `relay ps` shows them.
import { clock, el, fillTable } from './dom.js';

export function agentsView(table) {
  return {
    show({ agents }) {
      fillTable(table, agents.map((a) =>
        el('tr', { 'data-agent': a.id },
          el('td', {}, a.id),
          el('td', { class: `state-${a.state}` }, a.state, a.attached > 0 ? ` · ${a.attached} attached` : ''),
          el('td', {}, a.relaySession ?? ''),
          el('td', { class: 'muted' }, a.cwd),
          el('td', { class: 'muted' }, clock(a.startedAt)))));
    },
  };
}
