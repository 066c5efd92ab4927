// The conversation graph as a DAG: sessions are nodes, fork/merge/attach/handoff/import edges
// point from parent to child. ELK's layered (Sugiyama) layout places them, parents above
// children, so a merge is drawn once with each of its parents above it.
import { svg } from './dom.js';

const CHAR_W = 7.4;
const NODE_H = 38;
const KINDS = ['fork', 'merge', 'attach', 'handoff', 'import'];

// elk.bundled.js runs the layout in the page (no worker, nothing fetched).
const elk = new globalThis.ELK();

function label(n) {
  return n.external ? n.id : `#${n.number}${n.name ? ` ${n.name}` : ''}`;
}
function sub(n) {
  return n.external ? 'source' : `${n.origin} · ${n.messages} msg${n.messages === 1 ? '' : 's'}`;
}

export function graphView(box) {
  let drawn = 0;
  return {
    async show({ nodes, edges }) {
      const turn = ++drawn;
      const known = new Set(nodes.map((n) => n.id));
      const all = [...nodes];
      for (const e of edges) {
        if (!known.has(e.parent)) {
          known.add(e.parent);
          all.push({ id: e.parent, external: true });
        }
      }
      const empty = box.parentElement.querySelector('.empty');
      empty.hidden = all.length > 0;
      if (all.length === 0) return box.replaceChildren();
      const layout = await elk.layout({
        id: 'root',
        layoutOptions: {
          'elk.algorithm': 'layered',
          'elk.direction': 'DOWN',
          'elk.spacing.nodeNode': '28',
          'elk.layered.spacing.nodeNodeBetweenLayers': '44',
          'elk.edgeRouting': 'ORTHOGONAL',
        },
        children: all.map((n) => ({
          id: n.id,
          width: Math.max(label(n).length, sub(n).length) * CHAR_W + 20,
          height: NODE_H,
        })),
        edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.parent], targets: [e.child] })),
      });
      if (turn !== drawn) return; // a newer graph came while this one was laid out
      const byId = new Map(all.map((n) => [n.id, n]));
      const width = Math.ceil(layout.width ?? 0) + 20;
      const height = Math.ceil(layout.height ?? 0) + 40;
      const root = svg('svg', { width, height, viewBox: `-10 -10 ${width} ${height}`, role: 'img', 'aria-label': 'conversation graph' },
        svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
          svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#7d8899' }))));
      for (const [i, e] of layout.edges.entries()) {
        const kind = edges[i].kind;
        for (const s of e.sections ?? []) {
          const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint];
          root.append(svg('g', { class: `edge ${kind}`, 'data-kind': kind, 'data-parent': edges[i].parent, 'data-child': edges[i].child },
            svg('path', { d: pts.map((p, j) => `${j ? 'L' : 'M'}${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' }),
            svg('title', {}, `${kind}${edges[i].note ? `: ${edges[i].note}` : ''}`)));
        }
      }
      for (const c of layout.children) {
        const n = byId.get(c.id);
        root.append(svg('g', {
          class: `node${n.current ? ' current' : ''}${n.external ? ' external' : ''}`,
          'data-number': n.number ?? '', 'data-id': n.id, transform: `translate(${c.x},${c.y})`,
        },
        svg('rect', { width: c.width, height: c.height }),
        svg('text', { x: 10, y: 16 }, label(n)),
        svg('text', { x: 10, y: 31, class: 'sub' }, sub(n))));
      }
      const legend = svg('g', { class: 'legend', transform: `translate(0,${height - 22})` });
      KINDS.forEach((k, i) => legend.append(svg('g', { class: `edge ${k}`, transform: `translate(${i * 90},0)` },
        svg('path', { d: 'M0,0 L24,0' }), svg('text', { x: 30, y: 4 }, k))));
      root.append(legend);
      box.replaceChildren(root);
    },
  };
}

