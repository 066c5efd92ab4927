/**
 * Debian's chromium, headless, driven by playwright-core, for the dashboard's tests. Started
 * with its own empty profile in a temp dir and without the background services that reach for
 * the network (this machine's network is closed: they would fail by the dozen). Closing it
 * checks that no chromium process of that profile is left and removes the profile.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import { processesMentioning } from './leaks.js';
import { makeTempDir, removeTempDir } from './tempDir.js';
import { waitFor } from './waitFor.js';

export const CHROMIUM = process.env.RELAY_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface HeadlessChromium {
  /** One browser profile: tests that need a clean one clear its cookies. */
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<HeadlessChromium> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  const profile = makeTempDir('chrome');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1000 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await waitFor(() => processesMentioning(profile).length === 0, 'chromium processes of the test profile to end', 10_000);
      removeTempDir(profile);
    },
  };
}
