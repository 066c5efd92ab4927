// The event stream, newest first, filtered like `relay daemon tail --type`: a filter that looks
// like a type prefix (`handoff.`) matches types; any other text matches anywhere in the line.
// actor.* records (xstate's own transitions) are many and hidden unless asked for.
import { clock, el, payloadLine } from './dom.js';

const KEPT = 1000;

function classOf(type) {
  if (type === 'rate_limited' || type === 'quota_low' || type.startsWith('limit.')) return 'limit';
  if (type.startsWith('handoff.')) return 'handoff';
  if (type.endsWith('.failed') || type.endsWith('gave_up') || type === 'agent.crashed') return 'fail';
  return '';
}

export function eventsView(list, filterInput, internalBox) {
  const records = [];
  const matches = (r) => {
    if (!internalBox.checked && r.type.startsWith('actor.')) return false;
    const f = filterInput.value.trim().toLowerCase();
    if (!f) return true;
    if (/^[a-z_]+(\.[a-z_]*)*$/.test(f) && r.type.startsWith(f)) return true;
    return `${r.type} ${r.actor} ${payloadLine(r.payload)}`.toLowerCase().includes(f);
  };
  const row = (r) =>
    el('li', { 'data-seq': r.seq, 'data-type': r.type, class: classOf(r.type) },
      el('span', { class: 'muted' }, `#${r.seq}`),
      el('span', { class: 'muted' }, clock(r.at)),
      el('span', { class: 'type' }, r.type),
      el('span', {}, r.actor),
      el('span', { class: 'payload', title: payloadLine(r.payload) }, payloadLine(r.payload)));
  const redraw = () => list.replaceChildren(...records.filter(matches).reverse().map(row));
  filterInput.addEventListener('input', redraw);
  internalBox.addEventListener('change', redraw);
  return {
    add(r) {
      records.push(r);
      if (records.length > KEPT) records.splice(0, records.length - KEPT);
      if (matches(r)) list.prepend(row(r));
      while (list.children.length > KEPT) list.lastChild.remove();
    },
  };
}
