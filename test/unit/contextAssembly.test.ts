import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ChainIndex } from '../../src/conversation/chainIndex.js';
import { assembleContext, summaryRequest, type ContextInput } from '../../src/conversation/contextAssembly.js';
import { ConversationRepo, type Conversation } from '../../src/store/conversationRepo.js';
import { SummaryRepo } from '../../src/store/summaryRepo.js';
import { tempDatabase } from '../helpers/tempDatabase.js';

interface World {
  repo: ConversationRepo;
  summaries: SummaryRepo;
  index: ChainIndex;
}

function world(t: TestContext): World {
  const db = tempDatabase(t, 'context').open();
  return { repo: new ConversationRepo(db), summaries: new SummaryRepo(db), index: new ChainIndex(db) };
}

let clock = 1;
/** A session with these turns, alternately user and assistant. */
function conversation(repo: ConversationRepo, turns: string[]): Conversation {
  const c = repo.create('ask', clock++);
  for (const t of turns) say(repo, c, t);
  return repo.find(c.id)!;
}

function say(repo: ConversationRepo, c: Conversation, content: string, role?: 'user' | 'assistant'): void {
  const n = repo.history(c.id, 10_000).length;
  repo.append({ sessionId: c.id, role: role ?? (n % 2 === 0 ? 'user' : 'assistant'), content, status: 'complete', at: clock++ });
}

function context(w: World, c: Conversation, over: Partial<ContextInput> = {}) {
  return assembleContext({ ...w, sessionId: c.id, budgetTokens: 100_000, ...over });
}

const texts = (a: ReturnType<typeof assembleContext>): string[] => a.plan.parts.map((p) => p.content);

test('a chain in order, between the instructions and facts and the request; every part sized and explained', (t) => {
  const w = world(t);
  const c = conversation(w.repo, ['q1', 'a1', 'q2', 'a2']);
  const a = context(w, c, { systemPrompt: 'be brief', facts: ['deploy: make ship'], request: 'q3' });
  assert.deepEqual(a.plan.parts.map((p) => p.kind), ['system', 'facts', 'history', 'history', 'history', 'history', 'request']);
  assert.deepEqual(texts(a).slice(2), ['q1', 'a1', 'q2', 'a2', 'q3']);
  assert.match(a.plan.parts[1]!.content, /- deploy: make ship/);
  assert.ok(a.plan.parts.every((p) => p.tokens > 0 && p.why !== ''));
  assert.equal(a.plan.totalTokens, a.plan.parts.reduce((n, p) => n + p.tokens, 0));
  assert.deepEqual(a.messages.map((m) => m.role), ['system', 'system', 'user', 'assistant', 'user', 'assistant', 'user']);
  assert.equal(a.plan.compacted, null);
  assert.equal(a.compaction(), undefined);
});

test('failed and empty answers are not context', (t) => {
  const w = world(t);
  const c = conversation(w.repo, ['q1']);
  w.repo.append({ sessionId: c.id, role: 'assistant', content: 'half an answ', status: 'failed', at: clock++ });
  w.repo.append({ sessionId: c.id, role: 'assistant', content: '', status: 'complete', at: clock++ });
  assert.deepEqual(texts(context(w, c)), ['q1']);
});

test("a fork has its parent's turns before the fork point, then its own, each saying where it comes from", (t) => {
  const w = world(t);
  const a = conversation(w.repo, ['q1', 'a1']);
  const b = w.repo.fork(a.id, clock++);
  say(w.repo, b, 'q2 on b');
  say(w.repo, a, 'q2 on a');
  const plan = context(w, b).plan;
  assert.deepEqual(plan.parts.map((p) => p.content), ['q1', 'a1', 'q2 on b']);
  assert.equal(plan.parts[0]!.why, `own chain, from #${a.number}`);
  assert.equal(plan.parts[2]!.why, 'own chain');
});

test('a merge of a session and its fork: the shared prefix once, then each side, then the merged turns', (t) => {
  const w = world(t);
  const a = conversation(w.repo, ['shared q', 'shared a']);
  const b = w.repo.fork(a.id, clock++);
  say(w.repo, a, 'a side q');
  say(w.repo, b, 'b side q');
  const m = w.repo.merge([String(a.number), String(b.number)], clock++);
  say(w.repo, m, 'merged q', 'user');
  const plan = context(w, m).plan;
  assert.deepEqual(plan.parts.map((p) => p.content), ['shared q', 'shared a', 'a side q', 'b side q', 'merged q']);
  assert.deepEqual(plan.parts.map((p) => p.kind), ['merged', 'merged', 'merged', 'merged', 'history']);
  assert.equal(plan.parts[3]!.why, `merged from #${b.number}`);
  // A fork of the merge carries the merge's parents too.
  const f = w.repo.fork(m.id, clock++);
  assert.deepEqual(context(w, f).plan.parts.map((p) => p.content), ['shared q', 'shared a', 'a side q', 'b side q', 'merged q']);
});

test("an attached session's turns come before the session's own, minus what they share; a later turn of the source does not", (t) => {
  const w = world(t);
  const api = conversation(w.repo, ['api q', 'api a']);
  const ui = conversation(w.repo, ['ui q', 'ui a']);
  w.repo.attach(ui.id, api.id, clock++);
  say(w.repo, api, 'api later');
  say(w.repo, ui, 'fit q');
  const plan = context(w, ui).plan;
  assert.deepEqual(plan.parts.map((p) => p.content), ['api q', 'api a', 'ui q', 'ui a', 'fit q']);
  assert.equal(plan.parts[0]!.why, `attached #${api.number}`);
});

test('a deleted merge parent leaves its turns in the merged context', (t) => {
  const w = world(t);
  const a = conversation(w.repo, ['a q']);
  const b = conversation(w.repo, ['b q']);
  const m = w.repo.merge([a.id, b.id], clock++);
  w.repo.delete(a.id);
  const plan = context(w, m).plan;
  assert.deepEqual(plan.parts.map((p) => p.content), ['a q', 'b q']);
  assert.equal(plan.parts[0]!.why, 'merged from a deleted session');
});

test('over the budget the oldest turns go, a marker says how many, and the turns to summarise are named', (t) => {
  const w = world(t);
  const turns = Array.from({ length: 20 }, (_, i) => `turn ${i} ${'word '.repeat(40)}`);
  const c = conversation(w.repo, turns);
  const a = context(w, c, { budgetTokens: 400, systemPrompt: 'be brief', request: 'now' });
  assert.ok(a.plan.totalTokens <= 400, `${a.plan.totalTokens} tokens`);
  const kept = a.plan.parts.filter((p) => p.kind === 'history');
  assert.ok(kept.length > 0 && kept.length < 20);
  assert.equal(kept.at(-1)!.content, turns[19], 'the newest turns stay');
  const marker = a.plan.parts.find((p) => p.kind === 'marker')!;
  assert.equal(marker.content, `[${20 - kept.length} earlier turns of this conversation left out]`);
  assert.deepEqual(a.plan.compacted, { turns: 20 - kept.length, by: 'marker' });
  const todo = a.compaction();
  assert.ok(todo, 'the caller is told what to summarise');
  assert.ok(todo.covers >= 20 - kept.length, 'at least what was left out');
  assert.equal(todo.turns[0]!.content, turns[0]);
  assert.match(summaryRequest(todo)[0]!.content, /User: turn 0/);
});

test('a stored summary takes the place of the turns it covers, is reused, and is extended when more must go', (t) => {
  const w = world(t);
  const turns = Array.from({ length: 20 }, (_, i) => `turn ${i} ${'word '.repeat(40)}`);
  const c = conversation(w.repo, turns);
  const first = context(w, c, { budgetTokens: 600 });
  const todo = first.compaction()!;
  w.summaries.put({ throughMessage: todo.throughMessageId, covers: todo.covers, content: 'they talked about words', tokens: 6, model: 'alpha/alpha-small', createdAt: clock++ });

  const second = context(w, c, { budgetTokens: 600 });
  assert.deepEqual(second.plan.parts.map((p) => p.kind).slice(0, 1), ['summary']);
  assert.match(second.plan.parts[0]!.content, /they talked about words/);
  assert.equal(second.plan.parts.filter((p) => p.kind === 'marker').length, 0);
  assert.equal(second.compaction(), undefined, 'nothing left to summarise');
  assert.equal(second.plan.compacted?.by, 'summary');
  assert.equal(second.plan.parts.filter((p) => p.kind === 'history').length, 20 - todo.covers);

  // A fork shares the prefix, so it shares the summary.
  const f = w.repo.fork(c.id, clock++);
  assert.equal(context(w, f, { budgetTokens: 600 }).plan.parts[0]!.kind, 'summary');

  for (let i = 0; i < 12; i++) say(w.repo, c, `more ${i} ${'word '.repeat(40)}`);
  const third = context(w, c, { budgetTokens: 600 });
  assert.equal(third.plan.parts[0]!.kind, 'summary');
  assert.equal(third.plan.parts[1]!.kind, 'marker');
  const next = third.compaction();
  assert.equal(next?.previous, 'they talked about words', 'the next summary builds on this one');
  assert.match(summaryRequest(next!)[0]!.content, /^The summary so far:\nthey talked about words/);
});

test('the same graph always gives the same plan', (t) => {
  const w = world(t);
  const a = conversation(w.repo, ['q1', 'a1', 'q2']);
  const b = w.repo.fork(a.id, clock++);
  say(w.repo, b, 'b');
  say(w.repo, a, 'a3');
  const m = w.repo.merge([a.id, b.id], clock++);
  assert.deepEqual(context(w, m, { budgetTokens: 50 }).plan, context(w, m, { budgetTokens: 50 }).plan);
});

test('a merge of a merge reaches every branch, each turn once', (t) => {
  const w = world(t);
  const a = conversation(w.repo, ['a q', 'a a']);
  const b = conversation(w.repo, ['b q']);
  const m1 = w.repo.merge([a.id, b.id], clock++);
  say(w.repo, m1, 'm1 q', 'user');
  const c = w.repo.fork(a.id, clock++);
  say(w.repo, c, 'c q');
  const m2 = w.repo.merge([m1.id, c.id], clock++);
  say(w.repo, m2, 'm2 q', 'user');
  const plan = context(w, m2).plan;
  assert.deepEqual(plan.parts.map((p) => p.content), ['a q', 'a a', 'b q', 'm1 q', 'c q', 'm2 q']);
  assert.equal(plan.parts[0]!.why, `merged from #${a.number} via #${m1.number}`);
  assert.equal(plan.parts[4]!.why, `merged from #${c.number}`);
});

test('a summary that would take most of the room is not used; a huge turn goes into a summary request cut', (t) => {
  const w = world(t);
  const huge = ('x'.repeat(1023) + '\n').repeat(1024);
  const c = conversation(w.repo, ['q1', huge, 'q2', 'a2']);
  const todo = context(w, c, { budgetTokens: 2_000 }).compaction()!;
  assert.ok(todo, 'the huge answer does not fit: something to summarise');
  const request = summaryRequest(todo)[0]!.content;
  assert.ok(request.length < 40_000, `${request.length} characters`);
  assert.match(request, /characters cut …\]/);
  const rambling = 'word '.repeat(2_000);
  w.summaries.put({ throughMessage: todo.throughMessageId, covers: todo.covers, content: rambling, tokens: 2_001, createdAt: clock++ });
  const plan = context(w, c, { budgetTokens: 2_000 }).plan;
  assert.equal(plan.parts.filter((p) => p.kind === 'summary').length, 0);
  assert.equal(plan.parts[0]!.kind, 'marker');
  assert.ok(plan.totalTokens <= 2_000, `${plan.totalTokens} tokens`);
});

test("a side's stored summary is not taken for a merge, whose turns up to the same message are others", (t) => {
  const w = world(t);
  const long = (s: string): string => `${s} ${'word '.repeat(40)}`;
  const a = conversation(w.repo, [long('shared q'), long('shared a')]);
  const b = w.repo.fork(a.id, clock++);
  for (let i = 0; i < 4; i++) say(w.repo, a, long(`a side ${i}`));
  for (let i = 0; i < 10; i++) say(w.repo, b, long(`b side ${i}`));
  const todo = context(w, b, { budgetTokens: 300 }).compaction()!;
  w.summaries.put({ throughMessage: todo.throughMessageId, covers: todo.covers, content: 'b so far', tokens: 3, createdAt: clock++ });
  assert.equal(context(w, b, { budgetTokens: 300 }).plan.parts[0]!.kind, 'summary', 'the session itself uses it');
  const m = w.repo.merge([a.id, b.id], clock++);
  const plan = context(w, m, { budgetTokens: 300 }).plan;
  assert.equal(plan.parts.filter((p) => p.kind === 'summary').length, 0, "the a side's turns are not in b's summary");
  assert.equal(plan.compacted?.by, 'marker');
});

test('instructions, facts and request over the budget are all kept, and the plan says so', (t) => {
  const w = world(t);
  const c = conversation(w.repo, ['q1', 'a1']);
  const a = context(w, c, { budgetTokens: 20, systemPrompt: 'be brief '.repeat(20), facts: ['deploy: make ship'], request: 'q2' });
  assert.deepEqual(a.plan.parts.map((p) => p.kind), ['system', 'facts', 'marker', 'request']);
  assert.match(a.plan.parts.at(-1)!.why, /alone are \d+ tokens, over the budget of 20: kept, no turn fits/);
  assert.deepEqual(a.plan.compacted, { turns: 2, by: 'marker' });
});

test('a turn written after a call is in the next one: nothing stale in the chain index', (t) => {
  const w = world(t);
  const c = conversation(w.repo, ['q1', 'a1']);
  assert.deepEqual(texts(context(w, c)), ['q1', 'a1']);
  say(w.repo, c, 'q2');
  const f = w.repo.fork(c.id, clock++);
  say(w.repo, f, 'on the fork');
  assert.deepEqual(texts(context(w, c)), ['q1', 'a1', 'q2']);
  assert.deepEqual(texts(context(w, f)), ['q1', 'a1', 'q2', 'on the fork']);
});

test("deleting a session takes the summaries of the messages it frees, and keeps those another's history needs", (t) => {
  const w = world(t);
  const a = conversation(w.repo, ['q1', 'a1']);
  const b = w.repo.fork(a.id, clock++);
  say(w.repo, b, 'b q');
  say(w.repo, b, 'b a');
  const shared = w.repo.history(a.id)[1]!.id;
  const own = w.repo.history(b.id).at(-1)!.id;
  w.summaries.put({ throughMessage: shared, covers: 2, content: 'shared', tokens: 1, createdAt: clock++ });
  w.summaries.put({ throughMessage: own, covers: 4, content: 'b', tokens: 1, createdAt: clock++ });
  w.repo.delete(b.id);
  assert.equal(w.summaries.get(own), undefined, "b's last message is gone, and its summary with it");
  assert.equal(w.summaries.get(shared)?.content, 'shared', 'a still has the shared prefix');
  assert.deepEqual(texts(context(w, a)), ['q1', 'a1']);
});
