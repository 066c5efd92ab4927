import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatClockTime } from '../../src/platform/duration.js';
import type { Billing, RouteDecision, TaskMessage, TaskResult } from '../../src/protocol/providerProtocol.js';
import { formatCallPlan, TaskStream } from '../../src/ui/taskStream.js';

const NOW = new Date(2026, 4, 12, 10, 30).getTime();

/** Both streams as one sequence of writes, so the order across them can be checked too. */
function terminal(json = false): { stream: TaskStream; stdout: () => string; stderrLines: () => string[]; writes: Array<['out' | 'err', string]> } {
  const writes: Array<['out' | 'err', string]> = [];
  const stream = new TaskStream({ stdout: (t) => writes.push(['out', t]), stderr: (t) => writes.push(['err', t]) }, { json, now: () => NOW });
  return {
    stream,
    writes,
    stdout: () => writes.filter(([w]) => w === 'out').map(([, t]) => t).join(''),
    stderrLines: () => writes.filter(([w]) => w === 'err').map(([, t]) => t).join('').split('\n').filter((l) => l !== ''),
  };
}

function route(seq: number, step: number, worker: string, picks: Array<[provider: string, model: string, billing: Billing]>): TaskMessage {
  const decision: RouteDecision = {
    worker,
    pick: { provider: picks[0]![0], model: picks[0]![1] },
    order: picks.map(([provider, model]) => ({ provider, model })),
    candidates: picks.map(([provider, model, billing]) => ({ provider, model, tier: 'standard', billing, kept: true, why: 'fits' })),
    why: 'cheapest that fits',
  };
  return { kind: 'route', seq, step, decision };
}

function result(steps: TaskResult['steps'], costMicros: number, lastSeq: number, failure?: TaskResult['failure']): TaskResult {
  return { taskId: 't1', session: { id: 's1', number: 1 }, steps, lastSeq, costMicros, ...(failure ? { failure } : {}) };
}

test('one step: the answer alone as it streams on stdout; the worker label, provider and cost on stderr; a final newline', () => {
  const t = terminal();
  const msgs: TaskMessage[] = [
    route(1, 0, 'explainer', [['claude', 'sonnet', 'subscription']]),
    { kind: 'call', seq: 2, step: 0, worker: 'explainer', provider: 'claude', model: 'sonnet', attempt: 1 },
    { kind: 'delta', seq: 3, step: 0, text: 'Kubernetes runs ' },
    { kind: 'delta', seq: 4, step: 0, text: 'containers across machines.' },
    { kind: 'step-done', seq: 5, step: 0, worker: 'explainer', provider: 'claude', model: 'sonnet', usage: { inputTokens: 12, outputTokens: 7 } },
  ];
  msgs.forEach((m) => t.stream.push(m));
  // Deltas are written as they come, not collected.
  assert.deepEqual(
    t.writes.filter(([w]) => w === 'out').map(([, s]) => s),
    ['Kubernetes runs ', 'containers across machines.', '\n'],
  );
  t.stream.end(result([{ worker: 'explainer', provider: 'claude', model: 'sonnet', chars: 43, finish: 'stop', usage: { inputTokens: 12, outputTokens: 7 } }], 0, 5));
  assert.equal(t.stdout(), 'Kubernetes runs containers across machines.\n');
  assert.deepEqual(t.stderrLines(), ['[explainer]', 'claude · sonnet', 'cost: free (subscription)']);
  assert.equal(t.stream.lastSeq, 5);
});

test('a two-step team: the answers alone on stdout with a blank line between; each worker label on stderr before its provider; the metered cost at the end', () => {
  const t = terminal();
  const msgs: TaskMessage[] = [
    route(1, 0, 'architect', [['anthropic', 'claude-sonnet-4', 'metered']]),
    { kind: 'call', seq: 2, step: 0, worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', attempt: 1 },
    { kind: 'delta', seq: 3, step: 0, text: 'Put a queue between them.' },
    { kind: 'step-done', seq: 4, step: 0, worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', costMicros: 1800 },
    route(5, 1, 'reviewer', [['openai', 'gpt-4.1-mini', 'metered']]),
    { kind: 'call', seq: 6, step: 1, worker: 'reviewer', provider: 'openai', model: 'gpt-4.1-mini', attempt: 1 },
    { kind: 'delta', seq: 7, step: 1, text: 'Sound; add a dead-letter queue.\n' },
    { kind: 'step-done', seq: 8, step: 1, worker: 'reviewer', provider: 'openai', model: 'gpt-4.1-mini', costMicros: 500 },
  ];
  msgs.forEach((m) => t.stream.push(m));
  t.stream.end(
    result(
      [
        { worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', chars: 25, costMicros: 1800, finish: 'stop' },
        { worker: 'reviewer', provider: 'openai', model: 'gpt-4.1-mini', chars: 32, costMicros: 500, finish: 'stop' },
      ],
      2300,
      8,
    ),
  );
  assert.equal(t.stdout(), 'Put a queue between them.\n\nSound; add a dead-letter queue.\n', 'no doubled newline after an answer that ended with one');
  assert.deepEqual(t.stderrLines(), ['[architect]', 'anthropic · claude-sonnet-4', '[reviewer]', 'openai · gpt-4.1-mini', 'cost: $0.00230']);
});

test('a provider given up on is named with its reason, its reset time and the provider tried next; a half-shown answer starts again', () => {
  const t = terminal();
  const resetAt = new Date(2026, 4, 12, 10, 57).getTime();
  const msgs: TaskMessage[] = [
    route(1, 0, 'coder', [
      ['openai', 'gpt-4.1', 'metered'],
      ['anthropic', 'claude-sonnet-4', 'metered'],
    ]),
    { kind: 'call', seq: 2, step: 0, worker: 'coder', provider: 'openai', model: 'gpt-4.1', attempt: 1 },
    { kind: 'delta', seq: 3, step: 0, text: 'def add(a, b' },
    { kind: 'moved-on', seq: 4, step: 0, provider: 'openai', failure: { kind: 'rate_limited', message: 'rate limited', status: 429, resetAt, moveOn: true } },
    { kind: 'call', seq: 5, step: 0, worker: 'coder', provider: 'anthropic', model: 'claude-sonnet-4', attempt: 2 },
    { kind: 'delta', seq: 6, step: 0, text: 'def add(a, b):\n    return a + b\n' },
    { kind: 'step-done', seq: 7, step: 0, worker: 'coder', provider: 'anthropic', model: 'claude-sonnet-4', costMicros: 4100 },
  ];
  msgs.forEach((m) => t.stream.push(m));
  const end = result([{ worker: 'coder', provider: 'anthropic', model: 'claude-sonnet-4', chars: 31, costMicros: 4100, finish: 'stop' }], 4100, 7);
  t.stream.end(end);
  assert.equal(t.stdout(), 'def add(a, b\ndef add(a, b):\n    return a + b\n', 'the cut line ended');
  assert.deepEqual(t.stderrLines(), [
    '[coder]',
    'openai · gpt-4.1',
    `openai: rate limited, resets ${formatClockTime(resetAt, NOW)} — trying anthropic`,
    '(the coder answer starts again on anthropic)',
    'anthropic · claude-sonnet-4',
    'cost: $0.00410',
  ]);
  // The JSON text is the answer that finished, not the abandoned start.
  const j = terminal(true);
  msgs.forEach((m) => j.stream.push(m));
  assert.equal(j.stream.record(end).steps[0]!.text, 'def add(a, b):\n    return a + b\n');
});

test('a provider given up on with nothing after it is still said, without a next one', () => {
  const t = terminal();
  t.stream.push(route(1, 0, 'explainer', [['deepseek', 'deepseek-chat', 'metered']]));
  t.stream.push({ kind: 'call', seq: 2, step: 0, worker: 'explainer', provider: 'deepseek', model: 'deepseek-chat', attempt: 1 });
  t.stream.push({ kind: 'moved-on', seq: 3, step: 0, provider: 'deepseek', failure: { kind: 'server', message: 'server error 503', status: 503, moveOn: true } });
  t.stream.end(
    result(
      [{ worker: 'explainer', chars: 0, finish: 'error' }],
      0,
      3,
      { code: 'E_PROVIDERS_FAILED', message: 'every provider failed' },
    ),
  );
  assert.equal(t.stdout(), '', 'no answer: nothing on stdout');
  assert.deepEqual(t.stderrLines(), ['[explainer]', 'deepseek · deepseek-chat', 'deepseek: server error 503'], 'nothing ran to the end: no cost line');
});

test('warnings (the budget at 80 %) go to stderr as they come, between the answer chunks', () => {
  const t = terminal();
  t.stream.push({ kind: 'call', seq: 1, step: 0, worker: 'writer', provider: 'openai', model: 'gpt-4.1-mini', attempt: 1 });
  t.stream.push({ kind: 'warning', seq: 2, text: 'daily budget 80 % used ($0.80 of $1.00)' });
  t.stream.push({ kind: 'delta', seq: 3, step: 0, text: 'Done.' });
  assert.deepEqual(t.writes, [
    ['err', '[writer]\n'],
    ['err', 'openai · gpt-4.1-mini\n'],
    ['err', 'warning: daily budget 80 % used ($0.80 of $1.00)\n'],
    ['out', 'Done.'],
  ]);
});

test('a gap in seq is said on stderr; a repeated or older message is dropped; messages that never came are said at the end', () => {
  const t = terminal();
  t.stream.push({ kind: 'call', seq: 1, step: 0, worker: 'explainer', provider: 'ollama', model: 'llama3.2', attempt: 1 });
  t.stream.push({ kind: 'delta', seq: 2, step: 0, text: 'A ' });
  t.stream.push({ kind: 'delta', seq: 5, step: 0, text: 'pod.' });
  t.stream.push({ kind: 'delta', seq: 5, step: 0, text: 'pod.' });
  t.stream.push({ kind: 'delta', seq: 4, step: 0, text: 'late ' });
  t.stream.push({ kind: 'delta', seq: 7, step: 0, text: '!' });
  t.stream.end(result([{ worker: 'explainer', provider: 'ollama', model: 'llama3.2', chars: 7, finish: 'stop' }], 0, 9));
  assert.equal(t.stdout(), 'A pod.!\n');
  assert.deepEqual(t.stderrLines(), [
    '[explainer]',
    'ollama · llama3.2',
    "relay: missed messages 3–4 of this task's stream; the answer above may have gaps",
    "relay: missed message 6 of this task's stream; the answer above may have gaps",
    "relay: missed messages 8–9 of this task's stream; the answer above may have gaps",
    'cost: unpriced (1 call to a model with no known price)',
  ]);
  assert.equal(t.stream.lastSeq, 7);
});

test('the cost line never shows an unknown cost as $0, and says how free calls are free', () => {
  const local = terminal();
  local.stream.push(route(1, 0, 'explainer', [['ollama', 'llama3.2', 'local']]));
  local.stream.end(result([{ worker: 'explainer', provider: 'ollama', model: 'llama3.2', chars: 4, finish: 'stop' }], 0, 1));
  assert.deepEqual(local.stderrLines(), ['cost: free (local)']);

  const unpriced = terminal();
  unpriced.stream.push(route(1, 0, 'explainer', [['compat', 'mystery-7b', 'metered']]));
  unpriced.stream.end(result([{ worker: 'explainer', provider: 'compat', model: 'mystery-7b', chars: 4, finish: 'stop' }], 0, 1));
  assert.deepEqual(unpriced.stderrLines(), ['cost: unpriced (1 call to a model with no known price)']);

  const mixed = terminal();
  mixed.stream.push(route(1, 0, 'architect', [['openai', 'gpt-4.1', 'metered']]));
  mixed.stream.push(route(2, 1, 'reviewer', [['compat', 'mystery-7b', 'metered']]));
  mixed.stream.end(
    result(
      [
        { worker: 'architect', provider: 'openai', model: 'gpt-4.1', chars: 4, costMicros: 12_000, finish: 'stop' },
        { worker: 'reviewer', provider: 'compat', model: 'mystery-7b', chars: 4, finish: 'stop' },
      ],
      12_000,
      2,
    ),
  );
  assert.deepEqual(mixed.stderrLines(), ['cost: $0.012 + 1 unpriced call']);

  // A subscription call whose CLI reports what it would have cost is still free to the user.
  const sub = terminal();
  sub.stream.push(route(1, 0, 'explainer', [['claude', 'sonnet', 'subscription']]));
  sub.stream.end(result([{ worker: 'explainer', provider: 'claude', model: 'sonnet', chars: 4, costMicros: 0, finish: 'stop', usage: { inputTokens: 3, outputTokens: 1, reportedCostMicros: 900 } }], 0, 1));
  assert.deepEqual(sub.stderrLines(), ['cost: free (subscription)']);
});

test('--json: each message one JSON line on stdout as it comes, a repeated one dropped; one record with each step, its text, usage, cost and finish, and the failure', () => {
  const t = terminal(true);
  const msgs: TaskMessage[] = [
    route(1, 1, 'architect', [['anthropic', 'claude-sonnet-4', 'metered']]),
    { kind: 'call', seq: 2, step: 1, worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', attempt: 1 },
    { kind: 'delta', seq: 3, step: 1, text: 'Use ' },
    { kind: 'delta', seq: 4, step: 1, text: 'a queue.' },
    { kind: 'step-done', seq: 5, step: 1, worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', costMicros: 1800 },
    route(6, 2, 'reviewer', [['openai', 'gpt-4.1-mini', 'metered']]),
  ];
  msgs.forEach((m, i) => {
    t.stream.push(m);
    // Written as it comes, one line per message, nothing else.
    assert.deepEqual(
      t.writes.filter(([w]) => w === 'out').map(([, s]) => s),
      msgs.slice(0, i + 1).map((x) => `${JSON.stringify(x)}\n`),
    );
  });
  t.stream.push(msgs[3]!);
  const lines = msgs.map((m) => `${JSON.stringify(m)}\n`).join('');
  assert.equal(t.stdout(), lines, 'a repeated message is not written again');
  const failure = { code: 'E_BUDGET', message: 'the daily limit ($1.00) is spent', hint: 'relay budget set --daily 2' };
  const end = result(
    [
      { worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', chars: 12, costMicros: 1800, finish: 'stop', usage: { inputTokens: 100, outputTokens: 4 } },
      { worker: 'reviewer', chars: 0, finish: 'error' },
    ],
    1800,
    6,
    failure,
  );
  t.stream.end(end);
  assert.equal(t.stdout(), lines, 'nothing more on stdout at the end: the command prints the result line itself');
  assert.deepEqual(t.stream.record(end), {
    taskId: 't1',
    session: { id: 's1', number: 1 },
    steps: [
      { worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', text: 'Use a queue.', usage: { inputTokens: 100, outputTokens: 4 }, costMicros: 1800, finish: 'stop' },
      { worker: 'reviewer', text: '', finish: 'error' },
    ],
    costMicros: 1800,
    failure,
  });
  assert.ok(JSON.parse(JSON.stringify(t.stream.record(end))), 'the record is plain JSON');
});

test('an edit-mode question is preceded by worker, provider/model, input tokens and the estimate', () => {
  assert.equal(
    formatCallPlan({ worker: 'architect', provider: 'anthropic', model: 'claude-sonnet-4', inputTokens: 12_345, estimateMicros: 41_000 }, 'metered'),
    '[architect] anthropic · claude-sonnet-4: 12,345 input tokens, estimated ~$0.041',
  );
  assert.match(formatCallPlan({ worker: 'coder', provider: 'compat', model: 'x', inputTokens: 10 }), /estimated unpriced$/);
  assert.match(formatCallPlan({ worker: 'coder', provider: 'claude', model: 'sonnet', inputTokens: 10, estimateMicros: 900 }, 'subscription'), /estimated free \(subscription\)$/);
  const t = terminal();
  t.stream.push(route(1, 0, 'explainer', [['ollama', 'llama3.2', 'local']]));
  t.stream.push({ kind: 'confirm', seq: 2, step: 0, plan: { worker: 'explainer', provider: 'ollama', model: 'llama3.2', inputTokens: 20 } });
  assert.deepEqual(t.stderrLines(), ['[explainer] ollama · llama3.2: 20 input tokens, estimated free (local)']);
  assert.equal(t.stdout(), '', 'the question is on stderr, the answer alone on stdout');
});
