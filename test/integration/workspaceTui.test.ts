/**
 * The `relay` workspace in a real terminal: a private tmux server per test (send-keys,
 * capture-pane) running the built CLI against the real daemon and the fake provider. What a
 * user sees is what is asserted: the rows on screen, the status bar, what the model was sent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runningDaemonPid } from '../../src/client/daemonLauncher.js';
import { CLI_ENTRY } from '../../src/platform/packageInfo.js';
import { startFakeProvider, type FakeProvider } from '../helpers/fakeProviderServer.js';
import { agentEnv, inTempHome, plain, startRelay, workDir } from '../helpers/relayWorld.js';
import type { TempHome } from '../helpers/tempHome.js';
import { assertNothingLeft, TmuxTerminal, tmuxUnavailableReason } from '../helpers/tmuxTerminal.js';
import { waitFor } from '../helpers/waitFor.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';
import stringWidth from 'string-width';

type Env = NodeJS.ProcessEnv;
const WAIT = 20_000;

interface World {
  h: TempHome;
  fake: FakeProvider;
  env: Env;
  cwd: string;
}

/** A Relay home with the fake provider behind two configured providers, torn down after. */
async function inWorkspace(body: (w: World) => Promise<void>, opts: { providers?: boolean } = {}): Promise<void> {
  const fake = await startFakeProvider();
  try {
    await inTempHome(async (h) => {
      if (opts.providers !== false) writeConfig(h, twoProvidersConfig(fake.url));
      const env = clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY, LANG: 'en_US.UTF-8' } });
      await body({ h, fake, env, cwd: workDir(h) });
    });
  } finally {
    await fake.close();
  }
}

/** `relay` in a terminal of its own; closed (and proven gone) after `body`. */
async function withTui(w: World, body: (t: TmuxTerminal) => Promise<void>, opts: { env?: Env; cols?: number; rows?: number; argv?: string[] } = {}): Promise<void> {
  const term = await TmuxTerminal.start({
    argv: opts.argv ?? [process.execPath, CLI_ENTRY],
    cwd: w.cwd,
    env: opts.env ?? w.env,
    cols: opts.cols ?? 100,
    rows: opts.rows ?? 30,
  });
  try {
    await body(term);
  } finally {
    await term.close();
    assertNothingLeft(term);
  }
}

/** The last row: the status bar. */
async function statusBar(t: TmuxTerminal): Promise<string> {
  const rows = (await t.capture()).split('\n').filter((r) => r.trim() !== '');
  return rows[rows.length - 1] ?? '';
}

/** Type a task, send it, and wait for one more `answer` on screen, with the task over. */
async function ask(t: TmuxTerminal, text: string, answer: string): Promise<void> {
  const count = async (): Promise<number> => (await t.capture()).split(answer).length - 1;
  const before = await count();
  await t.type(text);
  await t.sendKeys('Enter');
  await waitFor(async () => (await count()) > before && !(await statusBar(t)).includes('answering'), `answer ${answer} to the task ${text}`, WAIT);
}

const skip = tmuxUnavailableReason();

describe('relay workspace (tmux)', { skip, concurrency: false }, () => {
  it('streams an answer labelled by worker and provider, and shows the session in the status bar', async () => {
    await inWorkspace(async (w) => {
      w.fake.setDefault({ kind: 'answer', text: 'Forks share their history.', chunks: 4 });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        assert.match(await statusBar(t), /new session │ AUTO │ \$0\.00 today │ auto │ daemon ok/);
        await ask(t, 'explain what a fork is', 'Forks share their history.');
        const screen = await t.capture();
        assert.match(screen, /\[explainer\] alpha · alpha-small/);
        assert.match(screen, /explain what a fork is/);
        assert.match(await statusBar(t), /sess #1 │ AUTO/);
        // The model was sent what was typed, exactly.
        const last = w.fake.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
        assert.equal(last.at(-1)!.content, 'explain what a fork is');
      });
    });
  });

  it('opens the palette with Ctrl+P, filters it and runs the chosen action', async () => {
    await inWorkspace(async (w) => {
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await t.sendKeys('C-p');
        await t.waitFor('Commands', WAIT);
        await t.type('new ses');
        await t.waitFor(/New session\s+Ctrl\+X N/, WAIT);
        await t.sendKeys('Enter');
        await t.waitFor('new session #1', WAIT);
        assert.match(await statusBar(t), /sess #1 │/);
      });
    });
  });

  it('runs each Ctrl+X chord', async () => {
    await inWorkspace(async (w) => {
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        const chord = async (key: string, expect: RegExp): Promise<void> => {
          await t.sendKeys('C-x', key);
          await t.waitFor(expect, WAIT);
          await t.sendKeys('Escape');
          // Closed before the next chord: an ESC read together with the Ctrl+X after it is Alt+Ctrl+X,
          // as on any terminal.
          await waitFor(async () => !/┌─/.test(await t.capture()), 'the overlay to close', WAIT);
        };
        await t.sendKeys('C-x', 'n');
        await t.waitFor('new session #1', WAIT);
        await chord('s', /Sessions[\s\S]*#1/);
        await chord('g', /Conversation graph[\s\S]*\* +#1/);
        await chord('k', /Knowledge[\s\S]*nothing remembered yet/);
        await chord('c', /Cost and limits[\s\S]*daily limit/);
        await chord('?', /Help[\s\S]*Ctrl\+X G +\/graph/);
        await t.sendKeys('C-x', 'm');
        await waitFor(async () => (await statusBar(t)).includes('│ EDIT │'), 'EDIT in the status bar', WAIT);
        assert.match(readFileSync(w.h.paths.config, 'utf8'), /^mode: edit$/m);
        await t.sendKeys('C-x', 'a');
        await t.waitFor('no supervised agents', WAIT);
      });
    });
  });

  it('/fork and /merge change the graph: the merged session is one node with both parents', async () => {
    await inWorkspace(async (w) => {
      w.fake.setDefault({ kind: 'answer', text: 'noted.' });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await ask(t, 'the parser is slow', 'noted.');
        await t.type('/fork');
        await t.sendKeys('Enter');
        await t.waitFor('forked #1 into #2', WAIT);
        assert.match(await statusBar(t), /sess #2 · fork of #1/);
        await ask(t, 'try a faster tokenizer', 'noted.');
        // Back on #1, which goes its own way: now the two sides each have something.
        await t.type('/switch 1');
        await t.sendKeys('Enter');
        await t.waitFor('switched to #1', WAIT);
        await ask(t, 'or cache the tokens', 'noted.');
        await t.type('/merge 2');
        await t.sendKeys('Enter');
        await t.waitFor('merged into #3', WAIT);
        assert.match(await statusBar(t), /sess #3 · Derived: #1 #2/);
        await t.sendKeys('C-x', 'g');
        const graph = await t.waitFor(/Conversation graph[\s\S]*#1/, WAIT);
        // The overlay's rows (inside its border), not the status bar under it.
        const rows = graph.split('\n').filter((r) => /│/.test(r) && !/ │ AUTO │ /.test(r));
        const merged = rows.findIndex((r) => /#3 .*Derived: #1 #2/.test(r));
        assert.ok(merged >= 0, graph);
        assert.equal(rows.filter((r) => /#3 /.test(r)).length, 1, 'the merge is drawn once');
        assert.ok(rows.findIndex((r) => /#2 .*fork of #1/.test(r)) > merged, 'its parents below it');
      });
    });
  });

  it('speaks Chinese under LANG=zh_CN.UTF-8, with borders intact', async () => {
    await inWorkspace(async (w) => {
      await withTui(
        w,
        async (t) => {
          await t.waitFor('守护进程', WAIT);
          assert.match(await statusBar(t), /新会话/);
          await t.sendKeys('C-p');
          const screen = await t.waitFor(/┌─ 命令/, WAIT);
          // Every row of the palette box is as wide as its top border, counting CJK as two.
          const box = screen.split('\n').filter((r) => /^\s*[┌│└]/.test(r));
          assert.ok(box.length > 5, screen);
          const widths = box.map((r) => stringWidth(r.trimEnd().replace(/[^│┐┘]*$/, '')));
          assert.equal(new Set(widths).size, 1, `box rows of different widths:\n${box.join('\n')}`);
        },
        { env: { ...w.env, LANG: 'zh_CN.UTF-8' } },
      );
    });
  });

  it('a 1,000-character paste while an answer streams arrives intact', async () => {
    await inWorkspace(async (w) => {
      w.fake.enqueue({ kind: 'answer', text: 'slow answer '.repeat(40), chunks: 40, chunkDelayMs: 50 });
      w.fake.setDefault({ kind: 'answer', text: 'got it.' });
      const pasted = Array.from({ length: 1000 }, (_, i) => 'abcdefghij'[i % 10]!).join('');
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await t.type('stream something long');
        await t.sendKeys('Enter');
        await t.waitFor('answering', WAIT);
        await t.paste(pasted);
        await t.type(' and more');
        await waitFor(async () => !(await statusBar(t)).includes('answering'), 'the slow answer to end', WAIT);
        await t.sendKeys('Enter');
        await t.waitFor('got it.', WAIT);
        const last = w.fake.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
        assert.equal(last.at(-1)!.content, `${pasted} and more`);
      });
    });
  });

  it('redraws cleanly when resized down to 80x24', async () => {
    await inWorkspace(async (w) => {
      w.fake.setDefault({ kind: 'answer', text: 'A long answer that wraps across the conversation pane when the terminal is narrow enough to need it.' });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await ask(t, 'wrap please', 'A long answer');
        await t.resize(80, 24);
        await waitFor(async () => (await t.capture()).split('\n').length <= 24 && (await statusBar(t)).includes('daemon ok'), 'a redraw at 80x24', WAIT);
        const screen = await t.capture();
        for (const row of screen.split('\n')) assert.ok(stringWidth(row) <= 80, `row wider than 80: ${row}`);
        assert.match(screen, /A long answer that wraps/);
        assert.match(await statusBar(t), /sess #1 .*daemon ok/);
      });
    });
  });

  it('with nothing to answer, shows the first-run screen and writes the choice to config.yaml', async () => {
    await inWorkspace(
      async (w) => {
        const env = clientEnv(w.h, { extra: { LANG: 'en_US.UTF-8' } });
        await withTui(
          w,
          async (t) => {
            const screen = await t.waitFor('Welcome to Relay', WAIT);
            assert.match(screen, /✗ ANTHROPIC_API_KEY/);
            assert.match(screen, /claude on PATH — npm install -g @anthropic-ai\/claude-code/);
            await t.sendKeys('Down', 'Enter');
            await t.waitFor(/written to .*config\.yaml/, WAIT);
            const yaml = readFileSync(w.h.paths.config, 'utf8');
            assert.match(yaml, /anthropic:\n\s+type: anthropic\n\s+apiKey: env:ANTHROPIC_API_KEY/);
          },
          { env },
        );
      },
      { providers: false },
    );
  });

  it('quit leaves the answer running; reopening shows the same session, the answer streaming on, and the sent line under Up', async () => {
    await inWorkspace(async (w) => {
      const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
      w.fake.enqueue({ kind: 'answer', text: `${words} END`, chunks: 60, chunkDelayMs: 60 });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await t.type('count slowly');
        await t.sendKeys('Enter');
        await t.waitFor(/w3 /, WAIT);
        await t.sendKeys('C-c');
        assert.equal(await t.exited(WAIT), 0);
      });
      await withTui(w, async (t) => {
        const screen = await t.waitFor(/count slowly[\s\S]*w\d+/, WAIT);
        assert.match(screen, /\[explainer\]|\[chat\]/);
        await t.waitFor(/END/, WAIT);
        assert.match(await statusBar(t), /sess #1/);
        // The answer is whole, once: nothing drawn twice across the reopening.
        const text = (await t.capture()).replace(/\s+/g, ' ');
        assert.equal(text.split('count slowly').length - 1, 1, text);
        assert.equal(text.split(' w5 ').length - 1, 1, text);
        // What was typed in the first run comes back with Up.
        await t.sendKeys('Up');
        await t.waitFor(/^> count slowly/m, WAIT);
      });
    });
  });

  it('shows a killed daemon as lost and reconnects to the next one', async () => {
    await inWorkspace(async (w) => {
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        const pid = runningDaemonPid(w.h.paths);
        assert.ok(pid !== null);
        process.kill(pid, 'SIGKILL');
        await t.waitFor('daemon lost', WAIT);
        await t.waitFor('the daemon is back', WAIT);
        assert.match(await statusBar(t), /daemon ok/);
        await t.sendKeys('C-c');
        assert.equal(await t.exited(WAIT), 0);
      });
    });
  });

  it('in edit mode, each call asks first with worker, model and estimated cost, and y runs it', async () => {
    await inWorkspace(async (w) => {
      w.fake.setDefault({ kind: 'answer', text: 'confirmed answer.' });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await t.sendKeys('C-x', 'm');
        await waitFor(async () => (await statusBar(t)).includes('│ EDIT │'), 'EDIT in the status bar', WAIT);
        await t.type('explain forks');
        await t.sendKeys('Enter');
        const dialog = await t.waitFor(/Run this call\?[\s\S]*estimated cost/, WAIT);
        assert.match(dialog, /worker: explainer/);
        assert.match(dialog, /provider: alpha/);
        assert.match(dialog, /model: alpha-small/);
        assert.match(dialog, /estimated cost: \$0\.0/);
        assert.equal(w.fake.requests.filter((r) => r.path.includes('chat/completions')).length, 0, 'nothing sent before the answer');
        await t.sendKeys('y');
        await t.waitFor('confirmed answer.', WAIT);
        assert.equal(w.fake.requests.filter((r) => r.path.includes('chat/completions')).length, 1);
      });
    });
  });

  it('an answer full of escape sequences cannot restyle or break the screen', async () => {
    await inWorkspace(async (w) => {
      // Clear screen, cursor home, alternate screen, a title, a clipboard write, colours, a bell.
      const hostile = 'before\u001b[2J\u001b[H\u001b[?1049h\u001b]0;pwned\u0007\u001b]52;c;cGF5bG9hZA==\u0007\u001b[31;1mred\u001b[0m\u0007 after';
      w.fake.setDefault({ kind: 'answer', text: hostile, chunks: 7 });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await ask(t, 'be hostile', 'after');
        const screen = await t.capture();
        assert.match(screen, /beforered after/);
        assert.doesNotMatch(screen, /pwned|cGF5bG9hZA|\[31/);
        // The layout is intact: the request above the answer, the status bar in the last row.
        assert.match(screen, /be hostile[\s\S]*beforered after/);
        assert.match(await statusBar(t), /sess #1 │ AUTO/);
        const styled = await t.capture({ escapes: true });
        assert.doesNotMatch(styled, /\u001b\[31;1m/, 'the answer\'s own colour reached the terminal');
      });
    });
  });

  it('two workspaces on one session show the same answer as it streams', async () => {
    await inWorkspace(async (w) => {
      const words = Array.from({ length: 40 }, (_, i) => `v${i}`).join(' ');
      w.fake.setDefault({ kind: 'answer', text: `${words} DONE`, chunks: 40, chunkDelayMs: 40 });
      await withTui(w, async (a) => {
        await a.waitFor('daemon ok', WAIT);
        await ask(a, 'first', 'DONE');
        await withTui(w, async (b) => {
          await b.waitFor(/sess #1/, WAIT);
          await a.type('second');
          await a.sendKeys('Enter');
          // B did not send it, and shows it anyway: the request, then the answer streaming in.
          await b.waitFor(/second[\s\S]*v2 /, WAIT);
          await b.waitFor(/second[\s\S]*DONE/, WAIT);
          await a.waitFor(/second[\s\S]*DONE/, WAIT);
          const count = (screen: string): number => screen.split('DONE').length - 1;
          assert.equal(count(await b.capture({ history: true })), count(await a.capture({ history: true })));
        });
      });
    });
  });

  it('attaches the agent pane to a supervised agent, passes keys through and follows it through a handoff', async () => {
    await inTempHome(async (h) => {
      const env = { ...agentEnv(h, { FAKE_AGENT_SCRIPT: 'ok', FAKE_AGENT_TRANSCRIPT_HOME: h.env.HOME! }), LANG: 'en_US.UTF-8' };
      const wrap = startRelay(['wrap', '--order', 'claude,codex', '--', 'claude'], env, workDir(h));
      await waitFor(() => plain(wrap.stdout()).includes('Claude Code v2.1.197') || wrap.child.exitCode !== null, 'claude to start', WAIT);
      const w: World = { h, fake: undefined as never, env, cwd: workDir(h) };
      await withTui(w, async (t) => {
        await t.waitFor(/claude-1 +running/, WAIT);
        await t.sendKeys('C-x', 'a');
        await t.waitFor(/┌─ Agents[\s\S]*claude-1  running/, WAIT);
        await t.sendKeys('Enter');
        await t.waitFor(/attached to claude-1[\s\S]*Claude Code v2\.1\.197/, WAIT);
        // Keys go to the agent, and its answer is drawn in the pane.
        await t.type('hello from the pane');
        await t.sendKeys('Enter');
        await t.waitFor(/you said: hello from the pane|MOCK_OK/, WAIT);
        // A handoff from elsewhere: the pane follows to the next agent and says so.
        const r = await h.relay(['handoff']);
        assert.equal(r.code, 0, r.stderr);
        const after = await t.waitFor(/codex-1[\s\S]*PROMPT: # Relay handoff/, WAIT);
        assert.match(after, /handed off to codex-1|codex-1/);
        // Ctrl+] comes back to the workspace, the agent still running.
        await t.sendKeys('C-]');
        await waitFor(async () => !/PROMPT: # Relay handoff/.test(await t.capture()), 'the workspace back in place of the pane', WAIT);
        assert.match(await t.capture(), /codex-1 +running/);
      });
      wrap.write('/exit\n');
      await wrap.done;
    });
  });

  it('Esc cancels a streaming answer: what came so far stays, what was used is recorded', async () => {
    await inWorkspace(async (w) => {
      const words = Array.from({ length: 200 }, (_, i) => `c${i}`).join(' ');
      w.fake.enqueue({ kind: 'answer', text: words, chunks: 200, chunkDelayMs: 50 });
      await withTui(w, async (t) => {
        await t.waitFor('daemon ok', WAIT);
        await t.type('count for a long time');
        await t.sendKeys('Enter');
        await t.waitFor(/c3 /, WAIT);
        await t.sendKeys('Escape');
        await t.waitFor('cancelled — what was used is recorded', WAIT);
        await waitFor(async () => !(await statusBar(t)).includes('answering'), 'the answer to stop', WAIT);
        const screen = await t.capture();
        assert.match(screen, /c3 /);
        assert.doesNotMatch(screen, /c199/, 'the whole answer arrived: nothing was cancelled');
        // Recorded: the ledger has the call, as `relay cost report` shows it.
        const report = await w.h.relay(['cost', 'report', '--json']);
        assert.equal(report.code, 0, report.stderr);
        assert.ok((JSON.parse(report.stdout) as { byProvider: Array<{ calls: number }> }).byProvider.some((r) => r.calls === 1), report.stdout);
      });
    });
  });

  it('SIGTERM to the workspace also gives the terminal back', async () => {
    await inWorkspace(async (w) => {
      const script = `'${process.execPath}' '${CLI_ENTRY}'; echo "EXIT: $?"; echo "STTY: $(/bin/stty -a | /usr/bin/tr '\\n' ' ')"; /bin/sleep 30`;
      await withTui(
        w,
        async (t) => {
          await t.waitFor('daemon ok', WAIT);
          // The workspace is the shell's child in the pane.
          const child = execFileSync('ps', ['-o', 'pid=', '--ppid', String(t.panePid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number)[0]!;
          process.kill(child, 'SIGTERM');
          const after = await t.waitFor(/STTY:.*/, WAIT);
          assert.match(after, /EXIT: 130/);
          assert.match(after, /STTY:[\s\S]*[^-]icanon/);
          assert.doesNotMatch(after, /STTY:[\s\S]*-icanon/);
        },
        { argv: ['/bin/sh', '-c', script] },
      );
    });
  });

  it('gives the terminal back as it found it when it quits', async () => {
    await inWorkspace(async (w) => {
      // What the terminal's line discipline is after relay exits, printed by the shell that ran it.
      const script = `'${process.execPath}' '${CLI_ENTRY}'; echo "STTY: $(/bin/stty -a | /usr/bin/tr '\\n' ' ')"; /bin/sleep 30`;
      await withTui(
        w,
        async (t) => {
          await t.waitFor('daemon ok', WAIT);
          await t.sendKeys('C-c');
          const after = await t.waitFor(/STTY:.*/, WAIT);
          // Cooked mode again: the line discipline echoes and edits lines.
          assert.match(after, /STTY:[\s\S]*[^-]icanon/);
          assert.match(after, /STTY:[\s\S]*[^-]echo\b/);
          assert.doesNotMatch(after, /STTY:[\s\S]*-icanon/);
        },
        { argv: ['/bin/sh', '-c', script] },
      );
    });
  });
});
