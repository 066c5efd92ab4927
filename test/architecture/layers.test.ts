/**
 * Relay's architecture rules over src/ (the rules and the layer table live in importGraph.ts).
 * Each failure lists every violation, one per line; printViolations.ts prints them all at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { listViolations } from './importGraph.js';

const srcDir = fileURLToPath(new URL('../../src', import.meta.url));
const v = listViolations(srcDir);

const report = (what: string, lines: string[]): string => `${lines.length} ${what}:\n${lines.join('\n')}`;

test('each folder imports only its own folder and lower layers', () => {
  assert.equal(v.layers.length, 0, report('layer violations', v.layers));
});

test('no import cycles between files (type-only and dynamic imports included)', () => {
  assert.equal(v.cycles.length, 0, report('import cycles', v.cycles));
});

test('only src/platform/paths.ts asks node:os for homedir or tmpdir', () => {
  assert.equal(v.homeTmp.length, 0, report('homedir/tmpdir uses outside platform/paths.ts', v.homeTmp));
});

test('packages per layer: no xstate low down, protocol only types, no devDependencies', () => {
  assert.equal(v.packages.length, 0, report('package violations', v.packages));
});
