import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import stripAnsi from 'strip-ansi';
import type { GraphEdge, GraphNode, SessionGraph } from '../../src/protocol/sessionProtocol.js';
import { layoutSessionGraph, MAX_DRAWN_LANES, renderSessionGraph } from '../../src/ui/sessionGraphView.js';

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
    nodes: [node('a', 12, 5, { name: 'login bug' }), node('b', 25, 6, { origin: 'fork' }), node('c', 40, 7, { origin: 'merge', current: true })],
    edges: [
      { child: 'b', parent: 'a', kind: 'fork' },
      { child: 'c', parent: 'a', kind: 'merge' },
      { child: 'c', parent: 'b', kind: 'merge' },
    ],
  };
}

const nodeOrder = (g: SessionGraph): number[] => layoutSessionGraph(g).flatMap((r) => (r.node ? [r.node.number] : []));

function assertFits(text: string, width: number): void {
  for (const line of text.split('\n')) assert.ok(stringWidth(line) <= width, `${stringWidth(line)} > ${width} columns: ${line}`);
}

describe('relay session graph', () => {
  it('a merged session is one row, joined from each parent lane; its parents follow it', () => {
    assert.equal(
      renderSessionGraph(mergeGraph()),
      [
        '*   #40 · 4 msgs · Derived: #12 #25  (current)',
        '|\\',
        '| * #25 · 4 msgs · fork of #12',
        '|/',
        '*   #12 login bug · ask · 4 msgs',
      ].join('\n'),
    );
  });

  it('the merge row is in the layout once, with a lane opened to each parent', () => {
    const rows = layoutSessionGraph(mergeGraph());
    assert.deepEqual(
      rows.map((r) => [r.glyphs, r.node?.number, r.column]),
      [
        ['*', 40, 0],
        ['|\\', undefined, undefined],
        ['| *', 25, 1],
        ['|/', undefined, undefined],
        ['*', 12, 0],
      ],
    );
    assert.equal(rows.filter((r) => r.node?.number === 40).length, 1);
    assert.equal(rows.find((r) => r.node?.number === 40)!.lineage, 'Derived: #12 #25');
  });

  it('a child is always above its parents, whatever was worked in last', () => {
    const g = mergeGraph();
    g.nodes[0]!.updatedAt = 100; // #12 was continued after the merge
    assert.deepEqual(nodeOrder(g), [40, 25, 12]);
  });

  it('a chain is one lane, no joins', () => {
    const text = renderSessionGraph({
      nodes: [node('a', 1, 1), node('b', 2, 2, { origin: 'fork' }), node('c', 3, 3, { origin: 'wrap' })],
      edges: [
        { child: 'b', parent: 'a', kind: 'fork' },
        { child: 'c', parent: 'b', kind: 'handoff', note: 'limit, resets 10:57' },
      ],
    });
    assert.equal(
      text,
      ['* #3 · wrap · 4 msgs · handoff from #2 (limit, resets 10:57)', '* #2 · 4 msgs · fork of #1', '* #1 · ask · 4 msgs'].join('\n'),
    );
  });

  it('independent roots stand in one column, newest first, a gap between them so none reads as another\'s parent', () => {
    const text = renderSessionGraph({ nodes: [node('x', 3, 1), node('y', 4, 2), node('z', 9, 2, { messages: 1 })], edges: [] });
    assert.equal(text, ['* #9 · ask · 1 msg', '', '* #4 · ask · 4 msgs', '', '* #3 · ask · 4 msgs'].join('\n'));
  });

  it('handoffs and imports read as words; an import source is not a lane', () => {
    const g: SessionGraph = {
      nodes: [node('x', 3, 1, { origin: 'import' }), node('y', 4, 2, { origin: 'wrap', name: 'codex in shop' }), node('z', 9, 3, { origin: 'import' })],
      edges: [
        { child: 'x', parent: 'claude:1a2b3c4d-5e6f', kind: 'import' },
        { child: 'y', parent: 'x', kind: 'handoff', note: 'limit, resets 10:57' },
        { child: 'z', parent: 'opencode:ses_9f8e7d6c5b4a', kind: 'import' },
      ],
    };
    assert.equal(
      renderSessionGraph(g),
      [
        '* #9 · 4 msgs · imported from opencode 9f8e7d6c',
        '',
        '* #4 codex in shop · wrap · 4 msgs · handoff from #3 (limit, resets 10:57)',
        '* #3 · 4 msgs · imported from claude 1a2b3c4d',
      ].join('\n'),
    );
  });

  it('a deleted parent is named, not drawn; an attached session is words too', () => {
    const text = renderSessionGraph({
      nodes: [node('b', 25, 6, { origin: 'fork' }), node('d', 26, 7)],
      edges: [
        { child: 'b', parent: 'dead0000-1111', kind: 'fork' },
        { child: 'd', parent: 'b', kind: 'attach' },
      ],
    });
    assert.equal(text, ['* #26 · ask · 4 msgs · attached #25', '', '* #25 · 4 msgs · fork of deleted dead0000'].join('\n'));
  });

  it('an octopus merge reaches each of its parents from its own row', () => {
    const text = renderSessionGraph({
      nodes: [node('r', 1, 0), node('x', 2, 1, { origin: 'fork' }), node('y', 3, 2, { origin: 'fork' }), node('z', 4, 3, { origin: 'fork' }), node('m', 5, 4, { origin: 'merge' })],
      edges: [
        { child: 'x', parent: 'r', kind: 'fork' },
        { child: 'y', parent: 'r', kind: 'fork' },
        { child: 'z', parent: 'r', kind: 'fork' },
        { child: 'm', parent: 'x', kind: 'merge' },
        { child: 'm', parent: 'y', kind: 'merge' },
        { child: 'm', parent: 'z', kind: 'merge' },
      ],
    });
    assert.equal(
      text,
      [
        '*-.   #5 · 4 msgs · Derived: #2 #3 #4',
        '|\\ \\',
        '| | * #4 · 4 msgs · fork of #1',
        '| * | #3 · 4 msgs · fork of #1',
        '* | | #2 · 4 msgs · fork of #1',
        '|/ /',
        '|/',
        '*     #1 · ask · 4 msgs',
      ].join('\n'),
    );
  });

  it('a lane closing from afar passes under the lanes between (git\'s `_`)', () => {
    // #5 and #3 fork #1, #4 forks #2 and sits between them; #1 comes before #2.
    const rows = layoutSessionGraph({
      nodes: [node('a', 1, 3), node('x', 2, 1), node('b', 3, 4, { origin: 'fork' }), node('c', 4, 5, { origin: 'fork' }), node('d', 5, 6, { origin: 'fork' })],
      edges: [
        { child: 'b', parent: 'a', kind: 'fork' },
        { child: 'c', parent: 'x', kind: 'fork' },
        { child: 'd', parent: 'a', kind: 'fork' },
      ],
    });
    assert.deepEqual(
      rows.map((r) => r.glyphs + (r.node ? ` #${r.node.number}` : '')),
      ['* #5', '| * #4', '| | * #3', '|_|/', '* | #1', ' /', '* #2'],
    );
  });

  it('a new session right under a root in the same column is set apart; the lanes beside go on', () => {
    // #3 forks #1; #2 (a root) is worked in between, in the lane right of #3's; then #4, a new root.
    const rows = layoutSessionGraph({
      nodes: [node('a', 1, 0), node('o', 2, 4), node('b', 3, 5, { origin: 'fork' }), node('n', 4, 3)],
      edges: [{ child: 'b', parent: 'a', kind: 'fork' }],
    });
    assert.deepEqual(
      rows.map((r) => r.glyphs + (r.node ? ` #${r.node.number}` : '')),
      ['* #3', '| * #2', '|', '| * #4', '* #1'],
    );
  });

  it('every line fits the width, wide names and emoji included; the current marker survives the cut', () => {
    const g: SessionGraph = {
      nodes: [node('a', 1, 1, { name: '登录错误'.repeat(30) }), node('b', 2, 2, { name: '🚀 修复 '.repeat(20), current: true, origin: 'fork' })],
      edges: [{ child: 'b', parent: 'a', kind: 'fork' }],
    };
    for (const width of [80, 60, 40, 20]) {
      const text = renderSessionGraph(g, { width });
      assertFits(text, width);
      assert.match(text.split('\n')[0]!, /\(current\)$/, `width ${width}`);
    }
    // Too narrow for both: the number wins over the marker.
    assert.equal(renderSessionGraph(g, { width: 12 }).split('\n')[0], '* #2 🚀 修…');
    assertFits(renderSessionGraph(g, { width: 3 }), 3);
  });

  it('many lanes are capped at 8 and the rest counted; every session is still listed once', () => {
    const nodes: GraphNode[] = [node('root', 1, 0, { name: '登录错误'.repeat(30) })];
    const edges: GraphEdge[] = [];
    for (let i = 0; i < 14; i++) {
      nodes.push(node(`f${i}`, 100 + i, 10 + i, { origin: 'fork', name: `分支 ${'很长'.repeat(20)}` }));
      edges.push({ child: `f${i}`, parent: 'root', kind: 'fork' });
    }
    const text = renderSessionGraph({ nodes, edges }, { width: 80 });
    const lines = text.split('\n');
    assertFits(text, 80);
    for (const line of lines) {
      const lanes = /^[|*/\\_ .-]*/.exec(line)![0];
      assert.ok((lanes.match(/[|*]/g) ?? []).length <= MAX_DRAWN_LANES, line);
    }
    assert.match(text, /^\| \| \| \| \| \| \| \| \+6 \* +#100 /m); // a session in a hidden lane still has its row and `*`
    assert.equal(lines.at(-1), '(+6 more lanes not drawn: at most 8 side by side)');
    for (const n of nodes) assert.equal(lines.filter((l) => new RegExp(`#${n.number} `).test(l)).length, 1, `#${n.number}`);
  });

  it('input that is not a DAG still ends, each node once', () => {
    const g: SessionGraph = {
      nodes: [node('a', 1, 1), node('b', 2, 2), node('c', 3, 3), node('a', 1, 1)],
      edges: [
        { child: 'a', parent: 'b', kind: 'fork' },
        { child: 'b', parent: 'c', kind: 'fork' },
        { child: 'c', parent: 'a', kind: 'fork' },
        { child: 'a', parent: 'a', kind: 'fork' },
        { child: 'ghost', parent: 'a', kind: 'merge' },
      ],
    };
    assert.deepEqual(nodeOrder(g).sort(), [1, 2, 3]);
    assertFits(renderSessionGraph(g), 80);
  });

  it('any DAG: each session once, children above parents, every lane drawn consistently, within the width', () => {
    const dag = fc.integer({ min: 1, max: 25 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        updated: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
        parents: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }),
        kinds: fc.array(fc.constantFrom('fork', 'merge', 'handoff', 'attach') as fc.Arbitrary<GraphEdge['kind']>, { minLength: n, maxLength: n }),
        width: fc.integer({ min: 20, max: 100 }),
      }),
    );
    fc.assert(
      fc.property(dag, ({ n, updated, parents, kinds, width }) => {
        const nodes = Array.from({ length: n }, (_, i) => node(`s${i}`, i + 1, updated[i]!));
        // Parents among the older sessions only: a DAG, as the store keeps it.
        const edges: GraphEdge[] = parents.flatMap((ps, i) => (i === 0 ? [] : ps.map((p) => ({ child: `s${i}`, parent: `s${p % i}`, kind: kinds[i]! }))));
        const rows = layoutSessionGraph({ nodes, edges });
        const order = rows.flatMap((r) => (r.node ? [r.node.id] : []));
        assert.deepEqual([...order].sort(), nodes.map((x) => x.id).sort());
        for (const e of edges) if (e.kind !== 'attach') assert.ok(order.indexOf(e.child) < order.indexOf(e.parent));
        for (const r of rows) {
          if (r.node) assert.equal(r.glyphs[2 * r.column!], '*');
          assert.ok(r.glyphs.length <= 2 * r.lanes + 1, `${r.glyphs} over ${r.lanes} lanes`);
        }
        assertFits(renderSessionGraph({ nodes, edges }, { width }), width);
      }),
      { numRuns: 300, seed: 20261203 },
    );
  });

  it('colour only paints: without the escapes it is the plain text', () => {
    const plain = renderSessionGraph(mergeGraph());
    const painted = renderSessionGraph(mergeGraph(), { color: true });
    assert.notEqual(painted, plain);
    assert.equal(stripAnsi(painted), plain);
  });

  it('a session name cannot move the cursor or restyle the terminal', () => {
    const text = renderSessionGraph({ nodes: [node('a', 1, 1, { name: 'evil\u001b[2J\u001b]0;x\u0007\nname' })], edges: [] });
    assert.equal(text, '* #1 evil name · ask · 4 msgs');
  });

  it('no sessions: says how to start one', () => {
    assert.match(renderSessionGraph({ nodes: [], edges: [] }), /no sessions yet/);
  });
});
