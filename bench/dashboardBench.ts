/// <reference lib="dom" />
/**
 * Dashboard event latency: from starting `relay hook claude` (a real StopFailure payload) to
 * the event's row on the dashboard page in headless chromium, p50/p99 over sequential hooks.
 * The page stamps each row as it is added (a MutationObserver, same machine clock); the hook's
 * own run (spawn to exit: the event acknowledged by the daemon, committed) is the baseline
 * measured in the same loop, so `after_hook_exit` is what the SSE path itself adds.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CLI_ENTRY, PACKAGE_ROOT } from '../src/platform/packageInfo.js';
import type { DashboardInfo } from '../src/protocol/dashboardProtocol.js';
import type { BenchHome } from './benchHome.js';
import { relayJson } from './relayCli.js';
import { percentileOfSorted, round, sorted } from './stats.js';

const PAYLOAD = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json'), 'utf8');

export interface DashboardLatency {
  hooks: number;
  hook_to_page_p50_ms: number;
  hook_to_page_p99_ms: number;
  hook_run_p50_ms: number;
  after_hook_exit_p50_ms: number;
  after_hook_exit_p99_ms: number;
}

function runHook(env: NodeJS.ProcessEnv, session: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`relay hook exited ${code}`))));
    child.stdin.end(JSON.stringify({ ...(JSON.parse(PAYLOAD) as object), session_id: session }));
  });
}

export async function measureDashboardLatency(h: BenchHome, hooks: number): Promise<DashboardLatency> {
  const { record: info } = relayJson<DashboardInfo>(['dashboard', '--json'], h.env);
  const profile = mkdtempSync(join(tmpdir(), 'relay-bench-chrome-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.RELAY_TEST_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  try {
    const page = await context.newPage();
    await page.goto(info.url);
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 20_000 });
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { seen: Record<string, number> }).seen = seen;
      new MutationObserver((changes) => {
        const at = Date.now();
        for (const c of changes) {
          for (const n of Array.from(c.addedNodes)) {
            const li = n as HTMLElement;
            if (li.dataset?.type === 'hook.received') seen[li.textContent ?? ''] = at;
          }
        }
      }).observe(document.getElementById('events')!, { childList: true });
    });
    const total: number[] = [];
    const hookRun: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < hooks + 2; i++) {
      const session = `bench-${i}`;
      const t0 = Date.now();
      await runHook(h.env, session);
      const t1 = Date.now();
      const handle = await page.waitForFunction(
        (s) => {
          const seen = (window as unknown as { seen: Record<string, number> }).seen;
          const key = Object.keys(seen).find((k) => k.includes(s + ' '));
          return key === undefined ? null : seen[key];
        },
        session,
        { timeout: 20_000, polling: 5 },
      );
      const shown = (await handle.jsonValue()) as number;
      if (i < 2) continue; // warm-up: the first rows load the page's code paths
      total.push(shown - t0);
      hookRun.push(t1 - t0);
      after.push(Math.max(0, shown - t1));
    }
    const p = (v: number[], q: number) => round(percentileOfSorted(sorted(v), q), 1);
    return {
      hooks,
      hook_to_page_p50_ms: p(total, 50),
      hook_to_page_p99_ms: p(total, 99),
      hook_run_p50_ms: p(hookRun, 50),
      after_hook_exit_p50_ms: p(after, 50),
      after_hook_exit_p99_ms: p(after, 99),
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
