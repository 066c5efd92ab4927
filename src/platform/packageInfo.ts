/**
 * Where Relay is installed and which version it is. Both `src/<dir>/x.ts` (under tsx) and
 * `dist/<dir>/x.js` sit two levels below the package root, so the root is found the same way.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

let cachedVersion: string | undefined;

export function relayVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/** The compiled daemon entry point; the daemon always runs from `dist/`, never through tsx. */
export const DAEMON_ENTRY = join(PACKAGE_ROOT, 'dist', 'supervisor', 'daemonMain.js');

/** The compiled CLI entry point (what `relay` on the PATH runs). */
export const CLI_ENTRY = join(PACKAGE_ROOT, 'bin', 'relay.js');

/** The compiled worker-thread entry that runs one provider call (piscina loads it by path). */
export const CALL_WORKER_ENTRY = join(PACKAGE_ROOT, 'dist', 'providers', 'callWorker.js');
