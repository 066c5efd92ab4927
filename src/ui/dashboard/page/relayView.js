// Relay sessions (one task's chain of agents across handoffs): the order with the active agent
// marked, and when a stranded one resumes.
import { clock, el, fillTable } from './dom.js';

export function relayView(table) {
  return {
    show({ sessions }) {
      fillTable(table, sessions.map((s) =>
        el('tr', { 'data-relay': s.id },
          el('td', {}, s.id),
          el('td', { class: `state-${s.state}` }, s.state, s.resumeAt ? ` until ${clock(s.resumeAt)}` : ''),
          el('td', { class: 'order' }, ...s.order.flatMap((name, i) => [
            i > 0 ? ' → ' : '',
            el('span', { class: name === s.activeName ? 'active' : '' }, name),
          ])),
          el('td', {}, s.task ?? ''),
          el('td', { class: 'muted' }, clock(s.updatedAt)))));
    },
  };
}
