/**
 * Instruments for the workspace TUI's figures, through a PTY this process owns (node-pty, no
 * tmux: tmux's own reading, parsing and redrawing would be in every number):
 * - cold start to first frame: spawn to the first output that draws something, i.e. printable
 *   text once the terminal set-up sequences (alternate screen, modes, clears, titles) are taken
 *   away, or to a marker the caller names;
 * - keystroke latency: a key written to the PTY to its effect showing in the output;
 * - the `node -e 0` baseline, spawn to exit through the same kind of PTY with the same env, so
 *   that "≤ 2× node -e 0" compares like with like in one run.
 * Times are taken when this process reads the chunk (the `data` event), not by polling.
 */
import pty from '@lydell/node-pty';
import { signalGroup } from '../src/platform/processTree.js';
import { median, percentileOfSorted, round, sorted } from './stats.js';

const DEFAULT_COLS = 100;
const DEFAULT_ROWS = 30;
/** A first frame or an echo takes milliseconds; past this the program is hung, not slow. */
const DEFAULT_TIMEOUT_MS = 10_000;

export interface ProbeOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  /** TERM for the program when env has none; xterm-256color by default. */
  term?: string;
}

export interface FirstFrameOptions {
  /** Wait for this in the drawn text (escape sequences removed) instead of any printable text. */
  marker?: RegExp;
  timeoutMs?: number;
}

export interface ProbeExit {
  code: number;
  signal: number | null;
}

const msSince = (t0: bigint, t1: bigint): number => Number(t1 - t0) / 1e6;

/**
 * Complete escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`), DCS/SOS/PM/APC
 * strings (`ESC P|X|^|_ … ST`), charset designations (`ESC ( B`) and other two-byte escapes.
 */
const COMPLETE_SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[()*+#%][ -~]|\x1b[ -~]/g;
/** A sequence cut off at the end of what has arrived so far: its rest is in the next chunk. */
const INCOMPLETE_TAIL = /\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[PX^_][^\x1b]*|[()*+#%])?$/;
/** C0 controls and DEL: they move the cursor or ring the bell but draw nothing. */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** The text `output` draws: escape sequences and controls removed (newlines and tabs kept). */
export function drawnText(output: string): string {
  return output.replace(INCOMPLETE_TAIL, '').replace(COMPLETE_SEQUENCES, '').replace(CONTROLS, '');
}

/** Whether `output` draws anything, or only sets the terminal up (modes, clears, titles, colours). */
export function drawsSomething(output: string): boolean {
  return /\S/.test(drawnText(output));
}

interface Waiter {
  from: number;
  matches: (drawn: string) => boolean;
  resolve: (at: bigint) => void;
  /** The program ended first: why, in words. */
  reject: (why: string) => void;
}

/** One program in a PTY, with every chunk of its output timed as it is read. */
export class ProbeTerminal {
  /** process.hrtime.bigint() just before the spawn. */
  readonly spawnedAt: bigint;
  readonly pid: number;
  readonly exited: Promise<ProbeExit>;
  private text = '';
  /** When each output chunk was read (hrtime), for counting frames. */
  readonly chunkTimes: bigint[] = [];
  private ended = false;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly proc: pty.IPty;
  private readonly waiters = new Set<Waiter>();

  private constructor(argv: readonly string[], env: Readonly<NodeJS.ProcessEnv>, opts: ProbeOptions) {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error('ProbeTerminal.spawn: argv is empty');
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    const name = clean.TERM ?? opts.term ?? 'xterm-256color';
    clean.TERM = name;
    this.spawnedAt = process.hrtime.bigint();
    this.proc = pty.spawn(command, args, {
      name,
      cols: opts.cols ?? DEFAULT_COLS,
      rows: opts.rows ?? DEFAULT_ROWS,
      cwd: opts.cwd ?? process.cwd(),
      env: clean,
      encoding: null,
    } as pty.IPtyForkOptions);
    this.pid = this.proc.pid;
    this.proc.onData((chunk: string | Buffer) => this.onChunk(chunk, process.hrtime.bigint()));
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.ended = true;
        this.text += this.decoder.decode();
        for (const w of this.waiters) w.reject(`the program exited (code ${exitCode}, signal ${signal || 'none'})`);
        this.waiters.clear();
        resolve({ code: exitCode, signal: signal || null });
      });
    });
  }

  /** Start `argv` in a fresh PTY with exactly `env` (TERM added if it has none). */
  static spawn(argv: readonly string[], env: Readonly<NodeJS.ProcessEnv>, opts: ProbeOptions = {}): ProbeTerminal {
    return new ProbeTerminal(argv, env, opts);
  }

  /** Everything the program wrote so far, decoded, escape sequences included. */
  get output(): string {
    return this.text;
  }

  private onChunk(chunk: string | Buffer, at: bigint): void {
    this.chunkTimes.push(at);
    this.text += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    for (const w of this.waiters) {
      if (!w.matches(drawnText(this.text.slice(w.from)))) continue;
      this.waiters.delete(w);
      w.resolve(at);
    }
  }

  /**
   * When the output written from index `from` on (of {@link output}) first draws text for which
   * `matches` holds: the hrtime of the chunk that completed it.
   */
  whenDrawn(from: number, matches: (drawn: string) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<bigint> {
    if (matches(drawnText(this.text.slice(from)))) return Promise.resolve(process.hrtime.bigint());
    if (this.ended) return Promise.reject(new Error(`the program had exited before ${what}`));
    return new Promise<bigint>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms; output so far: ${JSON.stringify(this.text.slice(-400))}`));
      }, timeoutMs);
      const waiter: Waiter = {
        from,
        matches,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
        reject: (why) => {
          clearTimeout(timer);
          reject(new Error(`${why} before ${what}; output: ${JSON.stringify(this.text.slice(-400))}`));
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Write keys (raw bytes as the terminal would send them: '\r' for Enter, '\x10' for Ctrl+P). */
  write(data: string): void {
    if (!this.ended) this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.proc.resize(cols, rows);
  }

  /** SIGKILL the program's process group (it leads its own session) and wait for its exit. */
  async kill(): Promise<ProbeExit> {
    if (!this.ended) signalGroup(this.pid, 'SIGKILL');
    return this.exited;
  }
}

/** ms from `term`'s spawn to its first frame: the first drawn text, or `opts.marker` in it. */
export async function waitForFirstFrame(term: ProbeTerminal, opts: FirstFrameOptions = {}): Promise<number> {
  const marker = opts.marker;
  const matches = marker ? (drawn: string) => marker.test(drawn) : (drawn: string) => /\S/.test(drawn);
  const at = await term.whenDrawn(0, matches, marker ? `frame with ${String(marker)}` : 'first frame', opts.timeoutMs);
  return msSince(term.spawnedAt, at);
}

/** Spawn `argv`, time it to its first frame, then kill it. */
export async function timeToFirstFrame(
  argv: readonly string[],
  env: Readonly<NodeJS.ProcessEnv>,
  opts: ProbeOptions & FirstFrameOptions = {},
): Promise<number> {
  const term = ProbeTerminal.spawn(argv, env, opts);
  try {
    return await waitForFirstFrame(term, opts);
  } finally {
    await term.kill();
  }
}

/**
 * ms from writing `key` to `expect` showing in what the program draws after it (a substring,
 * or a RegExp tested against the drawn text since the write). One key at a time: wait for the
 * program to be ready (its first frame) before the first.
 */
export async function keystrokeLatency(term: ProbeTerminal, key: string, expect: string | RegExp, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
  const from = term.output.length;
  const matches = typeof expect === 'string' ? (drawn: string) => drawn.includes(expect) : (drawn: string) => expect.test(drawn);
  const t0 = process.hrtime.bigint();
  const effect = term.whenDrawn(from, matches, `effect ${String(expect)} of key ${JSON.stringify(key)}`, timeoutMs);
  term.write(key);
  return msSince(t0, await effect);
}

/**
 * The baseline: `node -e 0` from spawn to exit, through a PTY with the same env and size. Give an
 * env without NODE_OPTIONS (a loader such as tsx's makes node start several times slower).
 */
export async function nodeStartBaseline(env: Readonly<NodeJS.ProcessEnv>, opts: ProbeOptions = {}): Promise<number> {
  const term = ProbeTerminal.spawn([process.execPath, '-e', '0'], env, opts);
  await term.exited;
  // The exit is seen when node-pty reports it, as the first frame is seen when its chunk is read.
  return msSince(term.spawnedAt, process.hrtime.bigint());
}

export interface ColdStart {
  runs: number;
  first_frame_median_ms: number;
  first_frame_p99_ms: number;
  node_e0_median_ms: number;
  /** First frame median over the `node -e 0` median: the goal is ≤ 2. */
  ratio_to_node_e0: number;
}

/** Cold start to first frame against `node -e 0`, run after run alternately, in this one run. */
export async function measureColdStart(
  argv: readonly string[],
  env: Readonly<NodeJS.ProcessEnv>,
  runs: number,
  opts: ProbeOptions & FirstFrameOptions = {},
): Promise<ColdStart> {
  const frames: number[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    frames.push(await timeToFirstFrame(argv, env, opts));
    baseline.push(await nodeStartBaseline(env, opts));
  }
  const f = median(frames);
  const b = median(baseline);
  return {
    runs,
    first_frame_median_ms: round(f, 3),
    first_frame_p99_ms: round(percentileOfSorted(sorted(frames), 99), 3),
    node_e0_median_ms: round(b, 3),
    ratio_to_node_e0: round(f / b, 3),
  };
}

export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** p50, p99 and max of latency samples (nearest rank, as every bench here reports them). */
export function summarizeLatency(samples: ArrayLike<number>): LatencySummary {
  const asc = sorted(samples);
  return {
    samples: asc.length,
    p50_ms: round(percentileOfSorted(asc, 50), 3),
    p99_ms: round(percentileOfSorted(asc, 99), 3),
    max_ms: round(percentileOfSorted(asc, 100), 3),
  };
}
