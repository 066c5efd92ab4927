/**
 * The checker itself, on a tiny fake src tree where each rule is broken exactly once and each
 * edge form appears at least once (plus import-shaped text in a template string that must not count).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildImportGraph, findCycles, LAYER_RANKS, listViolations } from './importGraph.js';

const root = mkdtempSync(join(tmpdir(), 'relay-layers-'));
after(() => rmSync(root, { recursive: true, force: true }));

const srcDir = join(root, 'src');
const files: Record<string, string> = {
  'platform/paths.ts': `import { homedir, tmpdir } from 'node:os';\nexport const home = (): string => homedir() + tmpdir();\n`,
  // upward: platform (0) → cli (11)
  'platform/up.ts': `import { run } from '../cli/main.js';\nexport const again = run;\n`,
  // types from packages are fine in protocol, a type node included
  'protocol/wire.ts': `import type { Dealer } from 'zeromq';\nexport type D = Dealer;\nexport type Z = import('zod').ZodType;\n`,
  // the cycle closes only if both the dynamic import and the `import type` are seen
  'store/a.ts': `export async function loadB(): Promise<unknown> {\n  return import('./b.js');\n}\n`,
  'store/b.ts': `import type { loadB } from './a.js';\nexport type B = typeof loadB;\n`,
  'store/machine.ts': `import { createMachine } from 'xstate';\nexport const m = createMachine({});\n`,
  'cli/main.ts': [
    `import * as os from 'node:os';`,
    `import 'tsx/esm';`,
    `import { home } from '../platform/paths.js';`,
    `export { type B } from '../store/index.js';`,
    `export function run(): string {`,
    `  return os.tmpdir() + home();`,
    `}`,
    ``,
  ].join('\n'),
  'store/index.ts': `export * from './b.js';\n`,
  // generated code: none of these lines is an import of this file
  'install/plugin.ts': [
    'export const code = `',
    `import { run } from '../cli/main.js';`,
    `import { homedir } from "node:os";`,
    `import 'fast-check';`,
    `export * from './a.js';`,
    `const x = await import('../ui/view.js');`,
    '`;',
    ``,
  ].join('\n'),
  'misc/stray.ts': `export const stray = 1;\n`,
};
for (const [rel, text] of Object.entries(files)) {
  mkdirSync(dirname(join(srcDir, rel)), { recursive: true });
  writeFileSync(join(srcDir, rel), text);
}
writeFileSync(join(root, 'package.json'), JSON.stringify({ devDependencies: { tsx: '*', 'fast-check': '*' } }));

test('every edge form is collected and resolved; template strings are not parsed as code', () => {
  const g = buildImportGraph(srcDir);
  const edges = g.edges.map((e) => `${e.from} ${e.kind} ${e.to ?? e.pkg}${e.typeOnly ? ' (type)' : ''}`);
  assert.deepEqual(edges.sort(), [
    'cli/main.ts export store/index.ts',
    'cli/main.ts import node:os',
    'cli/main.ts import platform/paths.ts',
    'cli/main.ts side-effect tsx',
    'platform/paths.ts import node:os',
    'platform/up.ts import cli/main.ts',
    'protocol/wire.ts import type zeromq (type)',
    'protocol/wire.ts type node zod (type)',
    'store/a.ts dynamic store/b.ts',
    'store/b.ts import type store/a.ts (type)',
    'store/index.ts export store/b.ts',
    'store/machine.ts import xstate',
  ]);
  assert.deepEqual(g.osDirUses, [
    { file: 'cli/main.ts', name: 'tmpdir', line: 6 },
    { file: 'platform/paths.ts', name: 'homedir', line: 1 },
    { file: 'platform/paths.ts', name: 'tmpdir', line: 1 },
  ]);
});

test('each rule finds exactly the planted violation', () => {
  assert.deepEqual(listViolations(srcDir), {
    layers: [
      'src/misc/stray.ts: unknown layer "misc"',
      `src/platform/up.ts → src/cli/main.ts (platform → cli: rank 0 may not import rank ${LAYER_RANKS.cli})`,
    ],
    cycles: ['src/store/a.ts -> src/store/b.ts -> src/store/a.ts'],
    homeTmp: ['src/cli/main.ts:6 tmpdir from node:os (only src/platform/paths.ts may)'],
    packages: [
      'src/cli/main.ts → tsx/esm (tsx is a devDependency)',
      'src/store/machine.ts → xstate (store may not import xstate)',
    ],
  });
});

test('a runtime import of a package, even a builtin, breaks the protocol rule', () => {
  writeFileSync(join(srcDir, 'protocol/clock.ts'), `import { hrtime } from 'node:process';\nexport const t = hrtime;\n`);
  try {
    assert.deepEqual(listViolations(srcDir).packages, [
      'src/cli/main.ts → tsx/esm (tsx is a devDependency)',
      'src/protocol/clock.ts → node:process (protocol is types and constants: only `import type` from a package)',
      'src/store/machine.ts → xstate (store may not import xstate)',
    ]);
  } finally {
    rmSync(join(srcDir, 'protocol/clock.ts'));
  }
});

test('a tangle reports the shortest cycle through each file, once each', () => {
  const edge = (from: string, to: string) => ({ from, to });
  const cycles = findCycles(
    ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'],
    [edge('a.ts', 'b.ts'), edge('b.ts', 'a.ts'), edge('b.ts', 'c.ts'), edge('c.ts', 'a.ts'), edge('d.ts', 'd.ts'), edge('d.ts', 'e.ts')],
  );
  assert.deepEqual(cycles, [['a.ts', 'b.ts'], ['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
});
