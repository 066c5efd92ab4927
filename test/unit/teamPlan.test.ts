import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultConfig, parseConfig } from '../../src/config/relayConfig.js';
import { RelayError } from '../../src/platform/errors.js';
import { planTeam, stepMessages } from '../../src/routing/teamPlan.js';
import { workerRoles } from '../../src/routing/workerRoles.js';

const roles = workerRoles(defaultConfig());
const names = (intent: string, forced?: string): string[] => planTeam(intent, roles, forced).map((r) => r.name);

test('each intent goes to its worker; a design to an architect and then a reviewer', () => {
  assert.deepEqual(names('design'), ['architect', 'reviewer']);
  assert.deepEqual(names('review'), ['reviewer']);
  assert.deepEqual(names('explain'), ['explainer']);
  assert.deepEqual(names('code'), ['coder']);
  assert.deepEqual(names('write'), ['writer']);
  assert.deepEqual(names('research'), ['researcher']);
  assert.deepEqual(names('chat'), ['chat']);
  assert.deepEqual(names('something-else'), ['chat']);
});

test('--worker forces one worker, whatever the intent', () => {
  assert.deepEqual(names('design', 'explainer'), ['explainer']);
});

test('an unknown --worker is a usage error naming the known workers', () => {
  assert.throws(
    () => planTeam('chat', roles, 'wizard'),
    (e: unknown) =>
      e instanceof RelayError &&
      e.code === 'E_USAGE' &&
      e.message === 'unknown worker "wizard"; the workers are chat, explainer, coder, reviewer, architect, writer, researcher, summarizer' &&
      /relay workers/.test(e.hint ?? ''),
  );
});

test("a config role that takes an intent gets it in place of the built-in one; the design's reviewer stays", () => {
  const config = parseConfig(
    ['workers:', '  rustacean:', '    description: Rust', '    systemPrompt: Rust only.', '    intents: [code, design]'].join('\n'),
    'config.yaml',
  );
  const own = workerRoles(config);
  assert.deepEqual(planTeam('code', own).map((r) => r.name), ['rustacean']);
  assert.deepEqual(planTeam('design', own).map((r) => r.name), ['rustacean', 'reviewer']);
  assert.deepEqual(planTeam('explain', own).map((r) => r.name), ['explainer']);
});

test('a step is the system prompt, then the request with the context before it', () => {
  const explainer = roles.find((r) => r.name === 'explainer')!;
  assert.deepEqual(stepMessages(explainer, 'explain kubernetes', undefined, []), [
    { role: 'system', content: explainer.systemPrompt },
    { role: 'user', content: 'explain kubernetes' },
  ]);
  const withContext = stepMessages(explainer, 'what does this do?', 'const x = 1;\n\n', []);
  assert.equal(withContext[1]!.content, '<context>\nconst x = 1;\n</context>\n\nwhat does this do?');
});

test("the reviewer after the architect gets the architect's answer inside its request", () => {
  const [architect, reviewer] = planTeam('design', roles);
  const task = 'design a rate limiter for our API';
  const answer = 'Use a token bucket per API key, kept in Redis.';
  const first = stepMessages(architect!, task, undefined, []);
  assert.equal(first[0]!.content, architect!.systemPrompt);
  const second = stepMessages(reviewer!, task, undefined, [{ worker: 'architect', text: answer }]);
  assert.equal(second.length, 2);
  assert.equal(second[0]!.content, reviewer!.systemPrompt);
  assert.equal(
    second[1]!.content,
    `The request:\n${task}\n\nArchitect's answer:\n<architect>\n${answer}\n</architect>\n\nAs the reviewer, respond to the architect's answer above for this request.`,
  );
});
