/**
 * The workspace's behaviour without a terminal, against an in-memory daemon: what each key asks
 * the daemon, what a streamed answer draws, and that nothing typed is lost while an answer runs.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { TaskMessage } from '../../src/protocol/providerProtocol.js';
import { en } from '../../src/ui/i18n/en.js';
import { overlayContent, statusBar } from '../../src/ui/workspace/workspaceViews.js';
import { NOW, openWorkspace, sessionInfo, type Workspace } from '../helpers/fakeWorkspaceDaemon.js';
import { waitFor } from '../helpers/waitFor.js';

const open: Workspace[] = [];

/** A workspace whose link came up and whose first reload is done. */
async function started(opts: Parameters<typeof openWorkspace>[0] = {}): Promise<Workspace> {
  const w = openWorkspace(opts);
  open.push(w);
  await w.c.linkChanged('up');
  return w;
}

afterEach(() => {
  for (const w of open.splice(0)) w.dispose();
});

function count(rows: readonly string[], text: string): number {
  return rows.filter((r) => r.includes(text)).length;
}

const call = (seq: number, step = 0): TaskMessage => ({ kind: 'call', seq, step, worker: 'architect', provider: 'openai', model: 'gpt-4o-mini', attempt: 1 });
const delta = (seq: number, text: string, step = 0): TaskMessage => ({ kind: 'delta', seq, step, text });

describe('asking and answering', () => {
  it('typing then Enter sends task.run with the text and the shown session', async () => {
    const w = await started();
    w.type('fix the login bug');
    w.press('enter');
    await waitFor(() => w.daemon.sent('task.run').length > 0, 'task.run');
    const [run] = w.daemon.sent('task.run');
    assert.equal(run!.text, 'fix the login bug');
    assert.equal(run!.sessionId, w.daemon.sessions[0]!.id);
    assert.equal(run!.taskId, 'task-1');
    assert.equal(w.c.input.text, '');
    assert.equal(count(w.conversation(), 'fix the login bug'), 1, 'the request is shown before its answer');
    assert.match(statusBar(w.c, 120), /answering/);
  });

  it('Enter while an answer runs keeps the text in the input and says the answer is busy', async () => {
    const w = await started();
    w.type('first');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.type('second question');
    w.press('enter');
    assert.equal(w.c.input.text, 'second question', 'nothing typed is lost');
    assert.deepEqual(w.c.notice, { text: en.errors.busy, kind: 'error' });
    assert.equal(w.daemon.sent('task.run').length, 1);
    w.daemon.finish('task-1');
    await waitFor(() => w.c.running === undefined, 'the task ended');
    w.press('enter');
    await waitFor(() => w.daemon.sent('task.run').length === 2, 'the kept line is sent');
    assert.equal(w.daemon.sent('task.run')[1]!.text, 'second question');
  });

  it('Esc during an answer sends task.cancel; the end says it was cancelled', async () => {
    const w = await started();
    w.type('long job');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.type('draft');
    w.press('escape');
    await waitFor(() => w.daemon.sent('task.cancel').length === 1, 'task.cancel');
    assert.deepEqual(w.daemon.sent('task.cancel')[0], { taskId: 'task-1' });
    assert.equal(w.c.input.text, 'draft', 'Esc cancels the answer, not the input');
    assert.match(statusBar(w.c, 120), /cancelling/);
    w.press('escape');
    assert.equal(w.daemon.sent('task.cancel').length, 1, 'a second Esc does not cancel twice');
    w.daemon.finish('task-1');
    await waitFor(() => w.c.running === undefined, 'the task ended');
    assert.equal(count(w.conversation(), en.ui.conversation.cancelled), 1);
  });

  it('Esc with no answer running clears the input and asks nothing', async () => {
    const w = await started();
    w.type('never mind');
    w.press('escape');
    assert.equal(w.c.input.text, '');
    assert.equal(w.daemon.sent('task.cancel').length, 0);
  });

  it('streamed messages draw under a `[worker] provider · model` header; a repeated seq is not drawn twice', async () => {
    const w = await started();
    w.type('design the cache');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.c.onTask('task:task-1', call(1));
    assert.equal(w.c.running?.worker, 'architect');
    w.c.onTask('task:task-1', delta(2, 'Use an LRU '));
    w.c.onTask('task:task-1', delta(3, 'keyed by path.'));
    w.c.onTask('task:task-1', delta(3, 'keyed by path.'));
    w.c.onTask('task:task-1', delta(2, 'Use an LRU '));
    let rows = w.conversation();
    assert.ok(rows.some((r) => r.startsWith('[architect] openai · gpt-4o-mini')), rows.join('\n'));
    assert.equal(count(rows, 'Use an LRU keyed by path.'), 1, rows.join('\n'));
    assert.equal(count(rows, 'keyed by path.'), 1);
    w.c.onTask('task:task-1', { kind: 'step-done', seq: 4, step: 0, worker: 'architect', provider: 'openai', model: 'gpt-4o-mini', costMicros: 1200, usage: { inputTokens: 100, outputTokens: 20 } });
    rows = w.conversation();
    assert.ok(rows.some((r) => r.startsWith('[architect] openai · gpt-4o-mini ·') && r.includes('120 tokens')), rows.join('\n'));
    assert.equal(w.c.running?.worker, undefined);
  });

  it('escape sequences in a streamed answer never reach the screen, even split across deltas', async () => {
    const w = await started();
    w.type('colour me');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.c.onTask('task:task-1', call(1));
    w.c.onTask('task:task-1', delta(2, 'red: \u001b[3'));
    w.c.onTask('task:task-1', delta(3, '1mhot\u001b[0m\u0007 done'));
    const rows = w.conversation();
    assert.equal(count(rows, 'red: hot done'), 1, rows.join('\n'));
    assert.ok(!rows.join('').includes('\u001b') && !rows.join('').includes('[31m'));
  });

  it('on reload, a live task is replayed (request and partial answer) and its stored turns are not drawn twice', async () => {
    const w = openWorkspace();
    open.push(w);
    const s = w.daemon.sessions[0]!;
    const startedAt = NOW - 5_000;
    w.daemon.messages.set(s.id, [
      { id: 'm1', writtenIn: 1, role: 'user', content: 'earlier question', status: 'complete', createdAt: NOW - 60_000 },
      { id: 'm2', writtenIn: 1, role: 'assistant', content: 'earlier answer', worker: 'coder', provider: 'ollama', model: 'llama3', status: 'complete', createdAt: NOW - 59_000 },
      { id: 'm3', writtenIn: 1, role: 'user', content: 'explain the parser', status: 'complete', createdAt: startedAt },
      { id: 'm4', writtenIn: 1, role: 'assistant', content: 'The parser reads', worker: 'architect', status: 'partial', createdAt: startedAt + 100 },
    ]);
    w.daemon.liveTasks = [{ taskId: 'other-tui-task', text: 'explain the parser', session: { id: s.id, number: s.number }, startedAt, messages: [call(1), delta(2, 'The parser reads')] }];
    await w.c.linkChanged('up');
    let rows = w.conversation();
    assert.equal(count(rows, 'earlier question'), 1, rows.join('\n'));
    assert.equal(count(rows, 'earlier answer'), 1);
    assert.ok(rows.some((r) => r.startsWith('[coder] ollama · llama3')));
    assert.equal(count(rows, 'explain the parser'), 1, rows.join('\n'));
    assert.equal(count(rows, 'The parser reads'), 1, rows.join('\n'));
    assert.equal(w.c.running?.taskId, 'other-tui-task');
    // The same message heard live after the replay, then the next one.
    w.c.onTask('task:other-tui-task', delta(2, 'The parser reads'));
    w.c.onTask('task:other-tui-task', delta(3, ' tokens first.'));
    rows = w.conversation();
    assert.equal(count(rows, 'The parser reads tokens first.'), 1, rows.join('\n'));
    assert.equal(count(rows, 'The parser reads'), 1, rows.join('\n'));
  });

  it('switching away and back while my own answer runs shows my request again, once', async () => {
    const w = openWorkspace();
    open.push(w);
    w.daemon.sessions.push(sessionInfo({ number: 5 }));
    await w.c.linkChanged('up');
    const s = w.daemon.sessions[0]!;
    w.type('my question');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.c.onTask('task:task-1', call(1));
    w.c.onTask('task:task-1', delta(2, 'partial words'));
    // What the daemon holds for it by now: the request stored, the task live with its replay.
    w.daemon.messages.set(s.id, [{ id: 'u1', writtenIn: 1, role: 'user', content: 'my question', status: 'complete', createdAt: NOW }]);
    w.daemon.liveTasks = [{ taskId: 'task-1', text: 'my question', session: { id: s.id, number: 1 }, startedAt: NOW, messages: [call(1), delta(2, 'partial words')] }];
    w.type('/switch 5');
    w.press('enter');
    await waitFor(() => w.c.session?.number === 5, 'switched to #5');
    w.type('/switch 1');
    w.press('enter');
    await waitFor(() => w.c.session?.number === 1, 'back on #1');
    const rows = w.conversation();
    assert.equal(count(rows, 'partial words'), 1, rows.join('\n'));
    assert.equal(count(rows, 'my question'), 1, rows.join('\n'));
  });

  it('a provider that fails mid-task is shown as a warning, and the next one answers under its own header', async () => {
    const w = await started();
    w.type('try hard');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.c.onTask('task:task-1', call(1));
    w.c.onTask('task:task-1', { kind: 'moved-on', seq: 2, step: 0, provider: 'openai', failure: { kind: 'rate_limited', message: '429 too many requests', status: 429, moveOn: true } });
    w.c.onTask('task:task-1', { kind: 'call', seq: 3, step: 0, worker: 'architect', provider: 'ollama', model: 'llama3', attempt: 2 });
    w.c.onTask('task:task-1', delta(4, 'local answer'));
    const rows = w.conversation();
    assert.ok(rows.some((r) => r.includes('openai failed (429 too many requests), moving on')), rows.join('\n'));
    assert.ok(rows.some((r) => r.startsWith('[architect] ollama · llama3')), rows.join('\n'));
    assert.equal(count(rows, 'local answer'), 1);
  });

  it('messages heard before the task is announced are drawn once it is', async () => {
    const w = await started();
    const s = w.daemon.sessions[0]!;
    w.c.onTask('task:t-x', call(1));
    w.c.onTask('task:t-x', delta(2, 'early words'));
    assert.equal(count(w.conversation(), 'early words'), 0);
    w.c.onTask('tasks', { kind: 'started', task: { taskId: 't-x', text: 'from another tui', session: { id: s.id, number: s.number }, startedAt: NOW } });
    const rows = w.conversation();
    assert.equal(count(rows, 'from another tui'), 1);
    assert.equal(count(rows, 'early words'), 1);
  });
});

describe('the first task, failures and scrolling', () => {
  it('with no session yet, the first task starts one and the status bar then names it', async () => {
    const w = openWorkspace();
    open.push(w);
    w.daemon.sessions = [];
    await w.c.linkChanged('up');
    assert.match(statusBar(w.c, 120), /new session/);
    w.type('hello there');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    assert.equal(w.daemon.sent('task.run')[0]!.newSession, true);
    assert.equal(w.daemon.sent('task.run')[0]!.sessionId, undefined);
    // The daemon makes the session, announces the task, then streams.
    w.daemon.sessions.push(sessionInfo({ number: 1, current: true }));
    const s = w.daemon.sessions[0]!;
    w.c.onTask('task:task-1', call(1));
    w.c.onTask('tasks', { kind: 'started', task: { taskId: 'task-1', text: 'hello there', session: { id: s.id, number: 1 }, startedAt: NOW } });
    w.c.onTask('task:task-1', delta(2, 'General Kenobi'));
    const rows = w.conversation();
    assert.equal(count(rows, 'hello there'), 1, rows.join('\n'));
    assert.equal(count(rows, 'General Kenobi'), 1, rows.join('\n'));
    w.daemon.finish('task-1', { session: { id: s.id, number: 1 } });
    await waitFor(() => w.c.running === undefined && w.c.session?.number === 1, 'the session is known');
    assert.match(statusBar(w.c, 120), /sess #1/);
  });

  it('a task that fails says why in the conversation, in words', async () => {
    const w = await started();
    w.type('spend a lot');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.daemon.finish('task-1', { failure: { code: 'E_BUDGET', message: 'daily limit $5.00 reached' } });
    await waitFor(() => w.c.running === undefined, 'the task ended');
    assert.equal(count(w.conversation(), 'over budget: daily limit $5.00 reached'), 1, w.conversation().join('\n'));
  });

  it('slash commands still work while an answer streams (/cost), and the answer goes on', async () => {
    const w = await started();
    w.type('long answer');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.type('/cost');
    w.press('enter');
    await waitFor(() => w.c.overlay?.kind === 'cost', '/cost while streaming');
    w.c.onTask('task:task-1', call(1));
    w.c.onTask('task:task-1', delta(2, 'still streaming'));
    assert.equal(count(w.conversation(), 'still streaming'), 1);
    assert.equal(w.c.running?.taskId, 'task-1');
  });

  it('a paste of 1,000 characters while an answer streams arrives in the input intact', async () => {
    const w = await started();
    w.type('first');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.c.onTask('task:task-1', call(1));
    const pasted = Array.from({ length: 1000 }, (_, i) => 'abc 中\n'[i % 6]).join('');
    w.c.paste(pasted.slice(0, 400));
    w.c.onTask('task:task-1', delta(2, 'streaming meanwhile'));
    w.c.paste(pasted.slice(400));
    assert.equal(w.c.input.text, pasted);
  });

  it('scrolled back, the rows on screen stay put while the answer grows below', () => {
    const w = openWorkspace({ width: 40 });
    open.push(w);
    const m = w.c.conversation;
    for (let i = 0; i < 30; i++) m.addLine('note', `line ${i}`);
    m.apply('t', call(1));
    m.apply('t', delta(2, 'start of the answer\n'));
    m.scroll(20, 10);
    const before = m.visibleRows(10).map((r) => r.text);
    assert.ok(m.scrolledBack);
    m.apply('t', delta(3, 'more\nand more\nand more rows\n'));
    assert.deepEqual(m.visibleRows(10).map((r) => r.text), before);
    m.scroll(-1000, 10);
    assert.equal(m.scrolledBack, false);
    assert.ok(m.visibleRows(10).some((r) => r.text === 'and more rows'));
  });

  it('scrolled back, a warning below the growing answer does not move the rows on screen', () => {
    const w = openWorkspace({ width: 40 });
    open.push(w);
    const m = w.c.conversation;
    for (let i = 0; i < 30; i++) m.addLine('note', `line ${i}`);
    m.apply('t', call(1));
    m.apply('t', delta(2, 'start\n'));
    m.apply('t', { kind: 'warning', seq: 3, text: 'slow provider' });
    m.scroll(15, 10);
    const before = m.visibleRows(10).map((r) => r.text);
    m.apply('t', delta(4, 'grows\nabove the warning\n'));
    assert.deepEqual(m.visibleRows(10).map((r) => r.text), before);
  });
});

describe('keys and commands', () => {
  it('the palette merge picks a session from the list (not the current one) and merges it', async () => {
    const w = openWorkspace();
    open.push(w);
    w.daemon.sessions.push(sessionInfo({ number: 5, name: 'other branch' }));
    await w.c.linkChanged('up');
    w.press('C-p');
    w.type('merge');
    w.press('enter');
    await waitFor(() => w.c.overlay?.kind === 'sessions', 'the session picker');
    const o = w.c.overlay!;
    assert.ok(o.kind === 'sessions');
    assert.deepEqual(o.shown.map((s) => s.number), [5]);
    w.press('enter');
    await waitFor(() => w.daemon.sent('session.merge').length === 1 && w.c.session?.number === 6, 'merged');
    assert.deepEqual(w.daemon.sent('session.merge')[0], { refs: [w.daemon.find('1').id, '5'] });
  });

  it('Up and Down in the input bring back what was sent, and keep the draft', async () => {
    const w = await started();
    w.type('/remember one');
    w.press('enter');
    await waitFor(() => w.daemon.sent('knowledge.remember').length === 1, 'remembered');
    w.type('draft');
    w.press('up');
    assert.equal(w.c.input.text, '/remember one');
    w.press('down');
    assert.equal(w.c.input.text, 'draft');
  });

  it('Ctrl+X then each chord key runs its command', async () => {
    const w = await started();
    const chord = (key: string): void => {
      w.press('C-x');
      assert.equal(w.c.chord, true);
      w.press(key, key);
    };
    chord('n');
    await waitFor(() => w.c.session?.number === 2, 'Ctrl+X N made #2');
    assert.equal(w.daemon.sent('session.new').length, 1);
    assert.equal(w.c.notice?.text, 'new session #2');

    chord('s');
    await waitFor(() => w.c.overlay?.kind === 'sessions', 'Ctrl+X S opened the session list');
    w.press('escape');
    assert.equal(w.c.overlay, null);

    chord('g');
    await waitFor(() => w.c.overlay?.kind === 'graph', 'Ctrl+X G opened the graph');
    assert.equal(w.daemon.sent('session.graph').length, 1);
    w.press('escape');

    chord('m');
    await waitFor(() => w.c.mode === 'edit', 'Ctrl+X M toggled the mode');
    assert.deepEqual(w.modes, ['edit']);
    assert.match(statusBar(w.c, 120), /EDIT/);

    chord('c');
    await waitFor(() => w.c.overlay?.kind === 'cost', 'Ctrl+X C opened cost');
    assert.equal(w.daemon.sent('cost.report').length, 1);
    w.press('escape');

    chord('k');
    await waitFor(() => w.c.overlay?.kind === 'knowledge', 'Ctrl+X K opened knowledge');
    const k = overlayContent(w.c, w.c.overlay!, 60, 20);
    assert.ok(k.rows.some((r) => r.text.includes('deploy: make ship')));
    w.press('escape');

    chord('a');
    await waitFor(() => w.c.notice?.text === en.ui.agents.none, 'Ctrl+X A said there are no agents');

    chord('?');
    await waitFor(() => w.c.overlay?.kind === 'help', 'Ctrl+X ? opened help');
    w.press('escape');

    w.press('C-x');
    w.press('z', 'z');
    assert.equal(w.c.notice?.kind, 'error');
    assert.match(w.c.notice!.text, /Ctrl\+X z/);
    assert.equal(w.c.chord, false);
  });

  it('Esc with an overlay open closes it and leaves a running answer alone; Ctrl+C quits', async () => {
    const w = await started();
    w.type('keep going');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.press('C-p');
    w.press('escape');
    assert.equal(w.c.overlay, null);
    assert.equal(w.daemon.sent('task.cancel').length, 0);
    w.press('C-c');
    assert.equal(w.quits, 1);
  });

  it('Ctrl+P opens the palette, typing filters it, Enter runs the command', async () => {
    const w = await started();
    w.press('C-p');
    assert.equal(w.c.overlay?.kind, 'palette');
    w.type('fork');
    const o = w.c.overlay!;
    assert.ok(o.kind === 'palette');
    assert.equal(o.items[0]?.command.id, 'session.fork');
    assert.equal(w.c.input.text, '', 'typing in the palette does not reach the input');
    w.press('enter');
    await waitFor(() => w.c.session?.number === 2, 'the fork is shown');
    assert.deepEqual(w.daemon.sent('session.fork'), [{ ref: w.daemon.sessions[0]!.id }]);
    assert.equal(w.c.notice?.text, 'forked #1 into #2');
    assert.equal(w.c.overlay, null);
  });

  it('the palette fills the input for a command that needs text (remember)', async () => {
    const w = await started();
    w.press('C-p');
    w.type('remember');
    w.press('enter');
    assert.equal(w.c.input.text, '/remember ');
  });

  it('slash commands: /new /fork /merge 1 /attach 1 /remember /mode /cost /help /clear /quit', async () => {
    const w = await started();
    const slash = (line: string): void => {
      w.type(line);
      w.press('enter');
    };
    slash('/new');
    await waitFor(() => w.c.session?.number === 2, '/new');
    slash('/fork');
    await waitFor(() => w.c.session?.number === 3, '/fork');
    assert.equal(w.daemon.find('3').lineage, 'fork of #2');
    slash('/merge 1');
    await waitFor(() => w.c.session?.number === 4, '/merge 1');
    assert.deepEqual(w.daemon.sent('session.merge'), [{ refs: [w.daemon.find('3').id, '1'] }]);
    assert.equal(w.daemon.find('4').lineage, 'Derived: #3 #1');
    slash('/attach 1');
    await waitFor(() => w.daemon.sent('session.attach').length === 1 && w.c.notice?.text === 'attached #1 to #4', '/attach 1');
    assert.deepEqual(w.daemon.sent('session.attach'), [{ target: w.daemon.find('4').id, source: '1' }]);
    slash('/remember the tests run with npm test');
    await waitFor(() => w.daemon.sent('knowledge.remember').length === 1, '/remember');
    assert.equal(w.daemon.sent('knowledge.remember')[0]!.text, 'the tests run with npm test');
    await waitFor(() => w.c.notice?.text.startsWith('remembered'), 'remembered notice');
    slash('/mode');
    await waitFor(() => w.c.mode === 'edit', '/mode');
    slash('/mode auto');
    await waitFor(() => w.c.mode === 'auto', '/mode auto');
    slash('/cost');
    await waitFor(() => w.c.overlay?.kind === 'cost', '/cost');
    w.press('escape');
    slash('/help');
    await waitFor(() => w.c.overlay?.kind === 'help', '/help');
    w.press('escape');
    w.c.conversation.addLine('note', 'something on screen');
    slash('/clear');
    await waitFor(() => w.c.conversation.isEmpty, '/clear');
    assert.equal(w.c.notice?.text, en.ui.conversation.cleared);
    slash('/quit');
    await waitFor(() => w.quits === 1, '/quit');
    assert.equal(w.daemon.sent('task.run').length, 0, 'no slash command was sent as a task');
  });

  it('/import brings a CLI transcript in as a new session and switches to it; /handoff hands the agent on', async () => {
    const w = await started();
    w.type('/import claude 1a2b3c4d');
    w.press('enter');
    await waitFor(() => w.c.session?.origin === 'import', '/import');
    assert.deepEqual(w.daemon.sent('session.import'), [{ agent: 'claude', id: '1a2b3c4d', cwd: '/work/project', home: '/home/user', env: { PATH: '/usr/bin' } }]);
    assert.equal(w.c.notice?.text, `imported claude into #${w.c.session!.number} (4 turns)`);
    w.type('/import codex --latest');
    w.press('enter');
    await waitFor(() => w.c.notice?.text.startsWith('imported codex') === true, '/import --latest');
    assert.equal(w.daemon.sent('session.import')[1]!.id, undefined, '--latest is the newest, not an id');
    w.type('/handoff claude-1');
    w.press('enter');
    await waitFor(() => w.daemon.sent('relay.handoff').length === 1, '/handoff');
    assert.deepEqual(w.daemon.sent('relay.handoff'), [{ agent: 'claude-1' }]);
    await waitFor(() => w.c.notice?.text === 'handoff: claude-1 → codex', 'the handoff notice');
  });

  it('/import without an agent says what it needs, and sends nothing', async () => {
    const w = await started();
    w.type('/import');
    w.press('enter');
    assert.equal(w.c.notice?.kind, 'error');
    assert.match(w.c.notice!.text, /\/import needs claude\|codex\|gemini\|opencode \[id\]/);
    assert.equal(w.daemon.sent('session.import').length, 0);
  });

  it('an unknown slash command is an error notice, and the line stays to be corrected', async () => {
    const w = await started();
    w.type('/nope now');
    w.press('enter');
    assert.deepEqual(w.c.notice, { text: '/nope is not a command (/help lists them)', kind: 'error' });
    assert.equal(w.c.input.text, '/nope now');
    assert.equal(w.daemon.sent('task.run').length, 0);
  });

  it('a slash command missing its argument says what it needs', async () => {
    const w = await started();
    w.type('/merge');
    w.press('enter');
    assert.deepEqual(w.c.notice, { text: '/merge needs #a [#b …]', kind: 'error' });
    assert.equal(w.daemon.sent('session.merge').length, 0);
  });

  it('an edit-mode confirm opens the dialog with worker, model and estimate; y runs the call, n skips it', async () => {
    const w = await started({ mode: 'edit' });
    w.type('refactor the parser');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    assert.equal(w.daemon.sent('task.run')[0]!.options.confirm, true);
    w.c.onTask('task:task-1', { kind: 'confirm', seq: 1, step: 0, plan: { worker: 'coder', provider: 'openai', model: 'gpt-4o-mini', estimateMicros: 3_000, inputTokens: 1_200 } });
    assert.equal(w.c.overlay?.kind, 'confirm');
    const dialog = overlayContent(w.c, w.c.overlay!, 60, 20);
    const text = dialog.rows.map((r) => r.text).join('\n');
    for (const s of ['coder', 'openai', 'gpt-4o-mini', '1200']) assert.ok(text.includes(s), `${s} in ${text}`);
    w.press('y', 'y');
    await waitFor(() => w.daemon.sent('task.confirm').length === 1, 'task.confirm');
    assert.deepEqual(w.daemon.sent('task.confirm')[0], { taskId: 'task-1', step: 0, yes: true });
    assert.equal(w.c.overlay, null);
    w.c.onTask('task:task-1', { kind: 'confirm', seq: 2, step: 1, plan: { worker: 'reviewer', provider: 'openai', model: 'gpt-4o', inputTokens: 10 } });
    w.press('n', 'n');
    await waitFor(() => w.daemon.sent('task.confirm').length === 2, 'the second task.confirm');
    assert.deepEqual(w.daemon.sent('task.confirm')[1], { taskId: 'task-1', step: 1, yes: false });
  });

  it('a lost daemon is shown, and when it is back everything is read again', async () => {
    const w = await started();
    const lists = w.daemon.sent('session.list').length;
    w.daemon.state = 'lost';
    await w.c.linkChanged('lost');
    assert.deepEqual(w.c.notice, { text: en.errors.daemonLost, kind: 'error' });
    assert.match(statusBar(w.c, 120), /daemon lost, reconnecting/);
    w.daemon.state = 'up';
    await w.c.linkChanged('up');
    assert.equal(w.daemon.sent('session.list').length, lists + 1);
    assert.equal(w.c.notice?.text, en.errors.daemonBack);
    assert.match(statusBar(w.c, 120), /daemon ok/);
  });

  it('Tab cycles the provider: auto, each usable provider, auto; the next task carries it', async () => {
    const w = await started();
    const tab = async (want: string | undefined): Promise<void> => {
      const before = w.daemon.sent('providers.list').length;
      w.press('tab');
      await waitFor(() => w.daemon.sent('providers.list').length > before && w.c.notice !== undefined && w.c.provider === want, `provider ${want}`);
    };
    assert.equal(w.c.provider, undefined);
    await tab('openai');
    assert.match(statusBar(w.c, 120), /openai/);
    await tab('ollama');
    await tab(undefined);
    assert.equal(w.c.notice?.text, en.ui.provider.auto);
    await tab('openai');
    w.type('hello');
    w.press('enter');
    await waitFor(() => w.daemon.sent('task.run').length === 1, 'task.run');
    assert.equal(w.daemon.sent('task.run')[0]!.options.provider, 'openai');
  });

  it('with no usable provider, Tab says so and stays on auto', async () => {
    const w = openWorkspace();
    open.push(w);
    w.daemon.providers = [];
    await w.c.linkChanged('up');
    // Nothing can answer: the first-run screen is up; skipped with Esc.
    assert.equal(w.c.overlay?.kind, 'setup');
    w.press('escape');
    w.press('tab');
    await waitFor(() => w.c.notice?.text === en.ui.provider.none, 'no provider notice');
    assert.equal(w.c.provider, undefined);
  });

  it('the session list opened by Ctrl+X S filters by typing and Enter switches', async () => {
    const w = openWorkspace();
    open.push(w);
    w.daemon.sessions.push(sessionInfo({ number: 7, name: 'login bug' }));
    await w.c.linkChanged('up');
    w.press('C-x');
    w.press('s', 's');
    await waitFor(() => w.c.overlay?.kind === 'sessions', 'the session list');
    w.type('login');
    const o = w.c.overlay!;
    assert.ok(o.kind === 'sessions');
    assert.deepEqual(o.shown.map((s) => s.number), [7]);
    w.press('enter');
    await waitFor(() => w.c.session?.number === 7, 'switched to #7');
    assert.equal(w.c.notice?.text, 'switched to #7');
  });
});
