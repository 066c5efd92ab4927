/**
 * `relay session graph`: the sessions as a DAG in lanes, like `git log --graph`. Children come
 * before their parents (newest first among equals), so a merged session is one row with a lane
 * from each of its parents, never a row per parent. Parents that are not sessions (a deleted
 * one, an import's source) are words on the row, not lanes. The layout is data first
 * ({@link layoutSessionGraph}) so the TUI can draw the same rows its own way.
 */
import stringWidth from 'string-width';
import type { GraphEdge, GraphNode, SessionGraph } from '../protocol/sessionProtocol.js';
import { oneLine } from './sessionViews.js';

/** More lanes than this would leave no room for the labels in 80 columns. */
const MAX_LANES = 8;

export interface GraphRow {
  /** One character per lane: `*` the node, `|` a lane going on, `\` `/` a lane opening or closing, ` ` none. */
  lanes: string;
  /** The node drawn on this row (connector rows have none). */
  node?: GraphNode;
  /** Where the node comes from, in words: `Derived: #12 #25`, `fork of #12`, … */
  lineage?: string;
}

function edgeWords(e: GraphEdge, byId: ReadonlyMap<string, GraphNode>): string {
  const parent = byId.get(e.parent);
  const name = parent ? `#${parent.number}` : e.kind === 'import' ? e.parent.replace(/^([a-z]+):(?:ses_)?(.{1,8}).*$/, '$1 $2') : `deleted ${e.parent.slice(0, 8)}`;
  const note = e.note && e.kind === 'handoff' ? ` (${e.note})` : '';
  switch (e.kind) {
    case 'fork':
      return `fork of ${name}`;
    case 'attach':
      return `attached ${name}`;
    case 'handoff':
      return `handoff from ${name}${note}`;
    case 'import':
      return `imported from ${name}`;
    case 'merge':
      return name;
  }
}

function lineageOf(edges: readonly GraphEdge[], byId: ReadonlyMap<string, GraphNode>): string {
  const merged = edges.filter((e) => e.kind === 'merge').map((e) => edgeWords(e, byId));
  const rest = edges.filter((e) => e.kind !== 'merge').map((e) => edgeWords(e, byId));
  return [...(merged.length > 0 ? [`Derived: ${merged.join(' ')}`] : []), ...rest].join(', ');
}

/** Newest first: the last worked in, then the higher number. */
const newer = (a: GraphNode, b: GraphNode): number => b.updatedAt - a.updatedAt || b.number - a.number;

/**
 * The nodes with every child before its parents (Kahn's order over the reversed edges), the
 * newest first where the order is free. Input that is not a DAG (it cannot come from the store)
 * still ends: what is left is taken newest first.
 */
function childrenFirst(nodes: readonly GraphNode[], parentsOf: ReadonlyMap<string, string[]>): GraphNode[] {
  const waiting = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const n of nodes) for (const p of parentsOf.get(n.id) ?? []) waiting.set(p, (waiting.get(p) ?? 0) + 1);
  const left = new Set(nodes);
  const out: GraphNode[] = [];
  while (left.size > 0) {
    const ready = [...left].filter((n) => waiting.get(n.id) === 0).sort(newer);
    const next = ready[0] ?? [...left].sort(newer)[0]!;
    left.delete(next);
    out.push(next);
    for (const p of parentsOf.get(next.id) ?? []) waiting.set(p, (waiting.get(p) ?? 1) - 1);
  }
  return out;
}

export function layoutSessionGraph(graph: SessionGraph): GraphRow[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const edgesOf = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) {
    if (!byId.has(e.child)) continue;
    edgesOf.set(e.child, [...(edgesOf.get(e.child) ?? []), e]);
  }
  // A lane runs from a child to each parent that is a session; an attach is a reference, drawn as words.
  const parentsOf = new Map<string, string[]>();
  for (const [child, edges] of edgesOf) {
    const ps = [...new Set(edges.filter((e) => e.kind !== 'attach' && byId.has(e.parent) && e.parent !== child).map((e) => e.parent))];
    parentsOf.set(child, ps);
  }

  const rows: GraphRow[] = [];
  const lanes: (string | null)[] = [];
  const draw = (mark: (i: number, lane: string | null) => string): string => lanes.map((l, i) => mark(i, l)).join('');
  const trim = (): void => {
    while (lanes.length > 0 && lanes[lanes.length - 1] === null) lanes.pop();
  };

  for (const node of childrenFirst(graph.nodes, parentsOf)) {
    const waiting = lanes.flatMap((l, i) => (l === node.id ? [i] : []));
    let col = waiting[0] ?? lanes.indexOf(null);
    if (col < 0) col = lanes.length;
    if (waiting.length > 1) {
      // Several children met here (forks of this session): their lanes close into this one.
      const closing = new Set(waiting.slice(1));
      rows.push({ lanes: draw((i, l) => (closing.has(i) ? '/' : l === null ? ' ' : '|')) });
      for (const i of closing) lanes[i] = null;
    }
    lanes[col] = node.id;
    rows.push({ lanes: draw((i, l) => (i === col ? '*' : l === null ? ' ' : '|')), node, lineage: lineageOf(edgesOf.get(node.id) ?? [], byId) });

    const parents = parentsOf.get(node.id) ?? [];
    lanes[col] = parents[0] ?? null;
    const opened = new Set<number>();
    for (const p of parents.slice(1)) {
      let at = lanes.indexOf(null, col + 1);
      if (at < 0) at = lanes.length;
      lanes[at] = p;
      opened.add(at);
    }
    if (opened.size > 0) rows.push({ lanes: draw((i, l) => (opened.has(i) ? '\\' : l === null ? ' ' : '|')) });
    trim();
  }
  return rows;
}

export function renderSessionGraph(graph: SessionGraph, opts: { width?: number; color?: boolean } = {}): string {
  if (graph.nodes.length === 0) return 'no sessions yet: relay "task" starts one';
  const width = opts.width ?? 80;
  const paint = (code: string, text: string): string => (opts.color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const lines: string[] = [];
  let wide = false;
  for (const row of layoutSessionGraph(graph)) {
    let lanes = row.lanes.split('').join(' ').trimEnd();
    if (row.lanes.length > MAX_LANES) {
      wide = true;
      lanes = `${row.lanes.slice(0, MAX_LANES).split('').join(' ')} …`;
    }
    if (!row.node) {
      lines.push(lanes);
      continue;
    }
    const n = row.node;
    const pad = lanes.padEnd(Math.min(MAX_LANES, 4) * 2);
    // The origin only where no lineage says more (`fork · fork of #12` says it twice).
    const label = [n.name ? `#${n.number} ${n.name}` : `#${n.number}`, `${n.messages} msg${n.messages === 1 ? '' : 's'}`, row.lineage || n.origin].join(' · ');
    const room = Math.max(10, width - stringWidth(pad) - 1 - (n.current ? 11 : 0));
    const text = oneLine(label, room);
    lines.push(`${pad} ${n.current ? paint('1', text) : text}${n.current ? '  (current)' : ''}`);
  }
  if (wide) lines.push(`(more than ${MAX_LANES} branches side by side: the rightmost are not drawn)`);
  return lines.join('\n');
}
