// Snapshots: the context each handoff carried to the next agent (files under RELAY_HOME/snapshots,
// read with `relay snapshots show <id>`).
import { clock, el, fillTable } from './dom.js';

export function snapshotsView(table) {
  return {
    show({ snapshots }) {
      fillTable(table, snapshots.map((s) =>
        el('tr', { 'data-snapshot': s.id },
          el('td', { title: s.path }, s.id),
          el('td', {}, `${s.fromAgent} → ${s.toAgent ?? '(nobody: stranded)'}`),
          el('td', {}, s.reason, s.limitedUntil ? ` · until ${clock(s.limitedUntil)}` : ''),
          el('td', { class: 'muted' }, clock(s.createdAt)))));
    },
  };
}
