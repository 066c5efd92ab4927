import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, parseConfig } from '../../src/config/relayConfig.js';
import { TASK_INTENTS } from '../../src/routing/classifyTask.js';
import { BUILT_IN_ROLES, toWorkerInfo, workerRoles } from '../../src/routing/workerRoles.js';

test('the built-in roles cover every intent, each with a prompt and what it needs from a model', () => {
  const roles = workerRoles(defaultConfig());
  assert.deepEqual(roles.map((r) => r.name), ['chat', 'explainer', 'coder', 'reviewer', 'architect', 'writer', 'researcher', 'summarizer']);
  for (const intent of TASK_INTENTS) assert.ok(roles.some((r) => r.intents.includes(intent)), `no role takes ${intent}`);
  for (const r of roles) {
    assert.equal(r.source, 'built-in');
    assert.ok(r.systemPrompt.length > 40, `${r.name} has a real system prompt`);
    assert.ok(r.minContextTokens >= 8_000);
  }
  // Only design asks for a premium model; everyday questions go to the cheapest tier.
  assert.deepEqual(roles.filter((r) => r.tier === 'premium').map((r) => r.name), ['architect']);
  assert.equal(roles.find((r) => r.name === 'explainer')!.tier, 'basic');
});

test('config.yaml replaces a built-in role of the same name and adds new ones after the built-in ones', () => {
  const config = parseConfig(
    [
      'workers:',
      '  coder:',
      '    description: our coder',
      '    systemPrompt: You write Rust only.',
      '    tier: premium',
      '    minContextTokens: 100000',
      '    intents: [code]',
      '  translator:',
      '    description: translates text',
      '    systemPrompt: Translate into French.',
      '    intents: [write]',
    ].join('\n'),
    'config.yaml',
  );
  const roles = workerRoles(config);
  assert.deepEqual(roles.map((r) => r.name), ['chat', 'explainer', 'coder', 'reviewer', 'architect', 'writer', 'researcher', 'summarizer', 'translator']);
  const coder = roles.find((r) => r.name === 'coder')!;
  assert.deepEqual(coder, { name: 'coder', description: 'our coder', systemPrompt: 'You write Rust only.', tier: 'premium', minContextTokens: 100_000, intents: ['code'], source: 'config' });
  const translator = roles.at(-1)!;
  assert.equal(translator.tier, 'basic');
  assert.equal(translator.minContextTokens, 8_000);
  assert.equal(translator.source, 'config');
});

test('roles are copies: changing one does not change the built-in table', () => {
  const roles = workerRoles(defaultConfig());
  roles[0]!.intents.push('x');
  assert.deepEqual(BUILT_IN_ROLES[0]!.intents, ['chat']);
});

test('toWorkerInfo is what relay workers lists: no system prompt', () => {
  const info = toWorkerInfo(workerRoles(defaultConfig()).find((r) => r.name === 'architect')!);
  assert.deepEqual(Object.keys(info).sort(), ['description', 'intents', 'minContextTokens', 'name', 'source', 'tier']);
  assert.deepEqual({ name: info.name, tier: info.tier, intents: info.intents, source: info.source }, { name: 'architect', tier: 'premium', intents: ['design'], source: 'built-in' });
});
