/**
 * `relay hook claude` wall time against `node -e 0` with a bare listener on run/hook.sock that
 * answers `ok` to what it reads: the hook's own cost of a delivery (connect, one line out, one
 * line back) without the daemon's handling of the event, which hook_startup's daemon-up figure
 * includes. It was a reported-only measurement in the hook fuzz suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensurePrivateDir } from '../src/platform/paths.js';
import type { BenchHome } from './benchHome.js';
import { hookSeries } from './hookStartupBench.js';
import { round } from './stats.js';

export interface HookBareListener {
  runs: number;
  node_e0_median_ms: number;
  hook_median_ms: number;
  /** median(relay hook claude) / median(node -e 0). */
  ratio: number;
}

/** A separate process: the timed runs are spawned synchronously, which would block a listener here. */
const LISTENER = `
const server = require('node:net').createServer((s) => {
  s.on('error', () => {});
  s.on('data', () => s.write('ok\\n'));
});
server.listen(process.argv[1], () => process.stdout.write('listening\\n'));
`;

/** Resolves once the listener is bound; rejects if it exits first. */
function listening(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('listening\n')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`the hook.sock listener exited ${code ?? signal} before listening`)));
    child.once('error', reject);
  });
}

export async function measureHookBareListener(h: BenchHome, runs: number): Promise<HookBareListener> {
  ensurePrivateDir(h.paths.home);
  ensurePrivateDir(h.paths.run);
  // The socket path in its argv: the bench home's disposal finds and kills it if it is left.
  const listener = spawn(process.execPath, ['-e', LISTENER, h.paths.hookSocket], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => listener.once('close', () => resolve()));
  try {
    await listening(listener);
    const s = hookSeries(h, runs);
    // A hook that got no answer spools its event: then this would be the spool figure again.
    if (existsSync(h.paths.spoolFile)) throw new Error('relay hook spooled its event: the listener on hook.sock did not answer');
    return {
      runs,
      node_e0_median_ms: round(s.node, 2),
      hook_median_ms: round(s.hook, 2),
      ratio: round(s.hook / s.node, 3),
    };
  } finally {
    listener.kill('SIGKILL');
    await exited;
  }
}
