/**
 * Figure 8: keystroke echo through the daemon and the PTY. An agent runs `cat` in raw mode
 * (no line discipline echo, no buffering: the program itself writes each byte back); this
 * process sends single-byte `agent.input` requests one at a time, each timed from the send to
 * the echoed byte arriving on the agent's output topic — the path of a key typed in `relay wrap`
 * and drawn by the agent. Interleaved block by block with the same echo from a PTY this process
 * owns (node-pty, no daemon), so the share of the kernel and scheduling is visible.
 */
import pty from '@lydell/node-pty';
import { BusClient } from '../src/bus/busClient.js';
import { EventSubscriber } from '../src/bus/eventSubscriber.js';
import { ptyTopic, type PtyMessage } from '../src/protocol/agentProtocol.js';
import type { BenchHome } from './benchHome.js';
import { relay } from './relayCli.js';
import { percentileOfSorted, round, sorted } from './stats.js';

export interface KeystrokeEcho {
  keystrokes: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The daemon's reply to the same `agent.input` requests (the bus and request handling alone). */
  input_ack_p50_ms: number;
  input_ack_p99_ms: number;
  /** The same echo from a PTY owned by this process: the floor without the daemon. */
  baseline_direct_pty_p50_ms: number;
  baseline_direct_pty_p99_ms: number;
}

/** Raw mode first, then a marker, so no byte is echoed by the line discipline instead of cat. */
const ECHO_SCRIPT = "stty raw -echo && printf READY && exec cat";
const READY = 'READY';
/** Alternate relay and baseline every this many keystrokes. */
const BLOCK = 100;
/** One echo takes well under a millisecond or two; past this it is lost, not slow. */
const ECHO_TIMEOUT_MS = 5_000;
const WARM_UP = 50;

type Awaiter = { expect: number; resolve: () => void };

/** Output of one echoing program: first its READY marker, then one awaited byte at a time. */
class EchoWaiter {
  private waiting: Awaiter | undefined;
  private text = '';
  ready = false;
  private readyListener: (() => void) | undefined;

  feed(data: Uint8Array): void {
    if (!this.ready) {
      this.text += Buffer.from(data).toString('latin1');
      if (this.text.includes(READY)) {
        this.ready = true;
        this.readyListener?.();
      }
      return;
    }
    const w = this.waiting;
    if (w && data.includes(w.expect)) {
      this.waiting = undefined;
      w.resolve();
    }
  }

  whenReady(): Promise<void> {
    return this.bounded(new Promise((resolve) => (this.ready ? resolve() : (this.readyListener = resolve))), 'the READY marker');
  }

  next(expect: number): Promise<void> {
    return this.bounded(new Promise((resolve) => (this.waiting = { expect, resolve })), `the echo of byte ${expect}`);
  }

  private bounded(p: Promise<void>, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ECHO_TIMEOUT_MS} ms`)), ECHO_TIMEOUT_MS);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}

/** A letter per keystroke, cycling a..z, so each echo is told from the one before. */
const keyOf = (i: number): number => 0x61 + (i % 26);

/** Time `press(i)` for keystrokes from..from+count, one at a time, into `samples`. */
async function timeBlock(samples: Float64Array, from: number, count: number, press: (i: number) => Promise<void>): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const t0 = process.hrtime.bigint();
    await press(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
}

export async function measureKeystrokeEcho(home: BenchHome, keystrokes: number): Promise<KeystrokeEcho> {
  relay(['daemon', 'start'], home.env);
  const client = new BusClient(home.paths, 'bench:keys');
  const viaRelay = new EchoWaiter();
  let agentId: string | undefined;
  // Every agent's output until the id is known: the READY marker may come before any narrower subscription.
  const sub = new EventSubscriber(home.paths, ['pty:'], (topic, value) => {
    const msg = value as PtyMessage;
    if (agentId !== undefined && topic === ptyTopic(agentId) && 'data' in msg) viaRelay.feed(msg.data);
  });
  const viaPty = new EchoWaiter();
  let direct: pty.IPty | undefined;
  try {
    await sub.live(client);
    const env = Object.fromEntries(Object.entries(home.env).filter((kv): kv is [string, string] => kv[1] !== undefined));
    const { agent } = await client.request('agent.start', {
      command: 'sh',
      args: ['-c', ECHO_SCRIPT],
      cwd: home.root,
      env,
      cols: 80,
      rows: 24,
    });
    agentId = agent.id;
    direct = pty.spawn('sh', ['-c', ECHO_SCRIPT], { name: 'xterm-256color', cols: 80, rows: 24, cwd: home.root, env, encoding: null } as pty.IPtyForkOptions);
    direct.onData((d: string | Buffer) => viaPty.feed(typeof d === 'string' ? Buffer.from(d) : d));
    await Promise.all([viaRelay.whenReady(), viaPty.whenReady()]);

    const id = agent.id;
    const acks = new Float64Array(keystrokes);
    /** Keystroke i through the daemon; its reply's round trip goes into `ackInto` when given. */
    const pressRelay = (ackInto?: Float64Array) => async (i: number): Promise<void> => {
      const key = keyOf(i);
      const echoed = viaRelay.next(key);
      const t0 = process.hrtime.bigint();
      const acked = client.request('agent.input', { id, data: Uint8Array.of(key) }).then(() => {
        if (ackInto) ackInto[i] = Number(process.hrtime.bigint() - t0) / 1e6;
      });
      await Promise.all([acked, echoed]);
    };
    const d = direct;
    const pressDirect = async (i: number): Promise<void> => {
      const key = keyOf(i);
      const echoed = viaPty.next(key);
      d.write(Buffer.of(key) as unknown as string);
      await echoed;
    };
    const scratch = new Float64Array(WARM_UP);
    await timeBlock(scratch, 0, WARM_UP, pressRelay());
    await timeBlock(scratch, 0, WARM_UP, pressDirect);

    const subject = new Float64Array(keystrokes);
    const baseline = new Float64Array(keystrokes);
    for (let from = 0; from < keystrokes; from += BLOCK) {
      const n = Math.min(BLOCK, keystrokes - from);
      await timeBlock(subject, from, n, pressRelay(acks));
      await timeBlock(baseline, from, n, pressDirect);
    }
    const s = sorted(subject);
    const b = sorted(baseline);
    const a = sorted(acks);
    return {
      keystrokes,
      p50_ms: round(percentileOfSorted(s, 50), 3),
      p99_ms: round(percentileOfSorted(s, 99), 3),
      max_ms: round(s[s.length - 1]!, 3),
      input_ack_p50_ms: round(percentileOfSorted(a, 50), 3),
      input_ack_p99_ms: round(percentileOfSorted(a, 99), 3),
      baseline_direct_pty_p50_ms: round(percentileOfSorted(b, 50), 3),
      baseline_direct_pty_p99_ms: round(percentileOfSorted(b, 99), 3),
    };
  } finally {
    direct?.kill('SIGKILL');
    if (agentId !== undefined) await client.request('agent.stop', { id: agentId }).catch(() => undefined);
    await sub.close();
    await client.close();
  }
}
