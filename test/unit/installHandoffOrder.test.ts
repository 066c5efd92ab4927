/** The handoff order install writes to config.yaml (src/install/handoffOrder.ts, yamlOrderText.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { inferHandoffOrder, parseHandoffOrderArgs, planHandoffOrder, stripHandoffOrder } from '../../src/install/handoffOrder.js';
import { editOrderInText } from '../../src/install/yamlOrderText.js';
import { RelayError } from '../../src/platform/errors.js';

const FILE = '/h/.relay/config.yaml';

test('--handoff-order: names spaced or comma-separated, known agents only, each once, at least two', () => {
  assert.deepEqual(parseHandoffOrderArgs(['claude', 'codex,gemini', ' cli:aider ']), ['claude', 'codex', 'gemini', 'cli:aider']);
  for (const bad of [['claude', 'cursor'], ['claude', 'claude'], ['claude'], ['', ',']]) {
    assert.throws(() => parseHandoffOrderArgs(bad), (e: unknown) => e instanceof RelayError && e.code === 'E_USAGE' && e.exitCode === 2, bad.join(' '));
  }
});

test('the inferred order: the installed agents in Relay\'s order, only with two or more', () => {
  assert.deepEqual(inferHandoffOrder(['opencode', 'claude', 'gemini']), ['claude', 'gemini', 'opencode']);
  assert.equal(inferHandoffOrder(['codex']), null);
  assert.equal(inferHandoffOrder([]), null);
});

test('writing the order changes only its own lines: comments, spacing and other sections stay', () => {
  const text = '# mine\nwrap:\n  detachKey: ctrl-]   # spaced comment\n\nhandoff:\n  onLimit: stop\n';
  const plan = planHandoffOrder(FILE, Buffer.from(text), { kind: 'infer' }, ['gemini', 'claude'], undefined);
  assert.equal(plan.status, 'written');
  const after = plan.change!.after!.toString('utf8');
  assert.equal(after, `${text}  order:\n    - claude\n    - gemini\n`);
  assert.deepEqual(plan.change!.data, { written: ['claude', 'gemini'], previous: null, inferred: true });
  assert.deepEqual(plan.change!.created, []);
  // Undone: the exact text again.
  assert.equal(stripHandoffOrder(FILE, plan.change!.after!, [], { written: ['claude', 'gemini'], previous: null }, false)!.toString('utf8'), text);
});

test('a user order is kept unless --handoff-order replaces it; uninstall brings it back', () => {
  const text = 'handoff:\n  order: [codex, claude]\n';
  const kept = planHandoffOrder(FILE, Buffer.from(text), { kind: 'infer' }, ['claude', 'codex', 'gemini'], undefined);
  assert.equal(kept.status, 'kept');
  assert.equal(kept.change, null);
  const replaced = planHandoffOrder(FILE, Buffer.from(text), { kind: 'explicit', order: ['gemini', 'claude'] }, [], undefined);
  assert.equal(replaced.change!.after!.toString('utf8'), 'handoff:\n  order: [gemini, claude]\n', 'a flow list stays a flow list');
  const data = replaced.change!.data as { written: string[]; previous: string[] | null };
  assert.deepEqual(data.previous, ['codex', 'claude']);
  assert.equal(stripHandoffOrder(FILE, replaced.change!.after!, [], data, false)!.toString('utf8'), text);
  // An order Relay inferred earlier is brought up to date.
  const inferred = planHandoffOrder(FILE, Buffer.from('handoff:\n  order:\n    - claude\n    - codex\n'), { kind: 'infer' }, ['claude', 'codex', 'gemini'], {
    written: ['claude', 'codex'],
    previous: null,
    inferred: true,
  });
  assert.equal(inferred.status, 'written');
  assert.deepEqual(parseYaml(inferred.change!.after!.toString('utf8')).handoff.order, ['claude', 'codex', 'gemini']);
});

test('no config.yaml: it is created, and deleted again by uninstall; a changed order is the user\'s and stays', () => {
  const plan = planHandoffOrder(FILE, null, { kind: 'explicit', order: ['claude', 'codex'] }, [], undefined);
  assert.equal(plan.change!.after!.toString('utf8'), 'handoff:\n  order:\n    - claude\n    - codex\n');
  assert.deepEqual(plan.change!.created, [['handoff']]);
  const data = { written: ['claude', 'codex'], previous: null };
  assert.equal(stripHandoffOrder(FILE, plan.change!.after!, [['handoff']], data, true), null);
  const edited = Buffer.from('handoff:\n  order:\n    - codex\n    - claude\n');
  assert.ok(stripHandoffOrder(FILE, edited, [['handoff']], data, true)!.equals(edited));
});

test('an invalid config.yaml is refused with E_CONFIG before anything is planned', () => {
  for (const bad of ['handoff: [\n', 'handoff:\n  order: [claude, cursor]\n']) {
    assert.throws(
      () => planHandoffOrder(FILE, Buffer.from(bad), { kind: 'infer' }, ['claude', 'codex'], undefined),
      (e: unknown) => e instanceof RelayError && e.code === 'E_CONFIG' && e.message.startsWith(FILE),
    );
  }
});

test('layouts the text edit does not handle fall back to the YAML document, still correct', () => {
  assert.equal(editOrderInText('handoff: {onLimit: park}\n', ['claude', 'codex'], false), null);
  const plan = planHandoffOrder(FILE, Buffer.from('handoff: {onLimit: park}\n'), { kind: 'explicit', order: ['claude', 'codex'] }, [], undefined);
  assert.deepEqual(parseYaml(plan.change!.after!.toString('utf8')).handoff, { onLimit: 'park', order: ['claude', 'codex'] });
});
