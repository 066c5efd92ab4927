/**
 * runTask (client/taskRun) against a fake daemon on a real bus: a BusServer in this process with
 * the pid file naming this process, so the client finds "the daemon" running. The fake answers
 * the task requests as the daemon's contract says (messages on TOPIC_TASK, then the reply), which
 * pins the client's side: live before run, messages after the reply, confirm, cancel.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { BusServer, type RequestHandlers } from '../../src/bus/busServer.js';
import { runTask, type TaskView } from '../../src/client/taskRun.js';
import { ensureHome } from '../../src/platform/paths.js';
import { processStartTicks, writePidFile } from '../../src/platform/pidFile.js';
import { TOPIC_TASK, type ProviderRequests, type TaskMessage, type TaskResult } from '../../src/protocol/providerProtocol.js';
import { collect, makeTempHome, type RunResult } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';

type RunPayload = ProviderRequests['task.run']['payload'];
/** A task message before the fake daemon numbers it. */
type Unsequenced<M = TaskMessage> = M extends TaskMessage ? Omit<M, 'seq'> : never;

/** What the fake daemon does with one task.run: publish, wait for answers, then reply. */
type Script = (p: RunPayload, d: FakeDaemon) => Promise<TaskResult>;

class FakeDaemon {
  /** Request types in the order they arrived, with the sync tokens' publication in between. */
  readonly log: string[] = [];
  readonly confirms: Array<ProviderRequests['task.confirm']['payload']> = [];
  readonly cancels: string[] = [];
  script: Script = async () => {
    throw new Error('no script');
  };
  private waiters: Array<() => void> = [];
  private seq = 0;
  server!: BusServer;

  publish(taskId: string, m: Unsequenced): number {
    const seq = ++this.seq;
    this.server.publish(TOPIC_TASK(taskId), { ...m, seq });
    return seq;
  }

  resetSeq(): void {
    this.seq = 0;
  }

  /** Resolves at the next confirm or cancel. */
  nextAnswer(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  answered(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

const h = makeTempHome();
const fake = new FakeDaemon();

before(async () => {
  ensureHome(h.paths);
  const handlers = {
    'daemon.ping': () => ({ pid: process.pid, startedAt: 1 }),
    'events.sync': ({ token }: { token: string }) => {
      fake.log.push('events.sync');
      fake.server.publish(`sync:${token}`, { token });
      return { token };
    },
    'task.run': (p: RunPayload) => {
      fake.log.push('task.run');
      return fake.script(p, fake);
    },
    'task.confirm': (p: ProviderRequests['task.confirm']['payload']) => {
      fake.confirms.push(p);
      fake.answered();
      return { ok: true };
    },
    'providers.list': () => ({
      providers: [],
      lookedFor: [{ what: 'OPENAI_API_KEY', found: false, howToAdd: 'export OPENAI_API_KEY=... in this shell' }],
    }),
    'task.cancel': ({ taskId }: { taskId: string }) => {
      fake.cancels.push(taskId);
      fake.answered();
      return { cancelled: true };
    },
  } as unknown as RequestHandlers;
  fake.server = new BusServer({ paths: h.paths, handlers });
  await fake.server.bind();
  // The launcher's test for a running daemon: this process, by its kernel start time.
  writePidFile(h.paths.pidFile, { pid: process.pid, procStart: processStartTicks(process.pid)!, startedAt: Date.now(), version: 'test' });
});

after(async () => {
  // The pid file names this process: the cleanup must not try to stop it as a daemon.
  rmSync(h.paths.pidFile, { force: true });
  await fake.server.close();
  await h.cleanup();
});

/** A view that keeps what it was given, as TaskStream would show it. */
function recorder(): TaskView & { messages: TaskMessage[]; ended?: TaskResult } {
  const v = {
    messages: [] as TaskMessage[],
    ended: undefined as TaskResult | undefined,
    get lastSeq() {
      return v.messages.at(-1)?.seq ?? 0;
    },
    push(m: TaskMessage) {
      v.messages.push(m);
    },
    end(r: TaskResult) {
      v.ended = r;
    },
  };
  return v;
}

const request = { text: 'explain kubernetes', options: {}, env: { OPENAI_API_KEY: 'sk-test' }, cwd: '/tmp' };

function done(taskId: string, lastSeq: number, failure?: TaskResult['failure']): TaskResult {
  return { taskId, session: { id: 's', number: 1 }, steps: [{ worker: 'explainer', provider: 'ollama', model: 'llama3.2', chars: 10, finish: 'stop' }], lastSeq, costMicros: 0, ...(failure ? { failure } : {}) };
}

test('the topic is live before task.run is sent; every message is shown, also those published after the reply', async () => {
  fake.log.length = 0;
  fake.resetSeq();
  let payload: RunPayload | undefined;
  fake.script = async (p, d) => {
    payload = p;
    d.publish(p.taskId, { kind: 'call', step: 0, worker: 'explainer', provider: 'ollama', model: 'llama3.2', attempt: 1 });
    d.publish(p.taskId, { kind: 'delta', step: 0, text: 'Kubernetes ' });
    // Another task whose id starts with this one's: its messages are not this task's.
    d.server.publish(TOPIC_TASK(`${p.taskId}x`), { kind: 'delta', seq: 3, step: 0, text: 'NOT THIS' });
    // The last messages go out after the reply is on its way (they travel on another socket).
    setImmediate(() => {
      d.publish(p.taskId, { kind: 'delta', step: 0, text: 'runs containers.' });
      d.publish(p.taskId, { kind: 'step-done', step: 0, worker: 'explainer', provider: 'ollama', model: 'llama3.2' });
    });
    return done(p.taskId, 4);
  };
  const view = recorder();
  const { result, cancelled } = await runTask(h.paths, request, { view, taskId: 'live-first' });
  assert.equal(cancelled, false);
  assert.equal(result.taskId, 'live-first');
  assert.deepEqual(fake.log.slice(-2), ['events.sync', 'task.run'], 'subscribed and proven live, then run');
  assert.deepEqual(payload, { taskId: 'live-first', text: 'explain kubernetes', options: {}, env: { OPENAI_API_KEY: 'sk-test' }, cwd: '/tmp' });
  assert.deepEqual(
    view.messages.map((m) => [m.seq, m.kind]),
    [
      [1, 'call'],
      [2, 'delta'],
      [3, 'delta'],
      [4, 'step-done'],
    ],
  );
  assert.ok(!view.messages.some((m) => m.kind === 'delta' && m.text === 'NOT THIS'));
  assert.equal(view.ended?.lastSeq, 4, 'end() came after the last message');
});

test('edit mode: a confirm message is asked about and the answer goes back as task.confirm', async () => {
  fake.resetSeq();
  fake.confirms.length = 0;
  fake.script = async (p, d) => {
    const answer = d.nextAnswer();
    d.publish(p.taskId, { kind: 'confirm', step: 0, plan: { worker: 'explainer', provider: 'openai', model: 'gpt-4.1-mini', inputTokens: 12, estimateMicros: 40 } });
    await answer;
    return done(p.taskId, 1);
  };
  const asked: number[] = [];
  const view = recorder();
  await runTask(h.paths, { ...request, options: { confirm: true } }, {
    view,
    taskId: 'edit-yes',
    ask: async (m) => {
      asked.push(m.step);
      return true;
    },
  });
  assert.deepEqual(asked, [0]);
  assert.deepEqual(fake.confirms, [{ taskId: 'edit-yes', step: 0, yes: true }]);
  assert.equal(view.messages[0]?.kind, 'confirm', 'the view showed the plan');
});

test('a stop (Ctrl+C) sends task.cancel, keeps showing messages until the reply, and says it was cancelled', async () => {
  fake.resetSeq();
  fake.cancels.length = 0;
  const stop = new AbortController();
  const notices: string[] = [];
  fake.script = async (p, d) => {
    const cancelled = d.nextAnswer();
    d.publish(p.taskId, { kind: 'delta', step: 0, text: 'Kube' });
    stop.abort();
    await cancelled;
    d.publish(p.taskId, { kind: 'step-done', step: 0, worker: 'explainer', provider: 'ollama', model: 'llama3.2' });
    return done(p.taskId, 2, { code: 'E_CANCELLED', message: 'cancelled' });
  };
  const view = recorder();
  const outcome = await runTask(h.paths, request, { view, taskId: 'cancel-me', stop: stop.signal, notice: (l) => notices.push(l) });
  assert.equal(outcome.cancelled, true);
  assert.deepEqual(fake.cancels, ['cancel-me']);
  assert.deepEqual(view.messages.map((m) => m.kind), ['delta', 'step-done'], 'what came after the cancel was still shown');
  assert.match(notices[0] ?? '', /cancelling/);
  assert.equal(process.listenerCount('SIGINT'), 0, 'the Ctrl+C handler is gone after the task');
});

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/**
 * `relay <args>` from source against the fake daemon; `input` comes through a shell pipe (a
 * FIFO, as `git diff | relay …` gives: Node's own 'pipe' is a socket, which relay never reads).
 */
function relay(args: string[], input?: string): Promise<RunResult> {
  const argv = [process.execPath, '--import', 'tsx', MAIN, ...args];
  const child =
    input === undefined
      ? spawn(argv[0]!, argv.slice(1), { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', 'printf %s "$RELAY_TEST_INPUT" | "$@"', 'sh', ...argv], {
          env: { ...h.env, RELAY_TEST_INPUT: input },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  return collect(child);
}

test('relay "task": the answer alone on stdout; its worker label, provider and cost on stderr, exit 0', async () => {
  fake.resetSeq();
  fake.script = async (p, d) => {
    d.publish(p.taskId, {
      kind: 'route',
      step: 0,
      decision: {
        worker: 'explainer',
        pick: { provider: 'claude', model: 'sonnet' },
        order: [{ provider: 'claude', model: 'sonnet' }],
        candidates: [{ provider: 'claude', model: 'sonnet', tier: 'standard', billing: 'subscription', kept: true, why: 'cheapest' }],
        why: 'free first',
      },
    });
    d.publish(p.taskId, { kind: 'call', step: 0, worker: 'explainer', provider: 'claude', model: 'sonnet', attempt: 1 });
    d.publish(p.taskId, { kind: 'delta', step: 0, text: 'Kubernetes runs ' });
    d.publish(p.taskId, { kind: 'delta', step: 0, text: 'containers.' });
    d.publish(p.taskId, { kind: 'step-done', step: 0, worker: 'explainer', provider: 'claude', model: 'sonnet' });
    return { ...done(p.taskId, 5), steps: [{ worker: 'explainer', provider: 'claude', model: 'sonnet', chars: 27, finish: 'stop' }] };
  };
  const r = await relay(['explain kubernetes']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Kubernetes runs containers.\n');
  assert.equal(r.stderr, '[explainer]\nclaude · sonnet\ncost: free (subscription)\n');
});

test('relay "task" --json with piped context: one object with the failure, and the exit code of the budget refusal', async () => {
  fake.resetSeq();
  let context: string | undefined;
  fake.script = async (p) => {
    context = p.context;
    return { ...done(p.taskId, 0, { code: 'E_BUDGET', message: 'the daily limit ($1.00) is spent', hint: 'relay budget set --daily 2' }), steps: [] };
  };
  const r = await relay(['review', 'this', '--json'], 'diff --git a/x b/x\n');
  assert.equal(r.code, 10, r.stderr);
  assert.equal(context, 'diff --git a/x b/x\n');
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON object, no error record after it');
  const record = JSON.parse(lines[0]!);
  assert.equal(record.failure.code, 'E_BUDGET');
  assert.deepEqual(record.steps, []);
});

test('relay "task" with no provider: what was looked for and how to add one, then the error, exit 11', async () => {
  fake.resetSeq();
  fake.script = async (p) => ({ ...done(p.taskId, 0, { code: 'E_NO_PROVIDER', message: 'no provider can take this task' }), steps: [] });
  const r = await relay(['explain kubernetes']);
  assert.equal(r.code, 11, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    ['No provider found.', 'Relay looked for these; add any one of them:', '  OPENAI_API_KEY  → export OPENAI_API_KEY=... in this shell', 'relay: no provider can take this task', ''].join('\n'),
  );
});

test('Ctrl+C on relay "task": task.cancel is sent, the answer so far stays, exit 130; a second Ctrl+C quits at once', async () => {
  for (const presses of [1, 2]) {
    fake.resetSeq();
    fake.cancels.length = 0;
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    fake.script = async (p, d) => {
      const cancelled = d.nextAnswer();
      d.publish(p.taskId, { kind: 'call', step: 0, worker: 'explainer', provider: 'ollama', model: 'llama3.2', attempt: 1 });
      d.publish(p.taskId, { kind: 'delta', step: 0, text: 'Kube' });
      await cancelled;
      // With one press the daemon ends the task; with two the client must not wait for it.
      if (presses === 2) await held;
      return { ...done(p.taskId, 2, { code: 'E_CANCELLED', message: 'cancelled' }), steps: [{ worker: 'explainer', provider: 'ollama', model: 'llama3.2', chars: 4, finish: 'cancelled' }] };
    };
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'explain kubernetes'], { env: h.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const finished = collect(child);
    let seen = '';
    child.stdout!.on('data', (b: Buffer) => (seen += b.toString()));
    await waitFor(() => seen.includes('Kube'), 'the first delta on stdout', 20_000);
    child.kill('SIGINT');
    await waitFor(() => fake.cancels.length === 1, 'task.cancel at the fake daemon');
    if (presses === 2) child.kill('SIGINT');
    const r = await finished;
    release();
    assert.equal(r.code, 130, `${presses} press(es): ${r.stderr}`);
    assert.equal(r.stdout, 'Kube\n', 'the answer so far, its line ended');
    assert.match(r.stderr, /relay: cancelling/);
    assert.match(r.stderr, /relay: cancelled/);
  }
});
