/**
 * `relay hook claude` over the fault corpus of issue 8: what sits under RELAY_HOME where the
 * hook writes (a FIFO, a symlink, a directory at spool/hooks.jsonl and at logs/hook.log), how
 * the caller passes the payload (huge, left open with nothing or half a payload, a slow
 * writer), and a hook.sock that takes the connection and never answers. Each case in a fresh
 * home, wall time from spawn to exit; the figure is the worst case, with every exit code and
 * whether anything was printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { CLI_ENTRY, PACKAGE_ROOT } from '../src/platform/packageInfo.js';
import { ensureHome } from '../src/platform/paths.js';
import { withBenchHome, type BenchHome } from './benchHome.js';
import { round } from './stats.js';

const PAYLOAD = readFileSync(join(PACKAGE_ROOT, 'test', 'fixtures', 'hook-payloads', 'claude-oauth-usage--StopFailure.stdin.json'), 'utf8');
/** A hook still running after this is hung: killed, and reported as such. */
const HUNG_MS = 20_000;

interface FaultCase {
  name: string;
  /** Put the fault in place; returns what to undo once the hook has exited. */
  setup(h: BenchHome): Promise<(() => void) | void> | (() => void) | void;
  /** How the caller feeds stdin: whole payload and EOF unless given. */
  feed?: (stdin: NodeJS.WritableStream) => (() => void) | void;
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${String(r.stderr)}`);
}

/** A hook.sock that accepts and never answers (a daemon stuck on something). */
function silentListener(path: string): Promise<Server> {
  const server = createServer((s) => s.on('error', () => undefined));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

const closeServer = (server: Server): (() => void) => () => void server.close();

const CASES: FaultCase[] = [
  { name: 'fifo_at_spool', setup: (h) => mkfifo(h.paths.spoolFile) },
  { name: 'fifo_at_hook_log', setup: (h) => mkfifo(h.paths.hookLog), feed: (s) => void s.end('not json') },
  { name: 'symlink_at_spool', setup: (h) => symlinkSync(join(h.root, 'elsewhere'), h.paths.spoolFile) },
  { name: 'symlink_at_hook_log', setup: (h) => symlinkSync(join(h.root, 'elsewhere'), h.paths.hookLog), feed: (s) => void s.end('not json') },
  { name: 'dir_at_spool', setup: (h) => mkdirSync(h.paths.spoolFile) },
  { name: 'dir_at_hook_log', setup: (h) => mkdirSync(h.paths.hookLog), feed: (s) => void s.end('not json') },
  { name: 'huge_payload', setup: () => undefined, feed: (s) => void s.end(`{"x":"${'a'.repeat(8 * 1024 * 1024)}"}`) },
  { name: 'stdin_open_empty', setup: () => undefined, feed: () => undefined },
  { name: 'stdin_open_half_payload', setup: () => undefined, feed: (s) => void s.write(PAYLOAD.slice(0, 100)) },
  {
    name: 'slow_writer_then_silent_socket',
    setup: async (h) => closeServer(await silentListener(h.paths.hookSocket)),
    // The payload arrives just inside the hook's stdin budget, then the daemon never answers.
    feed: (s) => {
      const t = setTimeout(() => s.end(PAYLOAD), 400);
      return () => clearTimeout(t);
    },
  },
  { name: 'silent_socket', setup: async (h) => closeServer(await silentListener(h.paths.hookSocket)) },
  {
    name: 'silent_socket_and_fifo_at_spool',
    setup: async (h) => {
      mkfifo(h.paths.spoolFile);
      return closeServer(await silentListener(h.paths.hookSocket));
    },
  },
];

interface CaseResult {
  ms: number;
  code: number | null;
  /** Bytes on stdout and stderr together: a hook prints nothing. */
  output_bytes: number;
}

function runCase(h: BenchHome, c: FaultCase): Promise<CaseResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI_ENTRY, 'hook', 'claude'], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = 0;
    child.stdout.on('data', (d: Buffer) => (output += d.length));
    child.stderr.on('data', (d: Buffer) => (output += d.length));
    child.stdin.on('error', () => undefined);
    const stopFeeding = c.feed ? c.feed(child.stdin) : void child.stdin.end(PAYLOAD);
    const hung = setTimeout(() => child.kill('SIGKILL'), HUNG_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(hung);
      stopFeeding?.();
      child.stdin.destroy();
      resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, output_bytes: output });
    });
  });
}

export interface HookFaults {
  cases: Record<string, CaseResult>;
  worst_ms: number;
  worst_case: string;
  all_exit_0: boolean;
  all_silent: boolean;
}

export async function measureHookFaults(): Promise<HookFaults> {
  const cases: Record<string, CaseResult> = {};
  for (const c of CASES) {
    cases[c.name] = await withBenchHome(async (h) => {
      ensureHome(h.paths);
      writeFileSync(join(h.root, 'elsewhere'), 'not relay\'s\n');
      const undo = await c.setup(h);
      try {
        const r = await runCase(h, c);
        return { ...r, ms: round(r.ms, 1) };
      } finally {
        undo?.();
      }
    });
  }
  const [worstCase, worst] = Object.entries(cases).reduce((a, b) => (b[1].ms > a[1].ms ? b : a));
  return {
    cases,
    worst_ms: worst.ms,
    worst_case: worstCase,
    all_exit_0: Object.values(cases).every((r) => r.code === 0),
    all_silent: Object.values(cases).every((r) => r.output_bytes === 0),
  };
}
