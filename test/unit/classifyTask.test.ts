import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTask, type TaskIntent } from '../../src/routing/classifyTask.js';

/** Realistic prompts as people type them into `relay "…"`, and the intent each must get. */
const INTENTS: ReadonlyArray<[string, TaskIntent]> = [
  ['hi', 'chat'],
  ['hello there!', 'chat'],
  ['thanks, that worked', 'chat'],
  ['good morning', 'chat'],
  ['explain kubernetes', 'explain'],
  ['Explain how TCP slow start works', 'explain'],
  ['what is a monad?', 'explain'],
  ["what's the difference between a process and a thread", 'explain'],
  ['how does git rebase work', 'explain'],
  ['why is the sky blue', 'explain'],
  ['can you explain what this regex does: ^a+b$', 'explain'],
  ['summarize this article', 'explain'],
  ['tell me about the CAP theorem', 'explain'],
  ['design a rate limiter for our API', 'design'],
  ['Design the database schema for a multi-tenant SaaS', 'design'],
  ['how should we structure the plugin system so third parties can extend it?', 'design'],
  ['propose an architecture for ingesting 1M events per second', 'design'],
  ['what are the trade-offs of event sourcing for our order service, and how would you architect it', 'design'],
  ['review this diff', 'review'],
  ['please review my pull request', 'review'],
  ['code review: is this function thread-safe?', 'review'],
  ['check this patch for security problems', 'review'],
  ['fix the login bug in auth.ts', 'code'],
  ['implement pagination for the /users endpoint', 'code'],
  ['write a function that parses ISO 8601 durations', 'code'],
  ['write unit tests for src/config/relayConfig.ts', 'code'],
  ['refactor this class to use dependency injection', 'code'],
  ['my test fails with TypeError: cannot read properties of undefined', 'code'],
  ['the build is broken after upgrading webpack', 'code'],
  ['add a --json flag to the status command', 'code'],
  ['could you please fix the flaky test in queue.spec.js', 'code'],
  ['write a blog post announcing our 2.0 release', 'write'],
  ['draft an email to the team about the outage', 'write'],
  ['rewrite this paragraph to be more concise', 'write'],
  ['translate this README to German', 'write'],
  ['compare PostgreSQL and MySQL for a write-heavy workload', 'research'],
  ['which database should we use for time series data', 'research'],
  ['research the state of the art in vector search', 'research'],
  ['what are the alternatives to Redis for a job queue', 'research'],
  ['write a python script to rename files by date', 'code'],
  ['can you help me debug this', 'code'],
  ["what's wrong with my code?", 'code'],
  ['create a REST API for todos in express', 'code'],
  ['implement a rate limiter', 'code'],
  ['give me feedback on this README', 'review'],
  ['how do I center a div', 'explain'],
  ['asdf qwerty', 'chat'],
  ['', 'chat'],
];

for (const [text, intent] of INTENTS) {
  test(`"${text}" is ${intent}`, () => {
    const c = classifyTask(text);
    assert.equal(c.intent, intent, c.why);
    assert.match(c.why, new RegExp(`^${intent}: `));
  });
}

test('size: a short question is small, a long paste or a big context is large, depth or a design is medium', () => {
  assert.equal(classifyTask('explain kubernetes').size, 'small');
  assert.equal(classifyTask('explain kubernetes', 100_000).size, 'large');
  assert.equal(classifyTask(`review this diff\n${'+ line\n'.repeat(5_000)}`).size, 'large');
  assert.equal(classifyTask('explain kubernetes in depth').size, 'medium');
  assert.equal(classifyTask('design a rate limiter for our API').size, 'medium');
  assert.equal(classifyTask('refactor the whole codebase to ESM').size, 'large');
  assert.equal(classifyTask(`explain briefly ${'x'.repeat(3_000)}`).size, 'small');
  assert.equal(classifyTask(`explain ${'x '.repeat(2_000)}`).size, 'medium');
});

test('why names what decided the intent and the size', () => {
  const c = classifyTask('fix the login bug in auth.ts');
  assert.equal(c.why, 'code: asks for a code change, names a source file, mentions an error; small: 28 characters');
  assert.match(classifyTask('asdf').why, /^chat: nothing more specific matched; small/);
});

test('deterministic and fast: the same answer every time, well under a millisecond for a long prompt', () => {
  const long = `please review this change, it touches auth.ts and the rate limiter design\n${'@@ -1,3 +1,4 @@\n+const x = 1;\n'.repeat(2_000)}`;
  const first = classifyTask(long, 50_000);
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) assert.deepEqual(classifyTask(long, 50_000), first);
  const perCallMs = (performance.now() - t0) / 200;
  assert.ok(perCallMs < 1, `classifyTask took ${perCallMs.toFixed(3)} ms per call`);
});
