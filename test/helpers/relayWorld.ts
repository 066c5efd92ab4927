/**
 * End-to-end helpers for `relay wrap` / `relay attach` / handoff tests: a private Relay home
 * (makeTempHome) with the fake agent CLIs first on PATH, the real CLI run with piped stdio or
 * inside a real PTY (rendered by @xterm/headless, as a user's terminal would show it), and
 * readers for what a user can ask Relay (`ps --json`, `snapshots --json`, `daemon tail`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import BetterSqlite3 from 'better-sqlite3';
import type { AgentInfo } from '../../src/protocol/agentProtocol.js';
import { CLI_ENTRY, PACKAGE_ROOT } from '../../src/platform/packageInfo.js';
import { readStat } from '../../src/platform/processTree.js';
import type { EventRecord } from '../../src/protocol/eventRecord.js';
import type { SnapshotInfo } from '../../src/protocol/relayProtocol.js';
import { makeTempHome, type RunResult, type TempHome } from './tempHome.js';
import { waitFor } from './waitFor.js';

export const FIXTURES = join(PACKAGE_ROOT, 'test', 'fixtures');
export const FAKE_AGENTS = join(FIXTURES, 'fake-agents');
export const FAKE_AGENT_MJS = join(FAKE_AGENTS, 'fake-agent.mjs');
export const STORM_AGENTS = join(FIXTURES, 'storm');
export const PTY_PROBE = join(FIXTURES, 'pty-probe.mjs');
export const NEGATIVE_CORPUS = join(FIXTURES, 'limit-corpus', 'negative');
export const CORPUS_AGENT = join(PACKAGE_ROOT, 'test', 'helpers', 'corpusAgent.mjs');

/** The Claude limit line as Claude Code prints it (CLI-FACTS.md). */
export const CLAUDE_LIMIT_LINE = "  ⎿ \u00a0You've hit your session limit · resets 10:57am (UTC)";

/** Generous: the machine is two shared cores and these tests start daemons and PTYs. */
export const WAIT_MS = 20_000;

/**
 * The environment for a `relay` process whose daemon (started by `relay wrap`) and agents must
 * find the fake CLIs: `pathFirst` in front of PATH, the fake agents' start log in the temp dir,
 * and no FAKE_* left over from the caller's shell.
 */
export function agentEnv(h: TempHome, extra: Record<string, string> = {}, pathFirst: string[] = [FAKE_AGENTS]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...h.env };
  for (const k of Object.keys(env)) if (k.startsWith('FAKE_AGENT')) delete env[k];
  return {
    ...env,
    PATH: [...pathFirst, h.env.PATH ?? ''].join(':'),
    FAKE_AGENT_LOG: fakeLogFile(h),
    ...extra,
  };
}

export function fakeLogFile(h: TempHome): string {
  return join(h.root, 'home', 'fake-agents.jsonl');
}

/** The working directory the tests run `relay wrap` in (and so the agents' cwd). */
export function workDir(h: TempHome): string {
  return join(h.root, 'home');
}

export interface FakeStart {
  event: 'start' | 'prompt' | string;
  kind: string;
  scenario?: string;
  pid: number;
  prompt: string | null;
  argv?: string[];
}

/** The fake agents' start log: one entry per start (and per typed first prompt). */
export function fakeLog(h: TempHome): FakeStart[] {
  const file = fakeLogFile(h);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FakeStart);
}

/** A `relay …` process with piped stdin/stdout/stderr, read as it runs. */
export interface LiveRelay {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Raw stdout bytes (for byte-exact comparisons). */
  stdoutBytes(): Buffer;
  write(data: string | Buffer): void;
  end(data?: string | Buffer): void;
  /** Resolves when the process has exited and its pipes are closed. */
  done: Promise<RunResult>;
  /** SIGKILL it if it still runs (a test that failed before it ended). */
  kill(): void;
}

/** Every `relay` process started by {@link startRelay} or {@link startRelayPty} and not yet ended. */
const running = new Set<() => void>();

/**
 * A private Relay home for one test: `body` runs with it; afterwards any `relay` process the
 * test started and left running is killed, the daemon is stopped, and the home is checked to
 * have left no process or file behind (makeTempHome's cleanup).
 */
export async function inTempHome(body: (h: TempHome) => Promise<void>): Promise<void> {
  const h = makeTempHome();
  try {
    await body(h);
  } finally {
    for (const kill of [...running]) kill();
    running.clear();
    await h.cleanup();
  }
}

export function startRelay(args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 40_000): LiveRelay {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  // A program that has exited does not read: writing to it must not crash the test.
  child.stdin!.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    clearTimeout(timer);
    running.delete(kill);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  running.add(kill);
  const done = new Promise<RunResult>((resolve, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${err}; stdout tail: ${Buffer.concat(out).toString('utf8').slice(-500)}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(kill);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
  // Callers that never await `done` (a failed assertion first) must not get an unhandled rejection.
  done.catch(() => undefined);
  return {
    child,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => err,
    write: (d) => void child.stdin!.write(d),
    end: (d) => void (d === undefined ? child.stdin!.end() : child.stdin!.end(d)),
    done,
    kill,
  };
}

/** `relay <args> --json`, parsed; asserts exit 0. */
export async function relayJson<T>(h: TempHome, args: string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const r = await h.relay(args, env ? { env } : {});
  assert.equal(r.code, 0, `relay ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export async function psAgents(h: TempHome): Promise<AgentInfo[]> {
  return (await relayJson<{ agents: AgentInfo[] }>(h, ['ps', '--json'])).agents;
}

export async function snapshotsList(h: TempHome): Promise<SnapshotInfo[]> {
  return (await relayJson<{ snapshots: SnapshotInfo[] }>(h, ['snapshots', '--json'])).snapshots;
}

/** Every event so far, as `relay daemon tail --json --no-follow --since 0` prints them. */
export async function tailEvents(h: TempHome): Promise<EventRecord[]> {
  const r = await h.relay(['daemon', 'tail', '--json', '--no-follow', '--since', '0']);
  assert.equal(r.code, 0, `relay daemon tail exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EventRecord);
}

/**
 * The whole event log read from relay.db after the daemon has stopped: everything the daemon
 * did, flushed, with nothing still in flight (the count of a storm's handoffs is final).
 */
export function dbEvents(h: TempHome): EventRecord[] {
  const db = new BetterSqlite3(h.paths.db, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, at, type, actor, payload FROM events ORDER BY seq').all() as Array<{
      seq: number;
      at: number;
      type: string;
      actor: string;
      payload: string;
    }>;
    return rows.map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

export const ofType = (events: readonly EventRecord[], type: string): EventRecord[] => events.filter((e) => e.type === type);

/** True while `pid` is a live process (not gone, not a zombie). */
export function alive(pid: number): boolean {
  const st = readStat(pid)?.state;
  return st !== undefined && st !== 'Z' && st !== 'X';
}

/** `relay daemon stop`, then every pid in `pids` (agents the daemon owned) must be gone. */
export async function stopDaemonAndAssertGone(h: TempHome, pids: readonly number[]): Promise<void> {
  const r = await h.relay(['daemon', 'stop'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `daemon stop: ${r.stderr}`);
  await waitFor(() => pids.every((p) => !alive(p)), `agent processes ${pids.join(', ')} to be gone after daemon stop`, WAIT_MS).catch(() => {
    const left = pids.filter(alive);
    assert.deepEqual(left, [], `agent processes left behind after daemon stop: ${left.join(', ')}`);
  });
}

/** Text as a user reads it: no escape sequences, CRLF as LF. */
export function plain(s: string): string {
  return s
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\r\n/g, '\n');
}

/** A `relay …` process in a real PTY, its output rendered the way a terminal would show it. */
export interface PtyRelay {
  proc: pty.IPty;
  /** Everything it wrote so far, raw. */
  raw(): string;
  /** The terminal's visible rows after everything written so far has been parsed. */
  screen(): Promise<string[]>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  exited: Promise<{ exitCode: number; signal?: number }>;
  dispose(): void;
}

export function startRelayPty(args: string[], env: NodeJS.ProcessEnv, cwd: string, cols = 100, rows = 30): PtyRelay {
  const proc = pty.spawn(process.execPath, [CLI_ENTRY, ...args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd,
    env: env as Record<string, string>,
  });
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
  let raw = '';
  proc.onData((d) => {
    raw += d;
    term.write(d);
  });
  let ended = false;
  const dispose = (): void => {
    running.delete(dispose);
    if (!ended) {
      try {
        proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    term.dispose();
  };
  running.add(dispose);
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) =>
    proc.onExit((e) => {
      ended = true;
      resolve(e);
    }),
  );
  return {
    proc,
    raw: () => raw,
    screen: () =>
      new Promise((resolve) => {
        term.write('', () => {
          const buf = term.buffer.active;
          const lines: string[] = [];
          for (let y = 0; y < term.rows; y++) lines.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
          resolve(lines);
        });
      }),
    write: (d) => proc.write(d),
    resize: (c, r) => {
      proc.resize(c, r);
      term.resize(c, r);
    },
    exited,
    dispose,
  };
}
