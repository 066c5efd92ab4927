import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import stringWidth from 'string-width';
import type { GraphEdge, GraphNode, SessionGraph } from '../../src/protocol/sessionProtocol.js';
import { layoutSessionGraph, renderSessionGraph } from '../../src/ui/sessionGraphView.js';
import { renderSessionLog } from '../../src/ui/sessionLogView.js';

const node = (id: string, number: number, updatedAt: number, over: Partial<GraphNode> = {}): GraphNode => ({
  id,
  number,
  origin: 'ask',
  messages: 4,
  current: false,
  updatedAt,
  ...over,
});

/** #12, its fork #25, and #40 merged from both. */
function mergeGraph(): SessionGraph {
  return {
    nodes: [node('a', 12, 5, { name: 'login bug' }), node('b', 25, 6), node('c', 40, 7, { current: true })],
    edges: [
      { child: 'b', parent: 'a', kind: 'fork' },
      { child: 'c', parent: 'a', kind: 'merge' },
      { child: 'c', parent: 'b', kind: 'merge' },
    ],
  };
}

describe('relay session graph', () => {
  it('a merged session is one row with a lane from each parent; its parents follow it', () => {
    assert.equal(
      renderSessionGraph(mergeGraph()),
      [
        '*        #40 · 4 msgs · Derived: #12 #25  (current)',
        '| \\',
        '| *      #25 · 4 msgs · fork of #12',
        '| /',
        '*        #12 login bug · 4 msgs · ask',
      ].join('\n'),
    );
  });

  it('a child is always above its parents, whatever was worked in last', () => {
    const g = mergeGraph();
    g.nodes[0]!.updatedAt = 100; // #12 continued after the merge
    const order = layoutSessionGraph(g).flatMap((r) => (r.node ? [r.node.number] : []));
    assert.deepEqual(order, [40, 25, 12]);
  });

  it('independent roots, a handoff chain and an import read as words', () => {
    const text = renderSessionGraph({
      nodes: [node('x', 3, 1, { origin: 'import' }), node('y', 4, 2, { origin: 'wrap', name: 'codex in shop' }), node('z', 9, 3)],
      edges: [
        { child: 'x', parent: 'claude:1a2b3c4d-5e6f', kind: 'import' },
        { child: 'y', parent: 'x', kind: 'handoff', note: 'limit, resets 10:57' },
      ],
    });
    assert.match(text, /#3 · 4 msgs · imported from claude 1a2b3c4d$/m);
    assert.match(text, /#4 codex in shop · 4 msgs · handoff from #3 \(limit, resets 10:57\)$/m);
    assert.match(text, /#9 · 4 msgs · ask$/m);
  });

  it('a deleted parent is named, not drawn', () => {
    const text = renderSessionGraph({ nodes: [node('b', 25, 6)], edges: [{ child: 'b', parent: 'dead0000-1111', kind: 'fork' }] });
    assert.equal(text, '*        #25 · 4 msgs · fork of deleted dead0000');
  });

  it('every line fits 80 columns, wide names included; many branches are capped and said', () => {
    const nodes: GraphNode[] = [node('root', 1, 0, { name: '登录错误'.repeat(30) })];
    const edges: GraphEdge[] = [];
    for (let i = 0; i < 14; i++) {
      nodes.push(node(`f${i}`, 100 + i, 10 + i, { name: `分支 ${'很长'.repeat(20)}` }));
      edges.push({ child: `f${i}`, parent: 'root', kind: 'fork' });
    }
    const text = renderSessionGraph({ nodes, edges }, { width: 80 });
    for (const line of text.split('\n')) assert.ok(stringWidth(line) <= 80, `${stringWidth(line)} columns: ${line}`);
    assert.match(text, /more than 8 branches side by side/);
    assert.equal(text.split('\n').filter((l) => /#1 /.test(l)).length, 1);
  });

  it('input that is not a DAG still ends, each node once', () => {
    const rows = layoutSessionGraph({
      nodes: [node('a', 1, 1), node('b', 2, 2)],
      edges: [
        { child: 'a', parent: 'b', kind: 'fork' },
        { child: 'b', parent: 'a', kind: 'fork' },
      ],
    });
    assert.deepEqual(rows.flatMap((r) => (r.node ? [r.node.number] : [])).sort(), [1, 2]);
  });
});

describe('relay session log', () => {
  const NOW = Date.UTC(2026, 11, 3, 12);
  const msg = (id: string, writtenIn: number, role: 'user' | 'assistant', content: string) => ({ id, writtenIn, role, content, status: 'complete' as const, createdAt: NOW });

  it('newest first; where the chain passes into the parent is marked; edges made at a message say so', () => {
    const text = renderSessionLog(
      {
        session: { id: 'b', number: 25, origin: 'fork', messages: 3, parents: [12], lineage: 'fork of #12', current: false, createdAt: NOW, updatedAt: NOW },
        messages: [msg('m1aaaaaaaa', 12, 'user', 'which db'), msg('m2bbbbbbbb', 12, 'assistant', 'Postgres'), msg('m3cccccccc', 25, 'user', 'what about a cache')],
        parents: [{ kind: 'fork', child: 'b', childNumber: 25, parent: 'a', parentNumber: 12, atMessage: 'm2bbbbbbbb', createdAt: NOW }],
        children: [{ kind: 'merge', child: 'c', childNumber: 40, parent: 'b', parentNumber: 25, atMessage: 'm3cccccccc', createdAt: NOW }],
      },
      { now: NOW },
    );
    const lines = text.split('\n');
    assert.equal(lines[0], '#25 · 3 messages · fork of #12');
    assert.match(lines[1]!, /^\* m3cccccc .* user what about a cache {2}◀ merged into #40$/);
    assert.equal(lines[2], '── from #12 (forked at m2bbbbbb)');
    assert.match(lines[3]!, /^\* m2bbbbbb .* assistant Postgres$/);
    assert.match(lines[4]!, /^\* m1aaaaaa .* user which db$/);
  });
});
