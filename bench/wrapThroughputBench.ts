/**
 * Figure 7: `relay wrap` throughput on a 100 MB stream, as a ratio to util-linux
 * `script -qfec` in the same run. Both run the same `sh -c "<writer>"` in a PTY; this process
 * drains their stdout through a pipe and counts the bytes. Runs alternate, relay then script,
 * and the medians are compared. The daemon's CPU time per relay run (from /proc) shows whether
 * the daemon is the bottleneck: a busy fraction near 1 means its one thread is saturated.
 *
 * The stream is text lines, as agents print them (a single 100 MB line would skip the limit
 * detector's per-line work and so flatter Relay). Bytes delivered are checked against what a
 * terminal should receive: a command that exits right after writing can lose its last PTY
 * buffer on Linux (node-pty issues #72, #85, #726), more often the busier the reader is.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI_ENTRY } from '../src/platform/packageInfo.js';
import type { BenchHome } from './benchHome.js';
import { relay, relayJson } from './relayCli.js';
import { median, round } from './stats.js';

export interface WrapThroughput {
  stream_mb: number;
  runs_each: number;
  relay_wrap_median_s: number;
  relay_wrap_mb_per_s: number;
  script_median_s: number;
  script_mb_per_s: number;
  /** Relay's throughput over script's: script median time / relay median time. */
  throughput_ratio: number;
  /** Daemon CPU (user + system) over wall time during the relay runs, median: ~1 = saturated. */
  daemon_busy_fraction: number;
  daemon_cpu_median_s: number;
  daemon_peak_rss_mb: number;
  /** What a terminal receives: the stream with each \n turned into \r\n by the PTY. */
  expected_bytes: number;
  /** The fewest bytes a run delivered, and how many short of expected that is (0: none lost). */
  script_bytes_min: number;
  script_bytes_lost_max: number;
  relay_wrap_bytes_min: number;
  relay_wrap_bytes_lost_max: number;
}

const MB = 1024 * 1024;
const LINE = 'the quick brown fox jumps over the lazy dog 0123456789';
/** 100 MB is minutes only if something is badly wrong; the bench fails rather than waits. */
const RUN_TIMEOUT_MS = 120_000;

interface Run {
  s: number;
  bytes: number;
}

/** Spawn, drain stdout counting bytes, and time spawn → exit with the monotonic clock. */
function timed(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) {
        reject(new Error(`${command} ${args.slice(0, 3).join(' ')} … ended with ${signal ?? `exit ${code}`}: ${stderr.trim().slice(0, 300)}`));
        return;
      }
      resolve({ s, bytes });
    });
  });
}

/** utime + stime of `pid` in seconds, from /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // The list starts at field 3 (state); utime and stime are fields 14 and 15. USER_HZ is 100 on Linux.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRssMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The baseline needs util-linux `script` (BSD and busybox ones take other options). */
function assertUtilLinuxScript(): void {
  const r = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (r.error || !/util-linux/.test(r.stdout)) {
    throw new Error(`util-linux script is needed for the baseline: ${r.error?.message ?? (r.stdout.trim() || 'script --version said nothing')}`);
  }
}

export async function measureWrapThroughput(home: BenchHome, streamMb: number, runsEach: number): Promise<WrapThroughput> {
  assertUtilLinuxScript();
  const writer = `yes '${LINE}' | head -c ${streamMb * MB}`;
  // script -c runs its command with $SHELL -c: make that the same sh that relay wraps.
  const env: NodeJS.ProcessEnv = { ...home.env, SHELL: '/bin/sh' };
  relay(['daemon', 'start'], env);
  const { record } = relayJson<{ running: boolean; pid?: number }>(['daemon', 'status'], env);
  if (!record.running || record.pid === undefined) throw new Error('daemon status says no daemon runs after start');
  const daemonPid = record.pid;

  const relayRuns: Run[] = [];
  const scriptRuns: Run[] = [];
  const busy: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runsEach; i++) {
    const before = cpuSeconds(daemonPid);
    const r = await timed(process.execPath, [CLI_ENTRY, 'wrap', '--', 'sh', '-c', writer], env, home.root);
    const used = cpuSeconds(daemonPid) - before;
    relayRuns.push(r);
    cpu.push(used);
    busy.push(used / r.s);
    scriptRuns.push(await timed('script', ['-qfec', writer, '/dev/null'], env, home.root));
  }
  const relayMedian = median(relayRuns.map((r) => r.s));
  const scriptMedian = median(scriptRuns.map((r) => r.s));
  const streamBytes = streamMb * MB;
  const expected = streamBytes + Math.floor(streamBytes / (LINE.length + 1));
  const scriptBytesMin = Math.min(...scriptRuns.map((r) => r.bytes));
  const relayBytesMin = Math.min(...relayRuns.map((r) => r.bytes));
  return {
    stream_mb: streamMb,
    runs_each: runsEach,
    relay_wrap_median_s: round(relayMedian, 3),
    relay_wrap_mb_per_s: round(streamMb / relayMedian, 1),
    script_median_s: round(scriptMedian, 3),
    script_mb_per_s: round(streamMb / scriptMedian, 1),
    throughput_ratio: round(scriptMedian / relayMedian, 3),
    daemon_busy_fraction: round(median(busy), 2),
    daemon_cpu_median_s: round(median(cpu), 2),
    daemon_peak_rss_mb: round(peakRssMb(daemonPid), 1),
    expected_bytes: expected,
    script_bytes_min: scriptBytesMin,
    script_bytes_lost_max: expected - scriptBytesMin,
    relay_wrap_bytes_min: relayBytesMin,
    relay_wrap_bytes_lost_max: expected - relayBytesMin,
  };
}
