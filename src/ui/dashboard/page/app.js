// The dashboard page: reads each panel's state once, then follows the event log and re-reads a
// panel when an event says its state changed (a few reads per burst, not one per event).
import { agentsView } from './agentsView.js';
import { clock } from './dom.js';
import { eventsView } from './eventsView.js';
import { followEvents, read } from './feed.js';
import { graphView } from './graphView.js';
import { relayView } from './relayView.js';
import { snapshotsView } from './snapshotsView.js';
import { spendView } from './spendView.js';

const $ = (id) => document.getElementById(id);

const relay = relayView($('relay'));
const snapshots = snapshotsView($('snapshots'));
const panels = {
  agents: { read: 'agents', view: agentsView($('agents')) },
  relay: { read: 'relay', view: { show: (v) => { relay.show(v); snapshots.show(v); } } },
  graph: { read: 'graph', view: graphView($('graph')) },
  spend: { read: 'spend', view: spendView($('spend'), $('spend-summary')) },
  status: {
    read: 'status',
    view: { show: (s) => ($('daemon').textContent = `daemon ${s.pid} · v${s.version} · up since ${clock(s.startedAt)} · ${s.home}`) },
  },
};

/** Which panels an event type changes. */
function panelsFor(type) {
  const out = [];
  if (/^(agent|pty)\.|^rate_limited$|^handoff\./.test(type)) out.push('agents');
  if (/^(relay|handoff)\.|^rate_limited$|^quota_low$/.test(type)) out.push('relay');
  if (/^session\.|^task\.finished$|^relay\.|^handoff\.completed$/.test(type)) out.push('graph');
  if (/^(budget|call)\.|^task\.finished$/.test(type)) out.push('spend');
  if (/^daemon\./.test(type)) out.push('status');
  return out;
}

const dirty = new Set();
let timer;
function refresh(names) {
  for (const n of names) dirty.add(n);
  clearTimeout(timer);
  timer = setTimeout(async () => {
    const now = [...dirty];
    dirty.clear();
    await Promise.all(now.map(async (n) => {
      try {
        panels[n].view.show(await read(panels[n].read));
      } catch {
        dirty.add(n); // the daemon is away: read again on the next connect
      }
    }));
  }, 120);
}

const events = eventsView($('events'), $('event-filter'), $('show-internal'));
followEvents({
  onEvent: (r) => {
    events.add(r);
    refresh(panelsFor(r.type));
  },
  onState: (state) => {
    const conn = $('conn');
    conn.dataset.state = state;
    conn.textContent = state === 'live' ? 'live' : 'daemon away, reconnecting…';
    if (state === 'live') refresh(Object.keys(panels));
  },
});
