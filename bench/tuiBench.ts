/**
 * The workspace TUI's figures, measured from the terminal's side (node-pty, bench/terminalProbe):
 * - cold start to first frame, `relay` vs `node -e 0` in the same run, alternately;
 * - keystroke to render: ms from writing a key to its character drawn in the input line, at
 *   idle and while a 1 MB answer streams;
 * - frames per second while that answer streams: output bursts the terminal receives (a burst
 *   is chunks less than FRAME_GAP_MS apart; the workspace draws at most one frame per 16 ms).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { BusClient } from '../src/bus/busClient.js';
import { EventSubscriber } from '../src/bus/eventSubscriber.js';
import { CLI_ENTRY } from '../src/platform/packageInfo.js';
import { TOPIC_TASKS, type TaskAnnouncement } from '../src/protocol/providerProtocol.js';
import type { BenchHome } from './benchHome.js';
import { measureColdStart, ProbeTerminal, summarizeLatency, waitForFirstFrame, type ColdStart, type LatencySummary } from './terminalProbe.js';
import { clientEnv, configFor, startFakeProcess, stopFakeProcess } from './workspaceBench.js';

/** Output chunks closer than this belong to one frame. */
const FRAME_GAP_MS = 4;
const COLS = 100;
const ROWS = 30;
/** Letters the streamed answer never contains: a typed one is seen only where it is drawn. */
const TYPED = 'qrstuvwxyz';
/** ms between keys typed while the answer streams (about 15 keys a second). */
const KEY_PACE_MS = 60;

export interface TuiFigures {
  cold_start: ColdStart;
  keystroke_idle: LatencySummary;
  keystroke_streaming: LatencySummary;
  stream_mb: number;
  stream_seconds: number;
  stream_frames: number;
  /** Frames per second while the answer streamed: the goal is ≥ 30. */
  stream_fps: number;
}

function ms(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

/** Type one letter and wait for it to be drawn; its latency in ms. */
async function typeOne(term: ProbeTerminal, ch: string): Promise<number> {
  const from = term.output.length;
  const t0 = process.hrtime.bigint();
  const drawn = term.whenDrawn(from, (text) => text.includes(ch), `the typed ${ch}`, 10_000);
  term.write(ch);
  return ms(t0, await drawn);
}

export async function measureTui(h: BenchHome, opts: { coldRuns: number; keys: number; streamMb: number }): Promise<TuiFigures> {
  // An answer of a-h words only, so the typed letters are told apart from it.
  const words = 'abc defg hab cdef gha bcde fgh ';
  const repeat = Math.ceil((opts.streamMb * 1024 * 1024) / words.length);
  const fake = await startFakeProcess({ kind: 'answer', text: words, chunks: 4000, chunkDelayMs: 1 }, repeat);
  try {
    mkdirSync(h.paths.home, { recursive: true, mode: 0o700 });
    writeFileSync(h.paths.config, configFor(fake), { mode: 0o600 });
    const env = { ...clientEnv(h), LANG: 'en_US.UTF-8', TERM: 'xterm-256color' };
    delete (env as NodeJS.ProcessEnv).NODE_OPTIONS;
    const argv = [process.execPath, CLI_ENTRY];
    // The daemon is up before the first run: the figure is the TUI's own start, not the daemon's.
    const warm = ProbeTerminal.spawn(argv, env, { cols: COLS, rows: ROWS, cwd: h.root });
    await waitForFirstFrame(warm, { marker: /daemon\s*ok/, timeoutMs: 30_000 });
    await warm.kill();

    const cold = await measureColdStart(argv, env, opts.coldRuns, { cols: COLS, rows: ROWS, cwd: h.root, marker: /Type a task/ });

    // The daemon announces a task's end on `tasks`: the stream's end without reading the screen.
    let onEnded: () => void = () => undefined;
    const client = new BusClient(h.paths);
    const sub = new EventSubscriber(h.paths, [TOPIC_TASKS], (_t, value) => {
      if ((value as TaskAnnouncement).kind === 'ended') onEnded();
    });
    await sub.live(client);
    const term = ProbeTerminal.spawn(argv, env, { cols: COLS, rows: ROWS, cwd: h.root });
    try {
      await waitForFirstFrame(term, { marker: /daemon\s*ok/, timeoutMs: 30_000 });
      const idle: number[] = [];
      for (let i = 0; i < opts.keys; i++) idle.push(await typeOne(term, TYPED[i % TYPED.length]!));
      // Clear the line (Ctrl+U), then a task whose answer is the large stream.
      term.write('\u0015');
      term.write('stream it');
      const taskEnded = new Promise<void>((resolve) => (onEnded = resolve));
      term.write('\r');
      const started = await term.whenDrawn(term.output.length, (t) => t.replace(/\s/g, '').includes('abcdefg'), 'the answer to start', 30_000);
      const firstChunk = term.chunkTimes.length;
      const streaming: number[] = [];
      let done = false;
      const ended = taskEnded.then(() => (done = true));
      // Typing on through the whole stream, at a person's fast pace.
      for (let i = 0; !done; i++) {
        streaming.push(await typeOne(term, TYPED[i % TYPED.length]!));
        if (i % 40 === 39) term.write('\u0015');
        await new Promise((r) => setTimeout(r, KEY_PACE_MS));
      }
      await ended;
      const endAt = process.hrtime.bigint();
      const chunks = term.chunkTimes.slice(firstChunk);
      let frames = 0;
      let last: bigint | undefined;
      for (const at of chunks) {
        if (last === undefined || ms(last, at) >= FRAME_GAP_MS) frames++;
        last = at;
      }
      const seconds = ms(started, endAt) / 1000;
      return {
        cold_start: cold,
        keystroke_idle: summarizeLatency(idle),
        keystroke_streaming: summarizeLatency(streaming),
        stream_mb: opts.streamMb,
        stream_seconds: Math.round(seconds * 1000) / 1000,
        stream_frames: frames,
        stream_fps: Math.round((frames / Math.max(seconds, 0.001)) * 10) / 10,
      };
    } finally {
      await term.kill();
      await sub.close();
      await client.close();
    }
  } finally {
    await stopFakeProcess(fake);
  }
}
