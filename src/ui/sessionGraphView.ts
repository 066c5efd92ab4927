/**
 * `relay session graph`: the sessions as a DAG in lanes, like `git log --graph`. Every child is
 * drawn above its parents (newest first where the order is free), so a merged session is one row
 * with a join from each parent's lane, never a row per parent. Parents that are not sessions (a
 * deleted one, an import's source `claude:<id>`) and attached sessions are words on the row, not
 * lanes. The layout is data first ({@link layoutSessionGraph}) so the TUI can draw the same rows
 * its own way; {@link renderSessionGraph} fits it into a terminal width.
 */
import stringWidth from 'string-width';
import type { GraphEdge, GraphNode, SessionGraph } from '../protocol/sessionProtocol.js';
import { oneLine } from './sessionViews.js';

/** More lanes than this leave too little of 80 columns for the labels; the rest are counted, not drawn. */
export const MAX_DRAWN_LANES = 8;

/** A name is cut to this many columns first, so the lineage after it stays visible. */
const NAME_COLUMNS = 30;

/**
 * One row of the layout. `glyphs` has two columns per lane: lane i's glyph at column 2i (`*` the
 * node, `|` a lane going on), the joins between lanes at the odd columns (`\` a lane opening to
 * the right, `/` one closing to the left, `_` a lane passing under others on its way left, `-.`
 * an octopus merge reaching for its third and later parents). No trailing blanks, not capped.
 */
export interface GraphRow {
  glyphs: string;
  /** How many lanes the row spans once drawn (lanes to the right of `glyphs` are none). */
  lanes: number;
  /** The node of a node row; link rows (joins only) have none. */
  node?: GraphNode;
  /** The node's lane, on a node row. */
  column?: number;
  /** Where the node comes from, in words: `Derived: #12 #25`, `fork of #12`, … (empty for a root). */
  lineage?: string;
}

/** `claude:1a2b3c4d-…` → `claude 1a2b3c4d`; OpenCode's `ses_` is in every id, so it is left out. */
function externalName(parent: string): string | undefined {
  const m = /^([a-z][\w-]*):(?:[a-z]+_)?(.+)$/.exec(parent);
  return m ? `${m[1]} ${m[2]!.slice(0, 8)}` : undefined;
}

function parentName(e: GraphEdge, byId: ReadonlyMap<string, GraphNode>): string {
  const p = byId.get(e.parent);
  if (p) return `#${p.number}`;
  return (e.kind === 'import' ? externalName(e.parent) : undefined) ?? `deleted ${oneLine(e.parent, 64).slice(0, 8)}`;
}

/** The same words the store's lineage uses: merges first as one `Derived:`, then the rest in edge order. */
function lineageOf(edges: readonly GraphEdge[], byId: ReadonlyMap<string, GraphNode>): string {
  const merged = edges.filter((e) => e.kind === 'merge').map((e) => parentName(e, byId));
  const parts = merged.length > 0 ? [`Derived: ${merged.join(' ')}`] : [];
  for (const e of edges) {
    const note = e.note ? ` (${oneLine(e.note, 40)})` : '';
    const name = parentName(e, byId);
    if (e.kind === 'fork') parts.push(`fork of ${name}`);
    else if (e.kind === 'attach') parts.push(`attached ${name}`);
    else if (e.kind === 'handoff') parts.push(`handoff from ${name}${note}`);
    else if (e.kind === 'import') parts.push(`imported from ${name}${note}`);
  }
  return parts.join(', ');
}

/** Newest first: the last worked in, then the higher number, then the id (so ties are still stable). */
function newer(a: GraphNode, b: GraphNode): number {
  return b.updatedAt - a.updatedAt || b.number - a.number || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A binary heap of the nodes ready to draw, newest on top: the order stays O(n log n) for many sessions. */
class ReadyHeap {
  private readonly items: GraphNode[] = [];
  get size(): number {
    return this.items.length;
  }
  push(n: GraphNode): void {
    const a = this.items;
    a.push(n);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (newer(a[i]!, a[up]!) >= 0) break;
      [a[i], a[up]] = [a[up]!, a[i]!];
      i = up;
    }
  }
  pop(): GraphNode | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < a.length && newer(a[l]!, a[best]!) < 0) best = l;
        if (r < a.length && newer(a[r]!, a[best]!) < 0) best = r;
        if (best === i) break;
        [a[i], a[best]] = [a[best]!, a[i]!];
        i = best;
      }
    }
    return top;
  }
}

/**
 * The nodes with every child before its parents (Kahn's order over the reversed edges), the
 * newest first where the order is free. Input that is not a DAG (the store refuses cycles, but a
 * view must not trust its input) still ends: when nothing is ready, the newest left goes next.
 */
function childrenFirst(
  nodes: readonly GraphNode[],
  byId: ReadonlyMap<string, GraphNode>,
  parentsOf: ReadonlyMap<string, readonly string[]>,
): GraphNode[] {
  const childrenLeft = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const n of nodes) for (const p of parentsOf.get(n.id) ?? []) childrenLeft.set(p, (childrenLeft.get(p) ?? 0) + 1);
  const ready = new ReadyHeap();
  for (const n of nodes) if (childrenLeft.get(n.id) === 0) ready.push(n);
  const done = new Set<string>();
  const out: GraphNode[] = [];
  while (out.length < nodes.length) {
    let next = ready.pop();
    if (next && done.has(next.id)) continue;
    next ??= nodes.filter((n) => !done.has(n.id)).sort(newer)[0]!;
    done.add(next.id);
    out.push(next);
    for (const p of parentsOf.get(next.id) ?? []) {
      const left = (childrenLeft.get(p) ?? 1) - 1;
      childrenLeft.set(p, left);
      const parent = byId.get(p);
      if (left === 0 && parent && !done.has(p)) ready.push(parent);
    }
  }
  return out;
}

/** A row of glyphs written by position; unwritten columns are blanks, trailing ones dropped. */
function glyphRow(): { set: (at: number, ch: string) => void; text: () => string } {
  const cells: string[] = [];
  return {
    set: (at, ch) => {
      while (cells.length <= at) cells.push(' ');
      cells[at] = ch;
    },
    text: () => cells.join('').trimEnd(),
  };
}

/**
 * The graph as rows of lanes, top to bottom. Each lane waits for the session it leads to; a
 * node takes the leftmost lane waiting for it (the others close into it first, one row each),
 * and leaves lanes to its parents: the first in its own lane, the others opened to its right.
 * Lanes that end close up at once, so the drawing never has holes.
 */
export function layoutSessionGraph(graph: SessionGraph): GraphRow[] {
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  for (const n of graph.nodes) {
    if (byId.has(n.id)) continue; // a repeated node is drawn once
    byId.set(n.id, n);
    nodes.push(n);
  }
  const edgesOf = new Map<string, GraphEdge[]>();
  const seenEdge = new Set<string>();
  for (const e of graph.edges) {
    const key = `${e.child}\u0000${e.parent}\u0000${e.kind}`;
    if (!byId.has(e.child) || e.parent === e.child || seenEdge.has(key)) continue;
    seenEdge.add(key);
    edgesOf.set(e.child, [...(edgesOf.get(e.child) ?? []), e]);
  }
  // A lane runs from a child to each parent that is a session; an attach is a reference, not where a session comes from.
  const parentsOf = new Map<string, string[]>();
  for (const [child, edges] of edgesOf) {
    parentsOf.set(child, [...new Set(edges.filter((e) => e.kind !== 'attach' && byId.has(e.parent)).map((e) => e.parent))]);
  }

  const rows: GraphRow[] = [];
  const lanes: (string | null)[] = [];
  const drawn = new Set<string>();
  /** The column where a root's lane ended on the row just drawn, if it did. */
  let endedAt: number | undefined;
  const link = (glyphs: string, laneCount: number): void => {
    rows.push({ glyphs, lanes: laneCount });
  };

  for (const node of childrenFirst(nodes, byId, parentsOf)) {
    let col = lanes.indexOf(node.id);
    if (col < 0) {
      col = lanes.length;
      // Right under a root in the same column, a new session would read as that root's parent:
      // a row with a gap there keeps them apart.
      if (col === endedAt) link(lanes.map(() => '|').join(' '), lanes.length);
      lanes.push(node.id);
    }
    endedAt = undefined;
    // The other lanes waiting for this node close into its lane, the leftmost first; the lanes
    // right of a closing one move left with it, so no hole is left behind.
    for (let at = lanes.indexOf(node.id, col + 1); at >= 0; at = lanes.indexOf(node.id, col + 1)) {
      const row = glyphRow();
      const laneCount = lanes.length;
      for (let i = 0; i < at; i++) if (lanes[i] !== null) row.set(2 * i, '|');
      for (let gap = 2 * col + 1; gap < 2 * at - 1; gap += 2) row.set(gap, '_');
      row.set(2 * at - 1, '/');
      for (let i = at + 1; i < lanes.length; i++) row.set(2 * i - 1, '/');
      lanes.splice(at, 1);
      link(row.text(), laneCount);
    }

    const parents = (parentsOf.get(node.id) ?? []).filter((p) => !drawn.has(p)); // a drawn parent is above: no lane can reach it
    const extra = parents.length - 1;
    const right = lanes.length - col - 1;
    // An octopus merge reaches for its third and later parents along the node's row (`*-.`): the
    // lanes on its right first step aside to make room.
    const room = extra >= 2 && right > 0 ? extra - 1 : 0;
    for (let step = 0; step < room; step++) {
      const row = glyphRow();
      const laneCount = lanes.length;
      for (let i = 0; i <= col; i++) if (lanes[i] !== null) row.set(2 * i, '|');
      for (let i = col + 1; i < lanes.length; i++) if (lanes[i] !== null) row.set(2 * i + 1, '\\');
      lanes.splice(col + 1, 0, null);
      link(row.text(), laneCount + 1);
    }

    const nodeRow = glyphRow();
    for (let i = 0; i < lanes.length; i++) if (lanes[i] !== null) nodeRow.set(2 * i, i === col ? '*' : '|');
    for (let k = 2; k <= extra; k++) {
      nodeRow.set(2 * (col + k - 1) - 1, '-');
      nodeRow.set(2 * (col + k - 1), '.');
    }
    rows.push({ glyphs: nodeRow.text(), lanes: lanes.length, node, column: col, lineage: lineageOf(edgesOf.get(node.id) ?? [], byId) });
    drawn.add(node.id);

    if (extra >= 1) {
      // The first parent goes on in the node's lane; each other one opens a lane to its right.
      const row = glyphRow();
      for (let i = 0; i < col; i++) if (lanes[i] !== null) row.set(2 * i, '|');
      row.set(2 * col, '|');
      for (let k = 1; k <= extra; k++) row.set(2 * (col + k - 1) + 1, '\\');
      for (let i = col + 1 + room; i < lanes.length; i++) if (lanes[i] !== null) row.set(2 * i + 1, '\\');
      lanes[col] = parents[0]!;
      lanes.splice(col + 1, room, ...parents.slice(1));
      link(row.text(), lanes.length);
    } else if (parents.length === 1) {
      lanes[col] = parents[0]!;
    } else if (col === lanes.length - 1) {
      lanes.pop(); // a root on the right: its lane just ends
      endedAt = col;
    } else {
      // A root with lanes on its right: they move left into its place.
      const row = glyphRow();
      const laneCount = lanes.length;
      for (let i = 0; i < col; i++) if (lanes[i] !== null) row.set(2 * i, '|');
      for (let i = col + 1; i < lanes.length; i++) row.set(2 * i - 1, '/');
      lanes.splice(col, 1);
      link(row.text(), laneCount);
    }
  }
  return rows;
}

export interface GraphViewOptions {
  /** Display columns; nothing printed is wider (default 80). */
  width?: number;
  color?: boolean;
}

interface Segment {
  text: string;
  /** An SGR code, applied only when colour is on. */
  style?: string;
}

/** Plain segments cut to `width` display columns (the last kept one ends in `…`), then painted. */
function fitSegments(segments: readonly Segment[], width: number, color: boolean): string {
  const total = segments.reduce((sum, s) => sum + stringWidth(s.text), 0);
  const kept: Segment[] = [];
  if (total <= width) kept.push(...segments);
  else {
    let used = 0;
    for (const s of segments) {
      const w = stringWidth(s.text);
      if (used + w <= width - 1) {
        kept.push(s);
        used += w;
        continue;
      }
      let cut = '';
      for (const ch of s.text) {
        if (used + stringWidth(cut + ch) > width - 1) break;
        cut += ch;
      }
      kept.push({ ...s, text: `${cut}…` });
      break;
    }
  }
  return kept
    .map((s) => (color && s.style && s.text.trim() ? `\u001b[${s.style}m${s.text}\u001b[0m` : s.text))
    .join('')
    .trimEnd();
}

/** A row's lanes as drawn: the first MAX_DRAWN_LANES, then `+N` for the lanes left out. */
function drawnLanes(row: GraphRow): { text: string; hidden: number } {
  const hidden = Math.max(0, row.lanes - MAX_DRAWN_LANES);
  if (hidden === 0) return { text: row.glyphs, hidden };
  const shown = row.glyphs.slice(0, 2 * MAX_DRAWN_LANES - 1).padEnd(2 * MAX_DRAWN_LANES - 1);
  // A node in a hidden lane still gets its `*`, after the count of the lanes it is among.
  const nodeHidden = row.column !== undefined && row.column >= MAX_DRAWN_LANES;
  return { text: `${shown} +${hidden}${nodeHidden ? ' *' : ''}`, hidden };
}

const CURRENT_MARKER = '  (current)';

/** `3 msgs`, `1 msg`. */
const msgs = (n: number): string => `${n} msg${n === 1 ? '' : 's'}`;

/** The origin is left out where the lineage says it again (`fork · fork of #12`). */
function originWords(node: GraphNode, lineage: string): string | undefined {
  const restated: Record<string, RegExp> = { fork: /^fork of /, merge: /^Derived: /, import: /^imported from / };
  return restated[node.origin]?.test(lineage) ? undefined : oneLine(node.origin, 12);
}

/**
 * The graph as text, one line per session and one per join, newest at the top:
 *
 *     *   #40 · 4 msgs · Derived: #12 #25  (current)
 *     |\
 *     | * #25 · 4 msgs · fork of #12
 *     |/
 *     *   #12 login bug · ask · 4 msgs
 *
 * No line is wider than `width` display columns (wide CJK names and emoji counted as two).
 */
export function renderSessionGraph(graph: SessionGraph, opts: GraphViewOptions = {}): string {
  if (graph.nodes.length === 0) return 'no sessions yet: relay "task" starts one';
  const width = Math.max(1, Math.floor(opts.width ?? 80));
  const color = opts.color === true;
  const rows = layoutSessionGraph(graph);
  const drawn = rows.map((r) => ({ row: r, ...drawnLanes(r) }));
  // Labels start in one column (after the widest node row's lanes), so they read as a list.
  const labelAt = Math.max(...drawn.filter((d) => d.row.node).map((d) => stringWidth(d.text))) + 1;
  const lines: string[] = [];
  let mostHidden = 0;
  /** The drawn lanes of the row above, as they go on (`*` a lane like the others). */
  let previousLanes = '';
  for (const d of drawn) {
    mostHidden = Math.max(mostHidden, d.hidden);
    const n = d.row.node;
    if (!n) {
      // A link row whose joins are all among the hidden lanes would only repeat the row above.
      const visible = d.text.slice(0, 2 * MAX_DRAWN_LANES - 1);
      if (d.hidden > 0 && visible === previousLanes) continue;
      lines.push(fitSegments([{ text: d.text }], width, color));
      previousLanes = visible;
      continue;
    }
    const lineage = d.row.lineage ?? '';
    const origin = originWords(n, lineage);
    const head = n.name ? `#${n.number} ${oneLine(n.name, NAME_COLUMNS)}` : `#${n.number}`;
    const rest = [origin, msgs(n.messages), lineage].filter(Boolean).join(' · ');
    previousLanes = d.text.slice(0, 2 * MAX_DRAWN_LANES - 1).replace('*', '|');
    const lanesText = d.text.padEnd(labelAt);
    // The marker must survive the cut (the label gets what is left after it), unless even the
    // session's number would not fit beside it.
    const fitsMarker = width - stringWidth(lanesText) - CURRENT_MARKER.length >= `#${n.number}`.length + 2;
    const marker = n.current && fitsMarker ? CURRENT_MARKER : '';
    const room = width - stringWidth(lanesText) - stringWidth(marker);
    const label = room >= 2 ? oneLine(`${head} · ${rest}`, room) : '';
    const headShown = label.startsWith(head) ? head : label;
    lines.push(
      fitSegments(
        [
          { text: lanesText },
          { text: headShown, style: n.current ? '1;33' : '33' },
          { text: label.slice(headShown.length) },
          { text: marker, style: '1;32' },
        ],
        width,
        color,
      ),
    );
  }
  if (mostHidden > 0) {
    lines.push(fitSegments([{ text: `(+${mostHidden} more lanes not drawn: at most ${MAX_DRAWN_LANES} side by side)` }], width, color));
  }
  return lines.join('\n');
}
