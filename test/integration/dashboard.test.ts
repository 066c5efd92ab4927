/// <reference lib="dom" />
/**
 * The dashboard, as a user meets it: served by a real daemon on 127.0.0.1, opened in Debian's
 * headless chromium through the URL `relay dashboard` prints, fed by real events (`relay hook`
 * with a payload Claude Code really sends, `relay session` writes), and followed across a
 * daemon restart.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import type { DashboardInfo } from '../../src/protocol/dashboardProtocol.js';
import { launchChromium, type HeadlessChromium } from '../helpers/headlessChromium.js';
import { withFakeProvider } from '../helpers/fakeProviderServer.js';
import { inTempHome, relayJson, startRelay } from '../helpers/relayWorld.js';
import { ALPHA_KEY, BETA_KEY, clientEnv, twoProvidersConfig, writeConfig } from '../helpers/workspaceWorld.js';
import { collect, type TempHome } from '../helpers/tempHome.js';
import { waitFor } from '../helpers/waitFor.js';

const STOP_FAILURE = join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json');
const SCREENSHOT = process.env.RELAY_TEST_SCREENSHOT_DIR;
const PAGE_WAIT_MS = 15_000;

let chrome: HeadlessChromium;
before(async () => {
  chrome = await launchChromium();
});
after(async () => {
  await chrome.close();
});

async function openDashboard(h: TempHome): Promise<DashboardInfo> {
  return relayJson<DashboardInfo>(h, ['dashboard', '--json']);
}

/** `relay hook claude` with a real StopFailure payload for `session`: one `hook.received` event. */
async function hookEvent(h: TempHome, session: string): Promise<void> {
  const payload = { ...(JSON.parse(readFileSync(STOP_FAILURE, 'utf8')) as object), session_id: session };
  const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude'], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(JSON.stringify(payload));
  const r = await collect(child, 15_000);
  assert.equal(r.code, 0, r.stderr);
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with the headers given, Host included (fetch would not let a test set Host). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function openPage(info: DashboardInfo): Promise<Page> {
  await chrome.context.clearCookies();
  const page = await chrome.context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  (page as Page & { problems: string[] }).problems = problems;
  await page.goto(info.url);
  await page.waitForSelector('#conn[data-state="live"]', { timeout: PAGE_WAIT_MS });
  return page;
}

const problemsOf = (p: Page): string[] => (p as Page & { problems: string[] }).problems;

/** The seqs of the events listed on the page, in page order (newest first). */
const listedSeqs = (page: Page): Promise<number[]> => page.$$eval('#events li', (lis) => lis.map((li) => Number(li.getAttribute('data-seq'))));

/** Distinct colours in a PNG, counted by the browser itself (no image library needed). */
async function distinctColours(page: Page, png: Buffer): Promise<number> {
  const blank = await chrome.context.newPage();
  try {
    return await blank.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      const data = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < data.length; i += 4 * 7) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return seen.size;
    }, png.toString('base64'));
  } finally {
    await blank.close();
    void page;
  }
}

test('dashboard: 401 without the token, 403 for a foreign Host, the token moved into an HttpOnly SameSite=Strict cookie', async () => {
  await inTempHome(async (h) => {
    const info = await openDashboard(h);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/);
    const token = new URL(info.url).searchParams.get('token')!;
    assert.equal(statSync(h.paths.dashboardState).mode & 0o777, 0o600, 'the saved token is private');

    assert.equal((await get(info.port, '/')).status, 401);
    assert.equal((await get(info.port, '/api/agents')).status, 401);
    assert.equal((await get(info.port, '/events')).status, 401);
    assert.equal((await get(info.port, '/?token=wrong')).status, 401);
    // DNS rebinding: a page on evil.example resolved to 127.0.0.1 sends its own name, token or not.
    assert.equal((await get(info.port, `/?token=${token}`, { Host: `evil.example:${info.port}` })).status, 403);
    assert.equal((await get(info.port, '/', { Host: `127.0.0.1.evil.example:${info.port}` })).status, 403);

    const first = await get(info.port, `/?token=${token}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/', 'the token leaves the URL');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const jar = cookie.split(';')[0]!;
    const page = await get(info.port, '/', { Cookie: jar });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Relay dashboard<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal((await get(info.port, '/api/agents', { Cookie: jar })).status, 200);
    assert.equal((await get(info.port, '/assets/../../package.json', { Cookie: jar })).status, 404, 'only listed files are served');
    assert.equal((await get(info.port, '/api/constructor', { Cookie: jar })).status, 404);

    // Asked again, it answers the same address: one server per daemon.
    assert.equal((await openDashboard(h)).url, info.url);
  });
});

test('dashboard: the page loads with the token, shows an event raised by relay hook, and draws every panel', async () => {
  await inTempHome(async (h) => {
    await relayJson(h, ['budget', 'set', '--daily', '1', '--json']);
    const info = await openDashboard(h);
    const page = await openPage(info);
    try {
      assert.equal(page.url(), `http://127.0.0.1:${info.port}/`, 'the token is gone from the address bar');
      assert.equal(await page.evaluate(() => document.cookie), '', 'the page script cannot read the cookie');

      await hookEvent(h, 'dash-session-1');
      const row = await page.waitForSelector('#events li[data-type="hook.received"]', { timeout: PAGE_WAIT_MS });
      assert.match((await row.textContent()) ?? '', /claude/);
      await page.waitForSelector('#spend canvas', { timeout: PAGE_WAIT_MS });
      assert.match((await page.textContent('#spend-summary')) ?? '', /Today: \$0\.00 \/ \$1\.00/);
      await page.waitForSelector('#daemon:not(:text("connecting"))', { timeout: PAGE_WAIT_MS });

      // The filter narrows the list like `daemon tail --type`.
      await page.fill('#event-filter', 'hook.');
      const types = await page.$$eval('#events li', (lis) => lis.map((li) => li.getAttribute('data-type')));
      assert.ok(types.length > 0 && types.every((t) => t!.startsWith('hook.')), `filtered types: ${types.join(', ')}`);
      await page.fill('#event-filter', '');

      const png = await page.screenshot({ fullPage: true });
      if (SCREENSHOT) writeFileSync(join(SCREENSHOT, 'dashboard.png'), png);
      assert.ok((await distinctColours(page, png)) > 20, 'the screenshot is not blank');
      assert.deepEqual(problemsOf(page), [], 'no script errors on the page');
    } finally {
      await page.close();
    }
  });
});

test('dashboard: the graph after a fork and a merge, laid out with each parent above the merge', async () => {
  await withFakeProvider(async (fake) => {
    await inTempHome(async (h) => {
      writeConfig(h, twoProvidersConfig(fake.url));
      const env = clientEnv(h, { extra: { ALPHA_KEY, BETA_KEY } });
      const relay = async <T>(...args: string[]): Promise<T> => {
        const r = await startRelay(args, env, h.root, 60_000).done;
        assert.equal(r.code, 0, `relay ${args.join(' ')}: ${r.stderr}${r.stdout}`);
        return (args.includes('--json') ? JSON.parse(r.stdout) : r.stdout) as T;
      };
      const info = await openDashboard(h);
      const page = await openPage(info);
      try {
        fake.enqueue({ kind: 'answer', text: 'Use Postgres.' }, { kind: 'answer', text: 'Use Redis.' }, { kind: 'answer', text: 'Nightly.' });
        await relay('which database for the shop');
        const b = await relay<{ id: string; number: number }>('session', 'fork', '1', '--name', 'cache', '--json');
        await relay('what about a cache');
        await relay('--session', '1', 'and backups');
        const a = (await relay<{ sessions: Array<{ id: string; number: number }> }>('session', 'list', '--json')).sessions.find((s) => s.number === 1)!;
        const m = await relay<{ id: string; number: number }>('session', 'merge', '1', String(b.number), '--json');
        await page.waitForSelector(`#graph g.node[data-number="${m.number}"]`, { timeout: PAGE_WAIT_MS });
        const edges = await page.$$eval('#graph g.edge[data-kind]', (gs) =>
          gs.map((g) => ({ kind: g.getAttribute('data-kind'), parent: g.getAttribute('data-parent'), child: g.getAttribute('data-child') })),
        );
        assert.deepEqual(edges.filter((e) => e.kind === 'fork').map((e) => [e.parent, e.child]), [[a.id, b.id]]);
        assert.deepEqual(
          edges.filter((e) => e.kind === 'merge').map((e) => [e.parent, e.child]).sort(),
          [[a.id, m.id], [b.id, m.id]].sort(),
          'the merge is drawn once, with an edge from each parent',
        );
        assert.equal(await page.$$eval(`#graph g.node[data-number="${m.number}"]`, (g) => g.length), 1);
        const y = async (n: number): Promise<number> =>
          page.$eval(`#graph g.node[data-number="${n}"]`, (g) => Number(/translate\([^,]+,([^)]+)\)/.exec(g.getAttribute('transform')!)![1]));
        assert.ok((await y(m.number)) > (await y(a.number)) && (await y(m.number)) > (await y(b.number)), 'the merge is below its parents');
        assert.ok((await y(b.number)) > (await y(a.number)), 'the fork is below what it forked');
        assert.deepEqual(problemsOf(page), []);
      } finally {
        await page.close();
      }
    });
  });
});

test('dashboard: after a daemon restart the page reconnects and resumes from its last event, missing none and showing none twice', async () => {
  await inTempHome(async (h) => {
    const info = await openDashboard(h);
    const page = await openPage(info);
    try {
      await hookEvent(h, 'before-restart');
      await page.waitForSelector('#events li[data-type="hook.received"]', { timeout: PAGE_WAIT_MS });
      const stop = await h.relay(['daemon', 'stop']);
      assert.equal(stop.code, 0, stop.stderr);
      await page.waitForSelector('#conn[data-state="reconnecting"]', { timeout: PAGE_WAIT_MS });
      // While the daemon is down, a hook spools its event; the next daemon logs it.
      await hookEvent(h, 'while-down');
      const start = await h.relay(['daemon', 'start']);
      assert.equal(start.code, 0, start.stderr);
      await page.waitForSelector('#conn[data-state="live"]', { timeout: PAGE_WAIT_MS });
      await waitFor(
        async () => (await page.$$eval('#events li[data-type="hook.received"]', (l) => l.length)) === 2,
        'the spooled hook event on the page',
        PAGE_WAIT_MS,
      );
      await page.waitForSelector('#events li[data-type="daemon.started"]', { timeout: PAGE_WAIT_MS });
      // With xstate's internals shown too, the page holds every event from the first it showed
      // to the newest in the log: nothing lost across the restart, nothing twice.
      await page.check('#show-internal');
      const { lastSeq } = await relayJson<{ lastSeq: number }>(h, ['daemon', 'status', '--json']);
      await waitFor(async () => (await listedSeqs(page))[0]! >= lastSeq, `the page to reach seq ${lastSeq}`, PAGE_WAIT_MS);
      const seqs = await listedSeqs(page);
      assert.equal(new Set(seqs).size, seqs.length, 'no event shown twice');
      const ascending = [...seqs].reverse();
      assert.deepEqual(ascending, Array.from({ length: ascending.length }, (_, i) => ascending[0]! + i), 'no gap');
      assert.ok(problemsOf(page).every((p) => /ERR_CONNECTION_REFUSED|Failed to load resource/.test(p)), problemsOf(page).join('\n'));
    } finally {
      await page.close();
    }
  });
});
