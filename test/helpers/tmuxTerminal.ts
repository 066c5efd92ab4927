/**
 * A real terminal for end-to-end tests of full-screen programs: one private tmux server per
 * instance (its own socket name, no config file, its socket under a temp dir of its own), one
 * pane running the program with exactly the environment the test gives. Keys go in with
 * send-keys, text with `send-keys -l`, pastes as bracketed pastes from a buffer; the screen comes
 * back with capture-pane. Waiting is always for a condition on the screen or the pane, bounded.
 *
 * tmux 3.3 behaviour this relies on (see the harness's own tests):
 * - the pane's command is given as an argv (no shell) and is not format-expanded; an argument
 *   ending in `;` would end the tmux command instead, so it is escaped as `\;`;
 * - the pane's environment is the server's plus TMUX/TMUX_PANE/TERM, so the program is started
 *   through `env -i` to get exactly the test's variables (TERM added only if the test gave none);
 * - `-u` makes the server treat the client as UTF-8, so CJK text survives capture;
 * - a detached session takes its size from `new-session -x -y`; `resize-window` works detached
 *   and sets the window's `window-size` to manual itself (setting `window-size manual` globally
 *   before the first session makes 3.3a's server exit, so it is not set);
 * - with `remain-on-exit on` a dead pane shows "Pane is dead (status N, …)" on its last row,
 *   scrolling the screen up one line (the top row goes to history: capture with `history`);
 * - `#{pane_dead}` turns 1 when the pty closes, `#{pane_dead_status}` only once tmux has reaped
 *   the child, and 3.3a (built with libutempter) often misses the SIGCHLD of a program that
 *   exits at once, leaving it a zombie with no status: exitStatus() sends the server SIGCHLD;
 * - `kill-server` leaves the socket file behind: close() removes it with the temp dir;
 * - plain capture-pane prints line drawing sent in the alternate character set (blessed's
 *   borders) as the letters `lqk x mqj`; `-e` marks those cells with SO/SI, so capture() reads
 *   `-e` and translates them to the box characters a user sees.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isAlive, signalGroup } from '../../src/platform/processTree.js';
import { processesMentioning } from './leaks.js';

/** The terminal type the pane's program sees unless the test sets TERM itself. */
export const DEFAULT_TERM = 'tmux-256color';
const DEFAULT_COLS = 100;
const DEFAULT_ROWS = 30;
const DEFAULT_WAIT_MS = 10_000;
const POLL_MS = 15;
/** The one session and window of each server. */
const TARGET = 'relay:0.0';
/** One tmux client command; past this the server is hung, not slow. */
const COMMAND_TIMEOUT_MS = 10_000;

export interface TmuxTerminalOptions {
  /** The program and its arguments, run directly (no shell). A bare name is looked up on env.PATH. */
  argv: readonly string[];
  cwd: string;
  /** The program's whole environment (undefined values dropped); TERM is added only if absent. */
  env: Readonly<NodeJS.ProcessEnv>;
  /** Terminal size; 100×30 by default. */
  cols?: number;
  rows?: number;
}

export interface CaptureOptions {
  /** Keep colours, attributes and the line-drawing shifts (SO/SI) as tmux gives them (`capture-pane -e`). */
  escapes?: boolean;
  /** Prepend the scrollback (`capture-pane -S -`): what scrolled off the top, oldest first. */
  history?: boolean;
}

/** How the pane's program ended: its exit code, or the signal that killed it. */
export interface PaneExit {
  code: number | null;
  signal: number | null;
}

/** Why tmux tests cannot run here, or undefined when they can. */
export function tmuxUnavailableReason(): string | undefined {
  return findOnPath('tmux', process.env.PATH) === undefined ? 'tmux is not on PATH (install tmux ≥ 3.3 to run the terminal tests)' : undefined;
}

function findOnPath(name: string, path: string | undefined): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here; the next dir.
    }
  }
  return undefined;
}

/**
 * tmux splits a command list at any argument that ends in `;`; `\;` at the end stands for a
 * literal `;` (and `\\;` for a literal `\;`), so one backslash before the last `;` keeps any
 * argument whole.
 */
function escapeArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const matches = (screen: string, pattern: string | RegExp): boolean =>
  typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen);

export class TmuxTerminal {
  /** The `-L` name: `relay-test-<pid>-<random>`. */
  readonly socketName: string;
  /** Where that socket is: under this instance's own TMUX_TMPDIR. */
  readonly socketPath: string;
  /** Everything of this instance on disk (its TMUX_TMPDIR with the socket), removed by close(). */
  readonly tempDir: string;
  /** Set once start() has the server running. */
  serverPid = 0;
  /** The pane's program (env -i execs it, so the pid is the program's own). */
  panePid = 0;
  private readonly tmuxEnv: NodeJS.ProcessEnv;
  private closed: Promise<void> | undefined;

  private constructor() {
    this.socketName = `relay-test-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.tempDir = mkdtempSync(join(tmpdir(), 'relay-tmux-'));
    const uid = process.getuid?.() ?? 0;
    this.socketPath = join(this.tempDir, `tmux-${uid}`, this.socketName);
    // The tmux clients' and the server's own environment: no TMUX (a test run inside tmux must
    // not reach the developer's server), nothing of the test process that the pane could inherit.
    this.tmuxEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', TMUX_TMPDIR: this.tempDir, LANG: 'C.UTF-8' };
  }

  /** Start a private server with one pane running `opts.argv`; resolves once the pane exists. */
  static async start(opts: TmuxTerminalOptions): Promise<TmuxTerminal> {
    const unavailable = tmuxUnavailableReason();
    if (unavailable) throw new Error(unavailable);
    const [command, ...args] = opts.argv;
    if (command === undefined) throw new Error('TmuxTerminal.start: argv is empty');
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
    env.TERM ??= DEFAULT_TERM;
    const program = findOnPath(command, env.PATH ?? process.env.PATH);
    if (program === undefined) throw new Error(`TmuxTerminal.start: ${command} is not on PATH`);
    // env(1) would take a program path with `=` for one more variable.
    if (program.includes('=')) throw new Error(`TmuxTerminal.start: cannot run a program whose path has '=': ${program}`);
    const envBin = findOnPath('env', '/usr/bin:/bin') ?? 'env';
    const assignments = Object.entries(env).map(([k, v]) => {
      if (k === '' || k.includes('=')) throw new Error(`TmuxTerminal.start: bad variable name ${JSON.stringify(k)}`);
      return `${k}=${v}`;
    });
    const term = new TmuxTerminal();
    try {
      const cols = opts.cols ?? DEFAULT_COLS;
      const rows = opts.rows ?? DEFAULT_ROWS;
      // One command list, so remain-on-exit is set before the program can end: a program that
      // exits at once still leaves its pane (and its status) to read.
      const out = await term.tmux([
        'start-server', ';',
        'set-option', '-g', 'remain-on-exit', 'on', ';',
        'set-option', '-g', 'status', 'off', ';',
        'set-option', '-g', 'default-terminal', env.TERM, ';',
        'set-option', '-g', 'history-limit', '5000', ';',
        // -c is format-expanded (a '#' in it would be read as a format): test dirs have none.
        'new-session', '-d', '-s', 'relay', '-x', String(cols), '-y', String(rows), '-c', opts.cwd, '--',
        envBin, '-i', '--', ...assignments.map(escapeArg), program, ...args.map(escapeArg), ';',
        'display-message', '-p', '-t', TARGET, '#{pid} #{pane_pid}',
      ]);
      const [serverPid, panePid] = out.trim().split(' ').map(Number);
      if (!serverPid || !panePid) throw new Error(`tmux did not report its pids: ${JSON.stringify(out)}`);
      term.serverPid = serverPid;
      term.panePid = panePid;
      return term;
    } catch (e) {
      await term.close();
      throw e;
    }
  }

  /** A shell command that attaches to this server, for looking at a test while it runs. */
  get attachCommand(): string {
    return `TMUX_TMPDIR=${this.tempDir} tmux -L ${this.socketName} attach -t relay`;
  }

  /** Run one tmux client command against this server; its stdout. */
  private tmux(args: readonly string[], input?: string): Promise<string> {
    const argv = ['-u', '-L', this.socketName, '-f', '/dev/null', ...args];
    return new Promise((resolve, reject) => {
      const child = spawn('tmux', argv, { env: this.tmuxEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
      child.stdout.on('data', (d: Buffer) => stdout.push(d));
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(Buffer.concat(stdout).toString('utf8'));
        const why = signal ? `was killed by ${signal}` : `exited ${code}`;
        reject(new Error(`tmux ${args[0]} ${why}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
      });
      child.stdin.on('error', () => undefined); // A failed command may close stdin before reading it.
      child.stdin.end(input ?? '');
    });
  }

  /** Keys by tmux name (`C-p`, `Escape`, `Enter`, `Tab`, `Up`, `M-x`, `F1`); a word that is no key name is typed as text. */
  async sendKeys(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.tmux(['send-keys', '-t', TARGET, '--', ...keys.map(escapeArg)]);
  }

  /** Type `text` literally, as keystrokes (no key names, no bracketed paste). */
  async type(text: string): Promise<void> {
    if (text === '') return;
    await this.tmux(['send-keys', '-t', TARGET, '-l', '--', escapeArg(text)]);
  }

  /**
   * Paste `text` the way a terminal does: in bracketed-paste markers if the program enabled
   * them (ESC[?2004h), and with each LF sent as CR, like xterm's paste.
   */
  async paste(text: string): Promise<void> {
    const buffer = `paste-${randomBytes(4).toString('hex')}`;
    // From stdin: no temp file, and the text is never parsed as a tmux argument.
    await this.tmux(['load-buffer', '-b', buffer, '-', ';', 'paste-buffer', '-p', '-d', '-b', buffer, '-t', TARGET], text);
  }

  /**
   * The visible screen as text: one line per row, trailing spaces trimmed, rows joined by \n.
   * Plain text shows line drawing as a user sees it (`┌─┐`), not as tmux's plain capture does
   * (the VT100 letters `lqk` that curses and blessed send in the alternate character set).
   */
  async capture(opts: CaptureOptions = {}): Promise<string> {
    const out = await this.tmux(['capture-pane', '-p', '-e', ...(opts.history ? ['-S', '-'] : []), '-t', TARGET]);
    const screen = out.endsWith('\n') ? out.slice(0, -1) : out;
    return opts.escapes ? screen : plainScreen(screen);
  }

  /**
   * Poll the screen until it contains `pattern` (a substring, or a RegExp tested against the
   * whole screen); the screen that matched. On timeout the error shows the last screen.
   */
  async waitFor(pattern: string | RegExp, timeoutMs = DEFAULT_WAIT_MS, opts: CaptureOptions = {}): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await this.capture(opts);
      if (matches(screen, pattern)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)} on the screen; last screen:\n${frame(screen)}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Resize the window (the program gets SIGWINCH); resolves once tmux reports the new size. */
  async resize(cols: number, rows: number): Promise<void> {
    await this.tmux(['resize-window', '-t', TARGET, '-x', String(cols), '-y', String(rows)]);
    const size = await this.size();
    if (size.cols !== cols || size.rows !== rows) throw new Error(`resize to ${cols}×${rows} left the pane at ${size.cols}×${size.rows}`);
  }

  /** The pane's size as tmux has it. */
  async size(): Promise<{ cols: number; rows: number }> {
    const [cols, rows] = (await this.tmux(['display-message', '-p', '-t', TARGET, '#{pane_width} #{pane_height}'])).trim().split(' ').map(Number);
    return { cols: cols ?? 0, rows: rows ?? 0 };
  }

  /** How the pane's program ended, or undefined while it runs (or tmux has not reaped it yet). */
  async exitStatus(): Promise<PaneExit | undefined> {
    const out = await this.tmux(['display-message', '-p', '-t', TARGET, '#{pane_dead}|#{pane_dead_status}|#{pane_dead_signal}']);
    const [dead, status, signal] = out.trim().split('|');
    if (dead !== '1') return undefined;
    // Before tmux has reaped the child, the signal can read `0` as well as empty: neither is one.
    const killedBy = signal && signal !== '0' ? Number(signal) : null;
    if (!status && killedBy === null) {
      // The pty has closed but tmux has not reaped the child: it may have missed the SIGCHLD
      // (libutempter's handler was in place), so give it another; the next poll sees the status.
      if (this.serverPid) process.kill(this.serverPid, 'SIGCHLD');
      return undefined;
    }
    return { code: status ? Number(status) : null, signal: killedBy };
  }

  /** Wait for the pane's program to end: its exit code, or null if a signal killed it. */
  async exited(timeoutMs = DEFAULT_WAIT_MS): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const exit = await this.exitStatus();
      if (exit) return exit.code;
      if (Date.now() > deadline) {
        const screen = await this.capture().catch((e: Error) => `(no screen: ${e.message})`);
        throw new Error(`the program did not exit within ${timeoutMs} ms; last screen:\n${frame(screen)}`);
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Kill the server and the pane's program (SIGHUP from tmux, SIGKILL to its group if it stays),
   * wait until both are gone, remove the socket and the temp dir. Safe to call twice.
   */
  close(): Promise<void> {
    this.closed ??= (async () => {
      // Also when start() failed before the pids were known: no server answers "no server running".
      await this.tmux(['kill-server']).catch(() => undefined);
      await this.untilGone(this.serverPid, 'the tmux server');
      await this.untilGone(this.panePid, 'the pane program');
      rmSync(this.tempDir, { recursive: true, force: true });
    })();
    return this.closed;
  }

  /** Wait for `pid` to end, then SIGKILL its group once if it has not in a few seconds. */
  private async untilGone(pid: number, what: string): Promise<void> {
    if (!pid) return;
    for (const signal of [undefined, 'SIGKILL'] as const) {
      if (signal) signalGroup(pid, signal);
      const deadline = Date.now() + 3_000;
      while (isAlive(pid)) {
        if (Date.now() > deadline) break;
        await sleep(POLL_MS);
      }
      if (!isAlive(pid)) return;
    }
    throw new Error(`${what} (pid ${pid}) is still running after SIGKILL`);
  }

  /** What this instance left behind: its socket, its temp dir, a process of its server or pane. */
  leftovers(): string[] {
    const left: string[] = [];
    if (existsSync(this.socketPath)) left.push(`socket ${this.socketPath}`);
    if (existsSync(this.tempDir)) left.push(`temp dir ${this.tempDir}`);
    if (this.serverPid && isAlive(this.serverPid)) left.push(`tmux server pid ${this.serverPid}`);
    if (this.panePid && isAlive(this.panePid)) left.push(`pane program pid ${this.panePid}`);
    for (const pid of processesMentioning(this.socketName)) left.push(`process ${pid} mentioning ${this.socketName}`);
    return [...new Set(left)];
  }
}

/** Fail unless `term` (closed) left nothing behind: no socket, temp dir, server or pane process. */
export function assertNothingLeft(term: TmuxTerminal): void {
  assert.deepEqual(term.leftovers(), [], `tmux terminal ${term.socketName} left things behind`);
}

/**
 * The VT100 special graphics set as tmux 3.3 keeps it: `capture-pane -e` marks those cells with
 * SO … SI around the letters; these are the characters a terminal draws for them.
 */
const LINE_DRAWING: Readonly<Record<string, string>> = {
  '+': '→', ',': '←', '-': '↑', '.': '↓', '0': '█', '`': '◆', a: '▒', f: '°', g: '±', h: '␤', i: '␋',
  j: '┘', k: '┐', l: '┌', m: '└', n: '┼', o: '⎺', p: '⎻', q: '─', r: '⎼', s: '⎽', t: '├', u: '┤',
  v: '┴', w: '┬', x: '│', y: '≤', z: '≥', '{': 'π', '|': '≠', '}': '£', '~': '·',
};

/** A `capture-pane -e` screen as plain text: line drawing translated, attributes dropped. */
function plainScreen(escaped: string): string {
  // tmux emits SO/SI only where the set changes, so a row may begin in line drawing still.
  let graphics = false;
  const lines = escaped.split('\n').map((line) => {
    let out = '';
    for (const part of line.split(/(\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|[\x0e\x0f])/)) {
      if (part === '\x0e') graphics = true;
      else if (part === '\x0f') graphics = false;
      else if (part.startsWith('\x1b')) continue;
      else out += graphics ? [...part].map((c) => LINE_DRAWING[c] ?? c).join('') : part;
    }
    return out.trimEnd();
  });
  return lines.join('\n');
}

/** A screen in a box, so blank rows and trailing text are visible in an error. */
function frame(screen: string): string {
  return screen
    .split('\n')
    .map((l) => `|${l}`)
    .join('\n');
}
