/**
 * A running task seen by a client that did not start it, as the workspace TUI (or a second one)
 * sees it: the real daemon runs `relay "task"` from another process against the fake provider,
 * and this test is the other client — subscribed to `task` (the announcements and every task's
 * topic), asking `task.list` mid-answer, cancelling as Esc would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BusClient } from '../../src/bus/busClient.js';
import { EventSubscriber } from '../../src/bus/eventSubscriber.js';
import { TOPIC_TASK, TOPIC_TASKS, type LiveTask, type TaskAnnouncement, type TaskMessage, type TaskResult } from '../../src/protocol/providerProtocol.js';
import { withFakeProvider } from '../helpers/fakeProviderServer.js';
import { inTempHome, startRelay, workDir, WAIT_MS } from '../helpers/relayWorld.js';
import type { TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';

const TASK_TIMEOUT_MS = 60_000;

type Heard = Array<{ topic: string; value: unknown }>;

/** A client of the daemon that started nothing: it hears `task…` and asks what runs. */
interface Watcher {
  client: BusClient;
  heard: Heard;
  announcements(): TaskAnnouncement[];
  list(session?: string): Promise<LiveTask[]>;
}

async function withWatcher(h: TempHome, body: (w: Watcher) => Promise<void>): Promise<void> {
  const heard: Heard = [];
  const client = new BusClient(h.paths, 'test:watcher');
  const sub = new EventSubscriber(h.paths, ['task'], (topic, value) => heard.push({ topic, value }));
  try {
    await sub.live(client);
    await body({
      client,
      heard,
      announcements: () => heard.filter((x) => x.topic === TOPIC_TASKS).map((x) => x.value as TaskAnnouncement),
      list: async (session) => (await client.request('task.list', session === undefined ? {} : { session })).tasks,
    });
  } finally {
    await sub.close();
    await client.close();
  }
}

function keysEnv(h: TempHome): NodeJS.ProcessEnv {
  return clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY } });
}

/** The `--json` result record `relay "task"` printed last. */
function resultOf(stdout: string): Pick<TaskResult, 'taskId' | 'session'> {
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as { kind: string } & Pick<TaskResult, 'taskId' | 'session'>;
  assert.equal(last.kind, 'result', 'the last JSON line is the result');
  return last;
}

const answerText = (messages: readonly TaskMessage[]): string => messages.map((m) => (m.kind === 'delta' ? m.text : '')).join('');

describe('running tasks, seen by a client that did not start them', { timeout: 120_000 }, () => {
  it('mid-answer, task.list gives the partial answer and the session; tasks announces started, then ended when another client cancels', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const env = keysEnv(h);
        assert.equal((await h.relay(['daemon', 'start'], { env })).code, 0);
        await withWatcher(h, async (w) => {
          assert.deepEqual(await w.list(), [], 'nothing runs yet');
          fake.enqueue({ kind: 'stall-after', text: 'PARTIAL-ANSWER ' });
          const relay = startRelay(['explain kubernetes', '--json'], env, workDir(h), TASK_TIMEOUT_MS);
          await waitFor(() => relay.stdout().includes('PARTIAL-ANSWER'), 'the first delta at the client that started the task', WAIT_MS);

          const tasks = await w.list();
          assert.equal(tasks.length, 1);
          const task = tasks[0]!;
          assert.equal(task.text, 'explain kubernetes');
          assert.ok(task.session && task.session.number >= 1 && task.session.id !== '', 'the task names its conversation');
          assert.ok(task.startedAt > 0 && task.startedAt <= Date.now());
          assert.equal(answerText(task.messages), 'PARTIAL-ANSWER ', 'the answer so far');
          const kinds = task.messages.map((m) => m.kind);
          assert.ok(kinds.indexOf('route') < kinds.indexOf('call') && kinds.indexOf('call') < kinds.indexOf('delta'), `in order: ${kinds.join(',')}`);

          // `started` came before any of the task's own messages, with the same task and session.
          const own = TOPIC_TASK(task.taskId);
          const first = w.heard.findIndex((x) => x.topic === TOPIC_TASKS || x.topic === own);
          assert.equal(w.heard[first]!.topic, TOPIC_TASKS);
          assert.deepEqual(w.heard[first]!.value, { kind: 'started', task: { taskId: task.taskId, text: task.text, session: task.session, startedAt: task.startedAt } });
          // What was heard live so far is what the list holds (through the same last seq).
          const live = w.heard.filter((x) => x.topic === own).map((x) => x.value as TaskMessage);
          assert.equal(answerText(live), 'PARTIAL-ANSWER ');
          assert.equal(Math.max(...live.map((m) => m.seq)), task.messages.at(-1)!.seq);

          assert.equal((await w.list(task.session!.id)).length, 1, 'listed under its conversation');
          assert.deepEqual(await w.list('no-such-conversation'), [], 'not under another');

          // Esc in a TUI that did not start it.
          assert.deepEqual(await w.client.request('task.cancel', { taskId: task.taskId }), { cancelled: true });
          const r = await relay.done;
          assert.notEqual(r.code, 0, 'the cancelled task is not a success for the client that started it');
          const ended = await waitFor(() => w.announcements().find((a) => a.kind === 'ended'), '`ended` on the tasks topic', WAIT_MS);
          assert.ok(ended.kind === 'ended');
          assert.equal(ended.taskId, task.taskId);
          assert.deepEqual(ended.session, task.session);
          assert.equal(ended.result.failure?.code, 'E_CANCELLED');
          const record = resultOf(r.stdout);
          assert.equal(record.taskId, task.taskId, 'the task the watcher found is the one that client started');
          assert.deepEqual(record.session, task.session);
          const endedAt = w.heard.findIndex((x) => x.topic === TOPIC_TASKS && (x.value as TaskAnnouncement).kind === 'ended');
          assert.ok(w.heard.every((x, i) => x.topic !== own || i < endedAt), '`ended` comes after the last message of the task');
          assert.deepEqual(w.announcements().map((a) => a.kind), ['started', 'ended']);
          assert.deepEqual(await w.list(), [], 'a finished task is no longer listed');
        });
      });
    });
  });

  it('a client that arrives mid-answer rebuilds the whole answer from task.list and the live messages after it', async () => {
    await withFakeProvider(async (fake) => {
      await inTempHome(async (h) => {
        writeConfig(h, twoProvidersConfig(fake.url));
        const env = keysEnv(h);
        const answer = Array.from({ length: 100 }, (_, i) => `line ${i} of a slow answer 流式\n`).join('');
        // Paced by the provider, not by the test: about 5 s of stream, against a watcher that needs a few ms.
        fake.setDefault({ kind: 'answer', text: answer, chunks: 100, chunkDelayMs: 50 });
        const relay = startRelay(['explain kubernetes'], env, workDir(h), TASK_TIMEOUT_MS);
        await waitFor(() => relay.stdout().includes('line 0 of'), 'the first delta', WAIT_MS);

        // Arrives now, as a TUI opened mid-answer: subscribe, prove it live, then ask.
        await withWatcher(h, async (w) => {
          const tasks = await w.list();
          assert.equal(tasks.length, 1, 'the task still runs (a machine so slow the 5 s stream ended first would fail here)');
          const task = tasks[0]!;
          const sofar = answerText(task.messages);
          assert.ok(sofar.length > 0 && answer.startsWith(sofar), 'a prefix of the answer');
          assert.equal(task.messages.filter((m) => m.kind === 'delta').length, 1, 'the answer so far is one message');
          const through = task.messages.at(-1)!.seq;

          const ended = await waitFor(() => w.announcements().find((a) => a.kind === 'ended'), '`ended`', TASK_TIMEOUT_MS);
          assert.ok(ended.kind === 'ended');
          assert.equal(ended.result.failure, undefined);
          assert.deepEqual(ended.session, task.session);
          const later = w.heard.filter((x) => x.topic === TOPIC_TASK(task.taskId)).map((x) => x.value as TaskMessage).filter((m) => m.seq > through);
          assert.equal(sofar + answerText(later), answer, 'snapshot + what came after = the whole answer, nothing twice');
          assert.equal(ended.result.lastSeq, later.at(-1)?.seq ?? through, 'and nothing missed');
          const r = await relay.done;
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.stdout, answer);
          assert.deepEqual(await w.list(), []);
        });
      });
    });
  });
});
