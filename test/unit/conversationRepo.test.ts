import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationRepo } from '../../src/store/conversationRepo.js';
import { tempDatabase } from '../helpers/tempDatabase.js';

test('conversations get short numbers in order and are found by id, number or #number', (t) => {
  const db = tempDatabase(t, 'conv').open();
  const repo = new ConversationRepo(db);
  const a = repo.create('ask', 1);
  const b = repo.create('ask', 2, 'login bug');
  assert.deepEqual([a.number, b.number], [1, 2]);
  assert.equal(repo.find(b.id)?.name, 'login bug');
  assert.equal(repo.find('2')?.id, b.id);
  assert.equal(repo.find('#1')?.id, a.id);
  assert.equal(repo.find('#9'), undefined);
});

test('each message follows the head and becomes it; history is the chain, oldest first', (t) => {
  const db = tempDatabase(t, 'conv').open();
  const repo = new ConversationRepo(db);
  const c = repo.create('ask', 1);
  const q = repo.append({ sessionId: c.id, role: 'user', content: 'explain kubernetes', status: 'complete', at: 10 });
  const r = repo.append({ sessionId: c.id, role: 'assistant', content: 'It schedules containers.', worker: 'explainer', provider: 'claude', model: 'haiku', outputTokens: 5, costMicros: 0, status: 'complete', at: 11 });
  assert.equal(r.parentId, q.id);
  assert.equal(repo.find(c.id)?.headId, r.id);
  assert.deepEqual(repo.history(c.id).map((m) => m.content), ['explain kubernetes', 'It schedules containers.']);
  assert.deepEqual(repo.history(c.id, 1).map((m) => m.role), ['assistant']);
  assert.equal(repo.message(r.id)?.worker, 'explainer');
});
