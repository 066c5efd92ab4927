/**
 * The workspace's status bar and side list as plain rows: they say what the issue promises (the
 * session and its lineage, AUTO/EDIT, spend against the daily limit, provider, daemon state, the
 * agents' states) and are exactly as wide as the screen gives them, CJK included.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import stringWidth from 'string-width';
import { formatClockTime } from '../../src/platform/duration.js';
import { overlayContent, padToWidth, sideList, statusBar } from '../../src/ui/workspace/workspaceViews.js';
import { NOW, agentInfo, openWorkspace, sessionInfo, type Workspace } from '../helpers/fakeWorkspaceDaemon.js';
import { waitFor } from '../helpers/waitFor.js';

/** The side list's width in the screen (SIDE_COLS - 1 in workspaceScreen.ts). */
const SCREEN_SIDE_WIDTH = 25;

const open: Workspace[] = [];

async function started(opts: Parameters<typeof openWorkspace>[0] & { lineage?: string } = {}): Promise<Workspace> {
  const w = openWorkspace(opts);
  open.push(w);
  w.daemon.sessions = [sessionInfo({ number: 31, current: true, lineage: opts.lineage ?? 'Derived: #12 #25' })];
  await w.c.linkChanged('up');
  return w;
}

afterEach(() => {
  for (const w of open.splice(0)) w.dispose();
});

describe('the status bar', () => {
  it('says the session and its lineage, AUTO, spend against the daily limit, the provider and the daemon state', async () => {
    const w = await started();
    const bar = statusBar(w.c, 120);
    for (const part of ['sess #31 · Derived: #12 #25', 'AUTO', '$0.12 / $5.00 today', 'auto', 'daemon ok']) assert.ok(bar.includes(part), `${part} in ${bar}`);
  });

  it('shows EDIT and the chosen provider once they change', async () => {
    const w = await started();
    w.press('C-x');
    w.press('m', 'm');
    w.press('tab');
    await waitFor(() => w.c.mode === 'edit' && w.c.provider === 'openai', 'edit mode and openai');
    const bar = statusBar(w.c, 120);
    assert.ok(bar.includes('EDIT') && !bar.includes('AUTO'), bar);
    assert.ok(bar.includes('openai'), bar);
  });

  it('without a daily limit it shows today\'s spend alone', async () => {
    const w = openWorkspace();
    open.push(w);
    w.daemon.budget = { ...w.daemon.budget, limits: {} };
    await w.c.linkChanged('up');
    assert.ok(statusBar(w.c, 120).includes('$0.12 today'));
  });

  it('is exactly `width` columns for every width from 40 to 200, with a Latin or a CJK lineage, in English or Chinese', async () => {
    const cases = [
      await started(),
      await started({ lineage: '派生自：#12 #25 · 会话分叉👍' }),
      await started({ language: 'zh', lineage: '派生自：#12 #25 · 会话分叉' }),
    ];
    for (const w of cases) {
      for (let width = 40; width <= 200; width++) {
        const bar = statusBar(w.c, width);
        assert.equal(stringWidth(bar), width, `width ${width}: ${JSON.stringify(bar)}`);
      }
    }
  });

  it('at 80 columns every part fits: the session label gives way, never the daemon state', async () => {
    const w = await started({ lineage: '派生自：#12 #25 · 会话分叉会话分叉会话分叉' });
    const bar = statusBar(w.c, 80);
    for (const part of ['sess #31', 'AUTO', '$0.12 / $5.00 today', 'daemon ok']) assert.ok(bar.includes(part), `${part} in ${bar}`);
  });

  it('at 80 columns while an answer streams, the session number and the daemon state are still whole', async () => {
    const w = await started();
    w.type('go');
    w.press('enter');
    await waitFor(() => w.c.running !== undefined, 'streaming');
    const bar = statusBar(w.c, 80);
    assert.ok(bar.includes('sess #31'), bar);
    assert.ok(bar.includes('daemon ok'), bar);
  });

  it('says when the daemon is lost', async () => {
    const w = await started();
    w.daemon.state = 'lost';
    await w.c.linkChanged('lost');
    assert.ok(statusBar(w.c, 120).includes('daemon lost, reconnecting…'));
  });

  it('padToWidth pads or cuts to exactly the width, CJK counted as two', () => {
    for (const text of ['abc', '会话分叉合并', 'a👍b', '']) {
      for (let width = 1; width <= 12; width++) assert.equal(stringWidth(padToWidth(text, width)), width, `${text} at ${width}`);
    }
  });
});

describe('the side list', () => {
  const resetAt = NOW + 57 * 60_000;

  async function withLimitedAgent(): Promise<Workspace> {
    const w = openWorkspace();
    open.push(w);
    w.daemon.agents = [agentInfo({ id: 'claude-1', state: 'limited' }), agentInfo({ id: 'codex-1', kind: 'codex', name: 'codex', state: 'parked' }), agentInfo({ id: 'old-1', state: 'exited' })];
    await w.c.linkChanged('up');
    w.c.onEvent({ seq: 1, at: NOW, type: 'rate_limited', actor: 'agent:claude-1', payload: { agent: 'claude-1', resetAt } });
    return w;
  }

  it('shows a limited agent as `limited until HH:MM` after a rate_limited event, a parked one as parked, and no exited ones', async () => {
    const w = await withLimitedAgent();
    const rows = sideList(w.c, 60, 20).map((r) => r.text);
    const claude = rows.find((r) => r.includes('claude-1'));
    assert.ok(claude, rows.join('\n'));
    assert.ok(claude.includes(`limited until ${formatClockTime(resetAt, NOW)}`), claude);
    assert.match(claude, /limited until \d{1,2}:\d{2}/);
    assert.ok(rows.find((r) => r.includes('codex-1'))?.includes('parked'));
    assert.ok(!rows.some((r) => r.includes('old-1')));
  });

  it('lists the workers, the one answering marked working', async () => {
    const w = await withLimitedAgent();
    w.type('plan it');
    w.press('enter');
    await waitFor(() => w.daemon.isRunning('task-1'), 'the task runs');
    w.c.onTask('task:task-1', { kind: 'call', seq: 1, step: 0, worker: 'architect', provider: 'openai', model: 'gpt-4o-mini', attempt: 1 });
    const rows = sideList(w.c, 40, 20);
    const architect = rows.find((r) => r.text.includes('architect'));
    assert.ok(architect?.text.includes('working'));
    assert.equal(architect?.style, 'accent');
    assert.ok(rows.find((r) => r.text.includes('coder'))?.text.includes('idle'));
  });

  it('with no agents it says how to start one', async () => {
    const w = openWorkspace();
    open.push(w);
    await w.c.linkChanged('up');
    assert.ok(sideList(w.c, 40, 20).some((r) => r.text.includes('relay wrap claude')));
  });

  it('no row is wider than the side list, at every width', async () => {
    const w = await withLimitedAgent();
    for (let width = 12; width <= 60; width++) {
      for (const r of sideList(w.c, width, 30)) assert.ok(stringWidth(r.text) <= width, `width ${width}: ${JSON.stringify(r.text)}`);
    }
  });

  it('at the screen\'s side width the limited agent shows when its limit lifts', async () => {
    const w = await withLimitedAgent();
    // Too long to sit beside the name at this width: on the row under it, whole.
    const rows = sideList(w.c, SCREEN_SIDE_WIDTH, 20);
    const at = rows.findIndex((r) => r.text.includes('claude-1'));
    assert.ok(at >= 0 && rows[at + 1]!.text.includes(formatClockTime(resetAt, NOW)), rows.map((r) => r.text).join('\n'));
    assert.ok(rows.every((r) => stringWidth(r.text) <= SCREEN_SIDE_WIDTH));
  });
});

describe('overlays', () => {
  it('the cost view shows today against the daily limit and the month', async () => {
    const w = await started();
    w.press('C-x');
    w.press('c', 'c');
    await waitFor(() => w.c.overlay?.kind === 'cost', 'cost');
    const text = overlayContent(w.c, w.c.overlay!, 70, 20).rows.map((r) => r.text).join('\n');
    assert.ok(text.includes('today: $0.12'), text);
    assert.ok(text.includes('daily limit: $5.00'), text);
    assert.ok(text.includes('this month: $2.00'), text);
  });

  it('the graph after a merge shows the merged session once, with its parents', async () => {
    const w = await started();
    w.daemon.sessions.push(sessionInfo({ number: 32 }));
    w.type('/merge 32');
    w.press('enter');
    await waitFor(() => w.c.session?.number === 33, 'merged into #33');
    w.press('C-x');
    w.press('g', 'g');
    await waitFor(() => w.c.overlay?.kind === 'graph', 'graph');
    const rows = overlayContent(w.c, w.c.overlay!, 70, 30).rows.map((r) => r.text);
    assert.equal(rows.filter((r) => r.includes('#33')).length, 1, rows.join('\n'));
    assert.ok(rows.some((r) => r.includes('#31')) && rows.some((r) => r.includes('#32')), rows.join('\n'));
    assert.ok(rows.find((r) => r.includes('#33'))!.includes('◀'), 'the current session is marked');
  });

  it('the palette rows fit the overlay width, CJK titles included', async () => {
    const w = await started({ language: 'zh' });
    w.press('C-p');
    for (const width of [30, 50, 70]) {
      for (const r of overlayContent(w.c, w.c.overlay!, width, 30).rows) assert.ok(stringWidth(r.text) <= width, `${width}: ${r.text}`);
    }
  });
});
